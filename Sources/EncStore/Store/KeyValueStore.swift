import Logging
import ServiceLifecycle

/// An MVCC key-value store with etcd v3's contract: one revision counter for the whole store,
/// compare-and-swap writes, all-or-nothing transactions, and gap-free watches.
///
/// Implementations: ``MVCCStore/lmdb(configuration:keyRing:logger:)`` (durable, encrypted at
/// rest), ``MVCCStore/inMemory(configuration:)`` (same semantics, for tests of the layers
/// above) and ``EtcdStore`` (an etcd v3 cluster several masters share, values sealed before
/// they leave the process). Every implementation passes the same contract test suite.
public protocol KeyValueStore: Sendable {
    /// Reads one key at the current revision.
    func get(_ key: String) async throws -> GetResult

    /// Reads the keys starting with `prefix`, in byte order, at the current revision.
    /// - Parameters:
    ///   - prefix: The key prefix; the empty string selects every key.
    ///   - limit: The maximum number of records to return; 0 means no limit.
    ///   - after: Continue after this key (exclusive), as a paging cursor.
    func range(prefix: String, limit: Int, after: String?) async throws -> RangeResult

    /// Reads the keys starting with `prefix` as they were at `revision` (etcd's range with a
    /// revision): the current records with the history after `revision` undone. The result's
    /// `revision` is `revision`.
    ///
    /// Throws ``StoreError/Code/compacted`` when the history after `revision` was compacted and
    /// ``StoreError/Code/futureRevision`` when `revision` is newer than the store.
    func range(prefix: String, limit: Int, after: String?, atRevision revision: Int64) async throws -> RangeResult

    /// Counts the keys starting with `prefix` at the current revision.
    func count(prefix: String) async throws -> CountResult

    /// Applies `operations` atomically at one new revision if every condition holds, else none.
    func transaction(_ operations: [WriteOperation]) async throws -> TransactionResult

    /// Streams changes to keys under `prefix` with revision `>= fromRevision`, in revision order,
    /// with no gaps and no duplicates. `fromRevision` 0 streams only changes after the call.
    ///
    /// Throws ``StoreError/Code/compacted`` at once when `fromRevision` is at or before the
    /// compacted revision. The stream ends with ``StoreError/Code/watcherTooSlow`` if its consumer
    /// falls further behind than the configured buffer.
    func watch(prefix: String, fromRevision: Int64) async throws -> WatchStream

    /// Drops history through `revision`: watches from it or earlier then fail with `compacted`.
    func compact(through revision: Int64) async throws

    /// The current store revision.
    func currentRevision() async throws -> Int64

    /// Ends every watcher with ``StoreError/Code/closed`` and releases the store; later calls
    /// fail with `closed`. Idempotent.
    func close() async
}

extension KeyValueStore {
    /// Compacts history older than `history`'s retained revisions every compaction interval
    /// until cancelled or gracefully shut down (each store's `run()` as a `Service`).
    func compactPeriodically(_ history: StoreConfiguration.History, logger: Logger) async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: history.compactionInterval)
                    let target = try await self.currentRevision() - history.retainedRevisions
                    if target > 0 { try await self.compact(through: target) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("background compaction failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Reads every key under `prefix`.
    public func range(prefix: String) async throws -> RangeResult {
        try await range(prefix: prefix, limit: 0, after: nil)
    }

    /// Applies one write and reports its outcome.
    public func write(_ operation: WriteOperation) async throws -> WriteResult {
        switch try await transaction([operation]) {
        case .committed(_, let results): results[0]
        case .conditionFailed(_, let current, let revision): .conditionFailed(current: current, revision: revision)
        }
    }

    /// Creates `key`; fails with ``WriteResult/conditionFailed(current:revision:)`` if it exists.
    public func create(_ key: String, value: [UInt8]) async throws -> WriteResult {
        try await write(.create(key, value: value))
    }

    /// Creates or replaces `key`; with `ifModRevision`, only if the key is at that revision.
    public func put(_ key: String, value: [UInt8], ifModRevision: Int64? = nil) async throws -> WriteResult {
        try await write(.update(key, value: value, ifModRevision: ifModRevision))
    }

    /// Deletes `key`; with `ifModRevision`, only if the key is at that revision.
    public func delete(_ key: String, ifModRevision: Int64? = nil) async throws -> WriteResult {
        try await write(.delete(key, ifModRevision: ifModRevision))
    }
}
