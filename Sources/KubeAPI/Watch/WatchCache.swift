import EncStore
import Synchronization

/// The server-side watch cache of one kind, as kube-apiserver's cacher: one store watch, one
/// decode per event, and one JSON encoding per event shared by every watcher that sees it
/// unchanged. It keeps the current objects (lists at resourceVersion "0" and the initial
/// events of watches from "" / "0" are served from them) and a window of recent events (watches
/// resuming from a resourceVersion inside it are served from memory; older ones fall back to
/// the store's history). Watchers are indexed by their `spec.nodeName=` field selector, as
/// upstream's pod trigger function, so N node watchers cost one lookup per event, not N.
///
/// Fan-out runs on the cache's own task, never in the write path. A watcher that cannot keep
/// up (its buffer full) is ended; its client watches again or lists again.
final class WatchCache: Sendable {
    typealias Configuration = WatchCacheConfiguration
    typealias Stream = AsyncThrowingStream<WatchFrame, any Error>

    /// The field path watchers and objects are indexed by.
    static let indexPath = ["spec", "nodeName"]

    /// One change, decoded once; its frames are shared by the watchers that see it unchanged.
    private struct Change {
        let revision: Int64
        let old: JSONValue?
        let new: JSONValue?
        let frames: FrameSet
    }

    /// The frames of one change by type, built by the first watcher that needs each.
    private final class FrameSet: Sendable {
        let frames = Mutex<[String: WatchFrame]>([:])
        func frame(_ type: String, _ object: JSONValue) -> WatchFrame {
            frames.withLock { frames in
                if let frame = frames[type] { return frame }
                let frame = WatchFrame(type: type, object: object)
                frames[type] = frame
                return frame
            }
        }
    }

    private struct Watcher {
        let namespace: String?
        let options: ObjectStore.ListOptions
        /// Events at or below this revision were covered by the initial state or the client's list.
        let after: Int64
        let indexValue: String?
        let continuation: Stream.Continuation
    }

    private enum Phase {
        case idle
        case loading
        case ready
        case closed
    }

    private struct State {
        var phase = Phase.idle
        var readyWaiters: [CheckedContinuation<Bool, Never>] = []
        var objects: [String: JSONValue] = [:]
        /// Object keys by their index value.
        var objectIndex: [String: Set<String>] = [:]
        var revision: Int64 = 0
        /// Every event after this revision is in `history` (or yet to come).
        var windowStart: Int64 = 0
        var history: [Change] = []
        var historyHead = 0
        var watchers: [Int: Watcher] = [:]
        var watcherIndex: [String: Set<Int>] = [:]
        var unindexed: Set<Int> = []
        var nextID = 0
    }

    let type: ResourceType
    private let objects: ObjectStore
    private let configuration: Configuration
    private let state = Mutex(State())

    init(type: ResourceType, objects: ObjectStore, configuration: Configuration) {
        self.type = type
        self.objects = objects
        self.configuration = configuration
    }

    // MARK: Loading

    /// Starts the cache on first use and waits until it holds the current objects; false when
    /// the store is closed.
    private func ready() async -> Bool {
        await withCheckedContinuation { continuation in
            let (answer, start): (Bool?, Bool) = state.withLock { state in
                switch state.phase {
                case .ready: return (true, false)
                case .closed: return (false, false)
                case .loading:
                    state.readyWaiters.append(continuation)
                    return (nil, false)
                case .idle:
                    state.phase = .loading
                    state.readyWaiters.append(continuation)
                    return (nil, true)
                }
            }
            if let answer { continuation.resume(returning: answer) }
            if start { Task { await self.run() } }
        }
    }

