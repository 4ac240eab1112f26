import CLMDB
import NIOPosix
import Synchronization

/// Tuning of the LMDB environment, with documented defaults.
public struct LMDBOptions: Sendable {
    /// The largest the data file may grow to, in bytes. The file is sparse, so a large map
    /// costs address space, not disk. Default 8 GiB.
    public var mapSize: Int
    /// The most read transactions that may run at once. Default 512.
    public var maxReaders: Int
    /// Bytes of recently used plaintext values kept in process memory so that hot reads skip
    /// decryption; 0 turns the cache off. Default 64 MiB.
    public var valueCacheBytes: Int

    /// Creates options; every parameter has the default documented on its property.
    public init(mapSize: Int = 8 << 30, maxReaders: Int = 512, valueCacheBytes: Int = 64 << 20) {
        self.mapSize = mapSize
        self.maxReaders = maxReaders
        self.valueCacheBytes = valueCacheBytes
    }
}

/// The durable backend: LMDB with every value sealed by ``Sealer``.
///
/// Writes run on one dedicated thread (LMDB ties a write transaction to its thread, and a commit
/// blocks on fsync, which must not stall Swift's cooperative pool); reads run on the caller's thread.
final class LMDBBackend: StorageBackend {
    let environment: LMDBEnvironment
    /// The keys in use. The active key seals new values; all of them open values.
    let ring: Mutex<KeyRing>
    let cache: ValueCache
    private let writerThread: NIOThreadPool

    init(directory: String, keyRing: KeyRing, keySource: String, options: LMDBOptions) throws {
        let environment = try LMDBEnvironment(directory: directory, mapSize: options.mapSize, maxReaders: options.maxReaders)
        let ring = try environment.write { txn in
            try LMDBWriter(txn: txn, databases: environment.databases, ring: keyRing, cache: ValueCache(capacity: 0))
                .prepareKeys(storePath: environment.path, keySource: keySource)
        }
        self.environment = environment
        self.ring = Mutex(ring)
        self.cache = ValueCache(capacity: options.valueCacheBytes)
        self.writerThread = NIOThreadPool(numberOfThreads: 1)
        writerThread.start()
    }

    func read<T>(_ body: (any StorageReader) throws -> T) throws -> T {
        try environment.read { txn in
            // The ring is read after the transaction begins, so it holds every key that sealed
            // a value this transaction can see.
            try body(LMDBReader(txn: txn, databases: environment.databases, ring: ring.withLock { $0 }, cache: cache))
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any StorageWriter) throws -> T) async throws -> T {
        try await writerThread.runIfActive {
            try self.environment.write { txn in
                try body(
                    LMDBWriter(
                        txn: txn, databases: self.environment.databases, ring: self.ring.withLock { $0 }, cache: self.cache))
            }
        }
    }

    func close() async {
        try? await writerThread.shutdownGracefully()
        environment.close()
    }
}

/// Reads a consistent snapshot of the LMDB store and opens the values it returns.
class LMDBReader: StorageReader {
    let txn: LMDBTransaction
    let databases: LMDBEnvironment.Databases
    let ring: KeyRing
    let cache: ValueCache

    init(txn: LMDBTransaction, databases: LMDBEnvironment.Databases, ring: KeyRing, cache: ValueCache) {
        self.txn = txn
        self.databases = databases
        self.ring = ring
        self.cache = cache
    }

    func revision() throws -> Int64 { try metaInteger("revision") ?? 1 }
    func compactedThrough() throws -> Int64 { try metaInteger("compacted") ?? 0 }

    func current(_ key: String) throws -> KeyValue? {
        guard let record = try withBytes(key, { try txn.get(databases.current, $0) }) else { return nil }
        return try currentRecord(key: key, record)
    }

