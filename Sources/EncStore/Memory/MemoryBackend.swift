import Synchronization

/// A backend that keeps everything in memory, for fast tests of the layers above.
///
/// Readers work on a snapshot of the state taken under the mutex; a write collects its changes in
/// an overlay and applies them under the mutex when its body succeeds.
final class MemoryBackend: StorageBackend {
    struct State: Sendable {
        var current: [String: KeyValue] = [:]
        /// Every retained event, in revision order.
        var history: [WatchEvent] = []
        var revision: Int64 = 1
        var compactedThrough: Int64 = 0
    }

    private let state = Mutex(State())

    func read<T>(_ body: (any StorageReader) throws -> T) throws -> T {
        try body(MemoryReader(state: state.withLock { $0 }))
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any StorageWriter) throws -> T) async throws -> T {
        let writer = MemoryWriter(state: state.withLock { $0 })
        let result = try body(writer)
        state.withLock { writer.apply(to: &$0) }
        return result
    }

    func close() async {}
}

/// Answers reads from one snapshot of a ``MemoryBackend``.
class MemoryReader: StorageReader {
    let snapshot: MemoryBackend.State

    init(state: MemoryBackend.State) { self.snapshot = state }

    func revision() throws -> Int64 { snapshot.revision }
    func compactedThrough() throws -> Int64 { snapshot.compactedThrough }
    func current(_ key: String) throws -> KeyValue? { snapshot.current[key] }

    func range(prefix: String, after: String?, limit: Int) throws -> (kvs: [KeyValue], more: Bool) {
        var keys = snapshot.current.keys.filter { $0.utf8.starts(with: prefix.utf8) }
        if let after { keys = keys.filter { after.utf8.lexicographicallyPrecedes($0.utf8) } }
        keys.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let taken = limit > 0 ? Array(keys.prefix(limit)) : keys
        return (taken.map { snapshot.current[$0]! }, taken.count < keys.count)
    }

    func count(prefix: String) throws -> Int {
        snapshot.current.keys.count { $0.utf8.starts(with: prefix.utf8) }
    }

    func history(from: Int64, through: Int64, prefix: String, scanLimit: Int) throws
        -> (events: [WatchEvent], scannedThrough: Int64)
    {
        let history = snapshot.history
        var low = 0
        var high = history.count
        while low < high {
            let mid = (low + high) / 2
            if history[mid].revision < from { low = mid + 1 } else { high = mid }
        }
        var events: [WatchEvent] = []
        var scanned = 0
        var index = low
        while index < history.count, history[index].revision <= through {
            let event = history[index]
            if scanned >= scanLimit, event.revision != history[index - 1].revision {
                return (events, history[index - 1].revision)
            }
            if event.kv.key.utf8.starts(with: prefix.utf8) { events.append(event) }
            scanned += 1
            index += 1
        }
        return (events, through)
    }
}

/// Collects one write transaction's changes over a snapshot; reads see the changes.
final class MemoryWriter: MemoryReader, StorageWriter, @unchecked Sendable {
    // Confined to the one write that created it; the coordinator runs one write at a time.
    private var overlay: [String: KeyValue?] = [:]
    private var appended: [WatchEvent] = []
    private var newRevision: Int64?
    private var newCompactedThrough: Int64?
    private var removeThrough: Int64?

    override func current(_ key: String) throws -> KeyValue? {
        if let entry = overlay[key] { return entry }
        return snapshot.current[key]
    }

    override func revision() throws -> Int64 { newRevision ?? snapshot.revision }
    override func compactedThrough() throws -> Int64 { newCompactedThrough ?? snapshot.compactedThrough }

    func setCurrent(_ kv: KeyValue) throws { overlay[kv.key] = .some(kv) }
    func removeCurrent(_ key: String) throws { overlay[key] = .some(nil) }
    func appendHistory(_ events: [WatchEvent]) throws { appended.append(contentsOf: events) }
    func setRevision(_ revision: Int64) throws { newRevision = revision }
    func setCompactedThrough(_ revision: Int64) throws { newCompactedThrough = revision }

    func removeHistory(through: Int64, limit: Int) throws -> Int {
        let removable = snapshot.history.prefix(limit).prefix { $0.revision <= through }.count
        if removable > 0 { removeThrough = snapshot.history[removable - 1].revision }
        return removable
    }

    func apply(to state: inout MemoryBackend.State) {
        for (key, value) in overlay { state.current[key] = value }
        state.history.append(contentsOf: appended)
        if let newRevision { state.revision = newRevision }
        if let newCompactedThrough { state.compactedThrough = newCompactedThrough }
        if let removeThrough { state.history.removeAll { $0.revision <= removeThrough } }
    }
}