    /// Lists, then follows the store's watch; on a store watch failure ends every watcher and
    /// starts again from a fresh list. Ends when the store closes.
    private func run() async {
        var delay: Duration = .milliseconds(50)
        while true {
            do {
                let list = try await objects.list(type, namespace: nil, options: ObjectStore.ListOptions())
                let revision = Int64(list[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0") ?? 0
                let events = try await objects.store.watch(prefix: type.storagePrefix(namespace: nil), fromRevision: revision + 1)
                let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
                    state.objects = [:]
                    state.objectIndex = [:]
                    for item in list["items"]?.arrayValue ?? [] {
                        let key = Self.key(item, type)
                        state.objects[key] = item
                        if let value = Self.indexValue(item) { state.objectIndex[value, default: []].insert(key) }
                    }
                    state.revision = revision
                    state.windowStart = revision
                    state.history = []
                    state.historyHead = 0
                    state.phase = .ready
                    defer { state.readyWaiters = [] }
                    return state.readyWaiters
                }
                for waiter in waiters { waiter.resume(returning: true) }
                delay = .milliseconds(50)
                for try await event in events { apply(event) }
                // The store ended the stream: it is closing.
                close()
                return
            } catch let error as StoreError where error.code == .closed {
                close()
                return
            } catch {
                // Too slow or compacted: every watcher ends (its client resumes or relists).
                reset()
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    private func reset() {
        let ended = state.withLock { state -> [Watcher] in
            if state.phase == .ready { state.phase = .loading }
            defer {
                state.watchers = [:]
                state.watcherIndex = [:]
                state.unindexed = []
            }
            return Array(state.watchers.values)
        }
        for watcher in ended { watcher.continuation.finish() }
    }

    private func close() {
        let (ended, waiters) = state.withLock { state -> ([Watcher], [CheckedContinuation<Bool, Never>]) in
            state.phase = .closed
            defer {
                state.watchers = [:]
                state.watcherIndex = [:]
                state.unindexed = []
                state.readyWaiters = []
            }
            return (Array(state.watchers.values), state.readyWaiters)
        }
        for watcher in ended { watcher.continuation.finish() }
        for waiter in waiters { waiter.resume(returning: false) }
    }

    // MARK: Events

    static func key(_ object: JSONValue, _ type: ResourceType) -> String {
        type.storageKey(namespace: object[path: ["metadata", "namespace"]]?.stringValue, name: object[path: ["metadata", "name"]]?.stringValue ?? "")
    }

    static func indexValue(_ object: JSONValue) -> String? {
        object[path: indexPath]?.stringValue
    }

    /// Decodes one store event, updates the objects and the window, and hands it to watchers.
    private func apply(_ event: WatchEvent) {
        let new: JSONValue?
        switch event.kind {
        case .put:
            guard let decoded = try? objects.decode(event.kv) else { return }
            new = decoded
        case .delete:
            new = nil
        }
        let key = event.kv.key
        let dropped = state.withLock { state -> [Stream.Continuation] in
            var old = state.objects[key]
            if new == nil {
                // A delete carries the last state, at the deletion's revision.
                old?[path: "metadata.resourceVersion"] = .string(String(event.revision))
            }
            let previousIndex = state.objects[key].flatMap(Self.indexValue)
            state.objects[key] = new
            let newIndex = new.flatMap(Self.indexValue)
            if previousIndex != newIndex || new == nil {
                if let previousIndex { state.objectIndex[previousIndex]?.remove(key) }
            }
            if let newIndex { state.objectIndex[newIndex, default: []].insert(key) }
            state.revision = event.revision
            let change = Change(revision: event.revision, old: old, new: new, frames: FrameSet())
            state.history.append(change)
            if state.history.count - state.historyHead > configuration.capacity {
                state.windowStart = state.history[state.historyHead].revision
                state.historyHead += 1
                if state.historyHead > 1024, state.historyHead * 2 > state.history.count {
                    state.history.removeFirst(state.historyHead)
                    state.historyHead = 0
                }
            }
            var targets = state.unindexed
            if let value = previousIndex ?? old.flatMap(Self.indexValue), let ids = state.watcherIndex[value] { targets.formUnion(ids) }
            if let newIndex, let ids = state.watcherIndex[newIndex] { targets.formUnion(ids) }
            var dropped: [Stream.Continuation] = []
            for id in targets {
                guard let watcher = state.watchers[id] else { continue }
                if !deliver(change, to: watcher), let continuation = drop(id, &state) { dropped.append(continuation) }
            }
            return dropped
        }
        // Outside the lock: finishing runs the stream's termination handler, which takes it.
        // As kube-apiserver's cacher, an unresponsive watcher is closed; its client watches again.
        for continuation in dropped { continuation.finish() }
    }

    /// The frame `watcher` sees for `change`, if any, as kube-apiserver filters: leaving the
    /// selection is DELETED, entering it ADDED.
    private func frame(_ change: Change, for watcher: Watcher) -> WatchFrame? {
        guard change.revision > watcher.after else { return nil }
        func visible(_ object: JSONValue?) -> Bool {
            guard let object else { return false }
            if let namespace = watcher.namespace, object[path: ["metadata", "namespace"]]?.stringValue != namespace { return false }
            return objects.matches(object, watcher.options)
        }
        let oldMatches = visible(change.old)
        guard let new = change.new else {
            return oldMatches ? change.frames.frame("DELETED", change.old!) : nil
        }
        switch (oldMatches, visible(new)) {
        case (false, true): return change.frames.frame("ADDED", new)
        case (true, true): return change.frames.frame("MODIFIED", new)
        case (true, false): return change.frames.frame("DELETED", new)
        case (false, false): return nil
        }
    }

    /// Yields `change` to `watcher`; false when the watcher is gone or too slow.
    private func deliver(_ change: Change, to watcher: Watcher) -> Bool {
        guard let frame = frame(change, for: watcher) else { return true }
        switch watcher.continuation.yield(frame) {
        case .enqueued: return true
        default: return false
        }
    }

    /// Unregisters watcher `id`, returning its continuation for the caller to finish.
    private func drop(_ id: Int, _ state: inout State) -> Stream.Continuation? {
        guard let watcher = state.watchers.removeValue(forKey: id) else { return nil }
        if let value = watcher.indexValue {
            state.watcherIndex[value]?.remove(id)
            if state.watcherIndex[value]?.isEmpty == true { state.watcherIndex[value] = nil }
        } else {
            state.unindexed.remove(id)
        }
        return watcher.continuation
    }

    private func remove(_ id: Int) {
        _ = state.withLock { drop(id, &$0) }
    }

    // MARK: Serving

    /// A watch served from memory, or nil when `options.resourceVersion` is older than the
    /// window (the caller serves it from the store's history) or the store is closed.
    func watch(namespace: String?, options: ObjectStore.WatchOptions) async throws -> Stream? {
        let requested = options.resourceVersion ?? ""
        var resumeAt: Int64?
        if requested != "" && requested != "0" {
            guard let revision = Int64(requested), revision >= 0, revision < Int64.max else {
                throw APIError.badRequest("invalid resource version \(APIError.quoted(String(requested.prefix(100))))")
            }
            resumeAt = revision
        }
        let sendInitial = options.sendInitialEvents ?? (resumeAt == nil)
        guard await ready() else { return nil }
        let indexValue = options.list.fieldSelector.requirements.first { $0.path == Self.indexPath && $0.equal }?.value

        let (stream, continuation, id): (Stream?, Stream.Continuation?, Int) = state.withLock { state in
            guard state.phase == .ready else { return (nil, nil, 0) }
            if let resumeAt, resumeAt < state.windowStart, !sendInitial { return (nil, nil, 0) }
            // A watch-list not older than a revision the cache has not seen yet: the store serves it.
            if let resumeAt, sendInitial, resumeAt > state.revision { return (nil, nil, 0) }
            var initial: [WatchFrame] = []
            let after: Int64
            if sendInitial {
                let keys: [String] = indexValue.map { Array(state.objectIndex[$0] ?? []) } ?? Array(state.objects.keys)
                for key in keys.sorted() {
                    guard let object = state.objects[key] else { continue }
                    if let namespace, object[path: ["metadata", "namespace"]]?.stringValue != namespace { continue }
                    guard objects.matches(object, options.list) else { continue }
                    initial.append(WatchFrame(type: "ADDED", object: object))
                }
                after = max(state.revision, resumeAt ?? 0)
                if options.sendInitialEvents == true {
                    initial.append(.bookmark(kind: type.kind, apiVersion: type.apiVersion, resourceVersion: after, initialEventsEnd: true))
                }
            } else {
                after = resumeAt ?? state.revision
            }
            let (stream, continuation) = Stream.makeStream(bufferingPolicy: .bufferingOldest(initial.count + configuration.watcherBuffer))
            for frame in initial { continuation.yield(frame) }
            let watcher = Watcher(namespace: namespace, options: options.list, after: after, indexValue: indexValue, continuation: continuation)
            // Replay the window after a resumed resourceVersion.
            if !sendInitial {
                for change in state.history[state.historyHead...] where change.revision > after {
                    if !deliver(change, to: watcher) { return (nil, nil, 0) }
                }
            }
            let id = state.nextID
            state.nextID += 1
            state.watchers[id] = watcher
            if let indexValue { state.watcherIndex[indexValue, default: []].insert(id) } else { state.unindexed.insert(id) }
            return (stream, continuation, id)
        }
        guard let stream, let continuation else { return nil }

        let timers = WatchTimers(
            timeout: options.timeout, bookmarkInterval: options.bookmarkInterval, finish: { continuation.finish() },
            bookmark: { [type] in
                // Under the lock: every event up to the bookmark's revision is already queued.
                self.state.withLock { state -> Bool in
                    guard let watcher = state.watchers[id] else { return false }
                    _ = watcher.continuation.yield(.bookmark(kind: type.kind, apiVersion: type.apiVersion, resourceVersion: max(state.revision, watcher.after)))
                    return true
                }
            })
        continuation.onTermination = { [weak self] _ in
            timers.cancel()
            self?.remove(id)
        }
        return stream
    }

    /// The current objects of `namespace` that match `options`, as a list at the cache's
    /// revision (resourceVersion "0": any recent state), or nil when the store is closed.
    func list(namespace: String?, options: ObjectStore.ListOptions) async -> JSONValue? {
        guard await ready() else { return nil }
        return state.withLock { state -> JSONValue? in
            guard state.phase == .ready else { return nil }
            var items: [JSONValue] = []
            for key in state.objects.keys.sorted() {
                guard let object = state.objects[key] else { continue }
                if let namespace, object[path: ["metadata", "namespace"]]?.stringValue != namespace { continue }
                if objects.matches(object, options) { items.append(object) }
            }
            return [
                "apiVersion": .string(type.apiVersion), "kind": .string(type.kind + "List"),
                "metadata": ["resourceVersion": .string(String(state.revision))], "items": .array(items),
            ]
        }
    }

    /// The current object stored under `key` (resourceVersion "0" semantics), or nil when the
    /// cache holds none or the store is closed.
    func object(at key: String) async -> JSONValue? {
        guard await ready() else { return nil }
        return state.withLock { $0.phase == .ready ? $0.objects[key] : nil }
    }

    /// The number of watchers served from this cache.
    var watcherCount: Int { state.withLock { $0.watchers.count } }
}

/// Tuning of the watch cache (see ``ObjectStore/init(store:registry:watchCache:)``).
public struct WatchCacheConfiguration: Sendable {
    /// Recent events kept per kind for watches that resume. Default 4096.
    public var capacity: Int
    /// Events a watcher may have pending before it is closed as too slow. Default 10,000.
    public var watcherBuffer: Int

    /// A configuration with the documented defaults.
    public init(capacity: Int = 4096, watcherBuffer: Int = 10_000) {
        self.capacity = max(1, capacity)
        self.watcherBuffer = max(1, watcherBuffer)
    }
}

/// The watch caches of an ``ObjectStore``, one per kind, created on first use.
final class WatchCaches: Sendable {
    let configuration: WatchCache.Configuration?
    private let caches = Mutex<[String: WatchCache]>([:])

    /// Caches with `configuration`; nil turns caching off (every watch reads the store).
    init(configuration: WatchCache.Configuration?) { self.configuration = configuration }

    func cache(for type: ResourceType, objects: ObjectStore) -> WatchCache? {
        guard let configuration, !type.isVirtual else { return nil }
        let key = type.storagePrefix(namespace: nil)
        return caches.withLock { caches in
            if let cache = caches[key] { return cache }
            let cache = WatchCache(type: type, objects: objects, configuration: configuration)
            caches[key] = cache
            return cache
        }
    }

    /// Watchers currently served from memory, over every kind.
    var watcherCount: Int { caches.withLock { Array($0.values) }.reduce(0) { $0 + $1.watcherCount } }
}