    /// Decodes a current record, opening its value (or taking it from the cache).
    func currentRecord(key: String, _ record: UnsafeRawBufferPointer) throws -> KeyValue {
        let (meta, envelope) = try RecordCodec.decodeCurrent(record)
        guard let nonce = ValueCache.Nonce(envelope: envelope) else { throw StoreError.integrity(key: key) }
        if let value = cache.lookup(key, modRevision: meta.modRevision, nonce: nonce) {
            return meta.keyValue(key: key, value: value)
        }
        let value = try Sealer.open(envelope, path: key, ring: ring)
        cache.insert(key, modRevision: meta.modRevision, nonce: nonce, value: value)
        return meta.keyValue(key: key, value: value)
    }

    func range(prefix: String, after: String?, limit: Int) throws -> (kvs: [KeyValue], more: Bool) {
        try scan(prefix: prefix, after: after) { cursor, first in
            var kvs: [KeyValue] = []
            var entry = first
            while let (keyBytes, record) = entry, keyBytes.starts(with: prefix.utf8) {
                if limit > 0, kvs.count == limit { return (kvs, true) }
                kvs.append(try currentRecord(key: String(decoding: keyBytes, as: UTF8.self), record))
                entry = try cursor.next()
            }
            return (kvs, false)
        }
    }

    func count(prefix: String) throws -> Int {
        try scan(prefix: prefix, after: nil) { cursor, first in
            var count = 0
            var entry = first
            while let (keyBytes, _) = entry, keyBytes.starts(with: prefix.utf8) {
                count += 1
                entry = try cursor.next()
            }
            return count
        }
    }

    func history(from: Int64, through: Int64, prefix: String, scanLimit: Int) throws
        -> (events: [WatchEvent], scannedThrough: Int64)
    {
        try txn.withCursor(databases.history) { cursor in
            var events: [WatchEvent] = []
            var scanned = 0
            var lastRevision = from - 1
            var entry = try RecordCodec.historyKey(revision: from, index: 0).withUnsafeBytes { try cursor.seek($0) }
            while let (key, record) = entry {
                let revision = try RecordCodec.revision(ofHistoryKey: key)
                if revision > through { break }
                if scanned >= scanLimit, revision != lastRevision { return (events, lastRevision) }
                if try RecordCodec.eventKey(record).starts(with: prefix.utf8) {
                    events.append(try watchEvent(record))
                }
                scanned += 1
                lastRevision = revision
                entry = try cursor.next()
            }
            return (events, through)
        }
    }

    private func watchEvent(_ record: UnsafeRawBufferPointer) throws -> WatchEvent {
        let event = try RecordCodec.decodeEvent(record)
        let key = String(decoding: event.key, as: UTF8.self)
        let value = event.kind == .put ? try Sealer.open(event.envelope, path: key, ring: ring) : []
        let previous = try event.previous.map { previous in
            previous.meta.keyValue(key: key, value: try Sealer.open(previous.envelope, path: key, ring: ring))
        }
        return WatchEvent(kind: event.kind, kv: event.meta.keyValue(key: key, value: value), previous: previous)
    }

    /// Positions a cursor on the first current key under `prefix` (after `after`, exclusive) and runs `body`.
    private func scan<T>(
        prefix: String, after: String?, _ body: (LMDBCursor, LMDBCursor.Entry?) throws -> T
    ) throws -> T {
        try txn.withCursor(databases.current) { cursor in
            var first: LMDBCursor.Entry?
            if let after, prefix.utf8.lexicographicallyPrecedes(after.utf8) {
                first = try withBytes(after) { try cursor.seek($0) }
                if let (key, _) = first, key.elementsEqual(after.utf8) { first = try cursor.next() }
            } else {
                first = try withBytes(prefix) { try cursor.seek($0) }
            }
            return try body(cursor, first)
        }
    }

    func metaInteger(_ name: String) throws -> Int64? {
        guard let bytes = try metaValue(name) else { return nil }
        guard bytes.count == 8 else { throw StoreError.corrupt("meta \(name) has \(bytes.count) bytes, expected 8") }
        return Int64(littleEndian: bytes.loadUnaligned(as: Int64.self))
    }

