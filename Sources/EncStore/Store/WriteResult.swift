/// The outcome of one write.
public enum WriteResult: Sendable, Hashable {
    /// The put was applied; the record as stored, `modRevision` being the new store revision.
    case written(KeyValue)
    /// The delete was applied at `revision`; `previous` is the value it removed.
    case deleted(previous: KeyValue, revision: Int64)
    /// The condition did not hold. `current` is the key's present state (`nil` when absent)
    /// read at store revision `revision`, so a caller can retry or report a conflict without
    /// another read.
    case conditionFailed(current: KeyValue?, revision: Int64)

    /// The store revision after the write, or the revision the failed condition was checked at.
    public var revision: Int64 {
        switch self {
        case .written(let kv): kv.modRevision
        case .deleted(_, let revision), .conditionFailed(_, let revision): revision
        }
    }

    /// Whether the write was applied.
    public var succeeded: Bool {
        if case .conditionFailed = self { return false }
        return true
    }
}

/// The outcome of an all-or-nothing multi-key transaction.
public enum TransactionResult: Sendable, Hashable {
    /// Every operation applied at one new store `revision`; `results` are in operation order.
    case committed(revision: Int64, results: [WriteResult])
    /// The operation at `index` failed its condition; nothing was applied. `current` is that
    /// key's present state, read at `revision`.
    case conditionFailed(index: Int, current: KeyValue?, revision: Int64)
}
