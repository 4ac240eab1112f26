/// Reads inside one consistent snapshot of a backend.
///
/// The MVCC semantics live in ``MVCCStore`` and ``TransactionApplier``; a backend only stores
/// current records, history events and two counters, and answers these queries on them.
protocol StorageReader {
    /// The store revision: the revision of the last committed write (1 for a new store).
    func revision() throws -> Int64
    /// History through this revision has been dropped (0 when nothing was compacted).
    func compactedThrough() throws -> Int64
    /// The current record of `key`.
    func current(_ key: String) throws -> KeyValue?
    /// Current records under `prefix` in byte order, starting after `after`; `limit` 0 = all.
    func range(prefix: String, after: String?, limit: Int) throws -> (kvs: [KeyValue], more: Bool)
    /// The number of current records under `prefix`.
    func count(prefix: String) throws -> Int
    /// History events under `prefix` with revision in `from...through`, in order. Scans about
    /// `scanLimit` events but always whole revisions; `scannedThrough` is the last revision
    /// examined, so the next page starts after it.
    func history(from: Int64, through: Int64, prefix: String, scanLimit: Int) throws
        -> (events: [WatchEvent], scannedThrough: Int64)
}

/// Writes inside one backend transaction; effects are visible to this transaction's reads at once
/// and durable when the backend's `write` returns.
protocol StorageWriter: StorageReader {
    func setCurrent(_ kv: KeyValue) throws
    func removeCurrent(_ key: String) throws
    /// Records the events of one revision (all share `events[0].revision`).
    func appendHistory(_ events: [WatchEvent]) throws
    func setRevision(_ revision: Int64) throws
    func setCompactedThrough(_ revision: Int64) throws
    /// Removes up to `limit` history events with revision `<= through`; returns how many it removed.
    func removeHistory(through: Int64, limit: Int) throws -> Int
}

/// Physical storage under an ``MVCCStore``.
protocol StorageBackend: Sendable {
    /// Runs `body` against a consistent snapshot, on the calling thread.
    func read<T>(_ body: (any StorageReader) throws -> T) throws -> T
    /// Runs `body` in one write transaction and commits it durably. Only the store's
    /// ``WriteCoordinator`` calls this, one call at a time.
    func write<T: Sendable>(_ body: @escaping @Sendable (any StorageWriter) throws -> T) async throws -> T
    /// Releases the backend. No call may follow.
    func close() async
}