    func metaValue(_ name: String) throws -> UnsafeRawBufferPointer? {
        try withBytes(name) { try txn.get(databases.meta, $0) }
    }
}

/// Writes to the LMDB store inside one write transaction, sealing values with the active key.
final class LMDBWriter: LMDBReader, StorageWriter {
    /// Envelopes sealed by this transaction, so history reuses them instead of sealing again.
    private var sealed: [String: [UInt8]] = [:]
    /// Envelopes of current records read by this transaction, reused as the previous value in history.
    private var read: [String: [UInt8]] = [:]

    override func current(_ key: String) throws -> KeyValue? {
        guard let record = try withBytes(key, { try txn.get(databases.current, $0) }) else { return nil }
        read[key] = Array(try RecordCodec.decodeCurrent(record).1)
        return try currentRecord(key: key, record)
    }

    func setCurrent(_ kv: KeyValue) throws {
        let envelope = Sealer.seal(kv.value, path: kv.key, with: ring.active)
        sealed[kv.key] = envelope
        if let nonce = envelope.withUnsafeBytes({ ValueCache.Nonce(envelope: $0) }) {
            // Visible to readers only once this transaction commits a record with this nonce.
            cache.insert(kv.key, modRevision: kv.modRevision, nonce: nonce, value: kv.value)
        }
        let record = RecordCodec.encodeCurrent(RecordCodec.Meta(kv), envelope: envelope)
        try withBytes(kv.key) { key in try record.withUnsafeBytes { try txn.put(databases.current, key, $0) } }
    }

    func removeCurrent(_ key: String) throws {
        try withBytes(key) { _ = try txn.delete(databases.current, $0) }
    }

    func appendHistory(_ events: [WatchEvent]) throws {
        for (index, event) in events.enumerated() {
            let key = event.kv.key
            let envelope = event.kind == .put ? sealed[key] ?? Sealer.seal(event.kv.value, path: key, with: ring.active) : []
            let previous = event.previous.map { previous in
                (RecordCodec.Meta(previous), read[key] ?? Sealer.seal(previous.value, path: key, with: ring.active))
            }
            let record = RecordCodec.encodeEvent(
                kind: event.kind, key: key, meta: RecordCodec.Meta(event.kv), envelope: envelope, previous: previous)
            try RecordCodec.historyKey(revision: event.revision, index: index).withUnsafeBytes { historyKey in
                try record.withUnsafeBytes { try txn.put(databases.history, historyKey, $0) }
            }
        }
    }

    func setRevision(_ revision: Int64) throws { try setMeta("revision", integer: revision) }
    func setCompactedThrough(_ revision: Int64) throws { try setMeta("compacted", integer: revision) }

    func removeHistory(through: Int64, limit: Int) throws -> Int {
        try txn.withCursor(databases.history) { cursor in
            var removed = 0
            var entry = try [UInt8]().withUnsafeBytes { try cursor.seek($0) }
            while removed < limit, let (key, _) = entry, try RecordCodec.revision(ofHistoryKey: key) <= through {
                try cursor.deleteCurrent()
                removed += 1
                entry = try cursor.next()
            }
            return removed
        }
    }

    func setMeta(_ name: String, integer: Int64) throws {
        try setMeta(name, bytes: withUnsafeBytes(of: integer.littleEndian, Array.init))
    }

    func setMeta(_ name: String, bytes: [UInt8]) throws {
        try withBytes(name) { key in try bytes.withUnsafeBytes { try txn.put(databases.meta, key, $0) } }
    }

    func deleteMeta(_ name: String) throws {
        try withBytes(name) { _ = try txn.delete(databases.meta, $0) }
    }
}

/// Runs `body` with the UTF-8 bytes of `string`.
func withBytes<T>(_ string: String, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
    var string = string
    return try string.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
}
