/// etcd's write semantics, applied to a backend transaction: condition checks, revision bump,
/// per-key createRevision/modRevision/version, and the history events of the new revision.
enum TransactionApplier {
    /// Applies `operations` as one transaction on `writer`.
    ///
    /// Every read and check happens before the first mutation, so an error thrown before
    /// mutating leaves the backend transaction untouched; an error thrown while mutating is a
    /// storage failure and the caller must abandon the whole backend transaction.
    static func apply(_ operations: [WriteOperation], on writer: any StorageWriter) throws
        -> (result: TransactionResult, events: [WatchEvent])
    {
        let revision = try writer.revision()
        let currents = try operations.map { try writer.current($0.key) }
        for (index, operation) in operations.enumerated()
        where !conditionHolds(operation, current: currents[index]) {
            return (.conditionFailed(index: index, current: currents[index], revision: revision), [])
        }

        let newRevision = revision + 1
        var results: [WriteResult] = []
        var events: [WatchEvent] = []
        results.reserveCapacity(operations.count)
        events.reserveCapacity(operations.count)
        for (index, operation) in operations.enumerated() {
            let current = currents[index]
            switch operation.action {
            case .put(let value):
                let kv = KeyValue(
                    key: operation.key, value: value,
                    createRevision: current?.createRevision ?? newRevision,
                    modRevision: newRevision,
                    version: (current?.version ?? 0) + 1)
                try writer.setCurrent(kv)
                results.append(.written(kv))
                events.append(WatchEvent(kind: .put, kv: kv, previous: current))
            case .delete:
                // conditionHolds guarantees the key exists.
                let previous = current!
                try writer.removeCurrent(operation.key)
                results.append(.deleted(previous: previous, revision: newRevision))
                let tombstone = KeyValue(key: operation.key, value: [], createRevision: 0, modRevision: newRevision, version: 0)
                events.append(WatchEvent(kind: .delete, kv: tombstone, previous: previous))
            }
        }
        try writer.appendHistory(events)
        try writer.setRevision(newRevision)
        return (.committed(revision: newRevision, results: results), events)
    }

    static func conditionHolds(_ operation: WriteOperation, current: KeyValue?) -> Bool {
        switch (operation.condition, operation.action) {
        case (.none, .put): true
        case (.none, .delete): current != nil
        case (.absent, _): current == nil
        case (.modRevision(let expected), _): current?.modRevision == expected
        }
    }
}
