public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

/// The MVCC key-value store: etcd v3's contract over a physical backend.
///
/// Create one with ``lmdb(directory:keyRing:configuration:lmdb:logger:)`` (durable, values sealed
/// with AES-256-GCM) or ``inMemory(configuration:logger:)`` (same semantics, for tests). Run it as
/// a `Service` (``run()``) so history is compacted in the background, and ``close()`` it before
/// the process reopens the same directory.
public final class MVCCStore: KeyValueStore, Service {
    let backend: any StorageBackend
    let coordinator: WriteCoordinator
    let hub: WatchHub
    let configuration: StoreConfiguration
    let logger: Logger
    private let isClosed = Atomic<Bool>(false)

    init(backend: any StorageBackend, configuration: StoreConfiguration, logger: Logger) throws {
        self.backend = backend
        self.configuration = configuration
        self.logger = logger
        let revision = try backend.read { try $0.revision() }
        self.hub = WatchHub(lastPublished: revision, bufferSize: configuration.watchBufferSize)
        self.coordinator = WriteCoordinator(backend: backend, hub: hub, maxBatch: configuration.maxBatchSize)
    }

    /// An in-memory store with the same semantics as the LMDB store and nothing on disk.
    public static func inMemory(
        configuration: StoreConfiguration = StoreConfiguration(),
        logger: Logger = Logger(label: "encstore", factory: { _ in SwiftLogNoOpLogHandler() })
    ) -> MVCCStore {
        // A new memory backend always reads its revision.
        try! MVCCStore(backend: MemoryBackend(), configuration: configuration, logger: logger)
    }

    // MARK: Reads

    public func get(_ key: String) async throws -> GetResult {
        try checkOpen()
        try configuration.validate(key: key)
        return try backend.read { reader in
            GetResult(kv: try reader.current(key), revision: try reader.revision())
        }
    }

    public func range(prefix: String, limit: Int, after: String?, atRevision revision: Int64) async throws -> RangeResult {
        try checkOpen()
        try configuration.validate(prefix: prefix)
        if let after { try configuration.validate(key: after) }
        return try backend.read { reader in
            let current = try reader.revision()
            guard revision <= current else { throw StoreError.futureRevision(requested: revision, current: current) }
            let compacted = try reader.compactedThrough()
            guard revision >= compacted else { throw StoreError.compacted(requested: revision, compactRevision: compacted) }
            var events: [WatchEvent] = []
            var from = revision + 1
            while from <= current {
                let page = try reader.history(from: from, through: current, prefix: prefix, scanLimit: 10_000)
                events += page.events
                guard page.scannedThrough >= from else { break }
                from = page.scannedThrough + 1
            }
            // Nothing under the prefix changed since `revision` (the common case for paged lists):
            // the current records are the answer, read page by page.
            if events.isEmpty {
                let (kvs, more) = try reader.range(prefix: prefix, after: after, limit: max(0, limit))
                return RangeResult(kvs: kvs, more: more, revision: revision)
            }
            var records: [String: KeyValue] = [:]
            for kv in try reader.range(prefix: prefix, after: nil, limit: 0).kvs { records[kv.key] = kv }
            // Undo the changes after `revision`, newest first: a put restores what it replaced
            // (or removes a key it created), a delete restores what it removed.
            for event in events.reversed() { records[event.kv.key] = event.previous }
            var keys = records.keys.filter { key in after.map { $0.utf8.lexicographicallyPrecedes(key.utf8) } ?? true }
            keys.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let more = limit > 0 && keys.count > limit
            if more { keys = Array(keys.prefix(limit)) }
            return RangeResult(kvs: keys.map { records[$0]! }, more: more, revision: revision)
        }
    }

    public func range(prefix: String, limit: Int, after: String?) async throws -> RangeResult {
        try checkOpen()
        try configuration.validate(prefix: prefix)
        if let after { try configuration.validate(key: after) }
        return try backend.read { reader in
            let (kvs, more) = try reader.range(prefix: prefix, after: after, limit: max(0, limit))
            return RangeResult(kvs: kvs, more: more, revision: try reader.revision())
        }
    }

    public func count(prefix: String) async throws -> CountResult {
        try checkOpen()
        try configuration.validate(prefix: prefix)
        return try backend.read { reader in
            CountResult(count: try reader.count(prefix: prefix), revision: try reader.revision())
        }
    }

    public func currentRevision() async throws -> Int64 {
        try checkOpen()
        return try backend.read { try $0.revision() }
    }

    // MARK: Writes

    public func transaction(_ operations: [WriteOperation]) async throws -> TransactionResult {
        try checkOpen()
        try configuration.validate(transaction: operations)
        return try await coordinator.submit(operations)
    }

    // MARK: Watch

    public func watch(prefix: String, fromRevision: Int64) async throws -> WatchStream {
        try checkOpen()
        try configuration.validate(prefix: prefix)
        let (stream, lastPublished) = try await hub.subscribe(prefix: prefix)
        let start = fromRevision > 0 ? fromRevision : lastPublished + 1
        let compacted = try backend.read { try $0.compactedThrough() }
        guard start > compacted else {
            throw StoreError.compacted(requested: start, compactRevision: compacted)
        }
        return WatchStream(prefix: prefix, startRevision: start, replayThrough: lastPublished, backend: backend, live: stream)
    }

    /// The number of watchers currently registered.
    public var watcherCount: Int {
        get async { await hub.count }
    }

    // MARK: Compaction

    public func compact(through revision: Int64) async throws {
        try checkOpen()
        let (current, compacted) = try backend.read { (try $0.revision(), try $0.compactedThrough()) }
        guard revision <= current else { throw StoreError.futureRevision(requested: revision, current: current) }
        guard revision > compacted else { return }
        let started = ContinuousClock.now
        try await coordinator.perform { try $0.setCompactedThrough(revision) }
        // In steps of 10,000 events between ordinary writes; a long one reports its progress.
        var removed = 0
        while case let step = try await coordinator.perform({ try $0.removeHistory(through: revision, limit: 10_000) }), step > 0 {
            removed += step
            if removed % 100_000 < step { logger.info("compacting history", metadata: ["through": "\(revision)", "removed": "\(removed)"]) }
        }
        Counter(label: "encstore_compactions_total").increment()
        Gauge(label: "encstore_compacted_revision").record(revision)
        logger.log(level: removed > 0 ? .info : .debug, "compacted history", metadata: [
            "through": "\(revision)", "removedEvents": "\(removed)", "duration": "\(ContinuousClock.now - started)",
        ])
    }

    /// Compacts history older than ``StoreConfiguration/History/retainedRevisions`` every
    /// ``StoreConfiguration/History/compactionInterval`` until cancelled or gracefully shut down.
    public func run() async throws {
        await compactPeriodically(configuration.history, logger: logger)
    }

    // MARK: Lifecycle

    /// Commits queued writes, ends every watcher with ``StoreError/Code/closed`` and releases the
    /// backend. Later calls fail with ``StoreError/Code/closed``.
    public func close() async {
        guard !isClosed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        await coordinator.close()
        await hub.close()
        await backend.close()
    }

    // MARK: Validation

    private func checkOpen() throws {
        if isClosed.load(ordering: .relaxed) { throw StoreError.closed() }
    }

}
