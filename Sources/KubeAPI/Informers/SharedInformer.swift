public import KubeTypes
public import Logging
import Synchronization

/// A local cache of one kind of object kept current by list-then-watch, as client-go's shared
/// informer: it lists, then watches from the list's resourceVersion; on a 410, a dropped watch or
/// any error it lists again (after a short backoff) and delivers the difference; it keeps
/// indexes; it calls its handlers with adds, updates (old and new) and deletes, and with every
/// object again each resync period. Handlers run on the informer's task, in order, and must not
/// block: they queue keys for workers.
public final class SharedInformer: Sendable {
    /// Maps an object to the index values it is filed under.
    public typealias IndexFunction = @Sendable (JSONValue) -> [String]
    /// Receives changes.
    public typealias Handler = @Sendable (InformerEvent) -> Void

    private struct State {
        var items: [String: JSONValue] = [:]
        var indices: [String: [String: Set<String>]] = [:]
        var handlers: [Handler] = []
        var resourceVersion = ""
        var synced = false
        var syncWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let source: any ListWatchSource
    private let indexFunctions: [String: IndexFunction]
    private let resyncPeriod: Duration?
    private let logger: Logger
    private let state = Mutex(State())

    /// The index of objects by namespace.
    public static let namespaceIndex = "namespace"
    /// The index of objects by the UIDs of their owners.
    public static let ownerIndex = "ownerUID"
    /// The index of pods by the node they are bound to (`spec.nodeName`; unbound pods are not filed).
    public static let nodeNameIndex = "spec.nodeName"

    /// Creates an informer over `source`, with the namespace, owner and node-name indexes plus `indexers`.
    public init(source: any ListWatchSource, indexers: [String: IndexFunction] = [:], resyncPeriod: Duration? = nil, logger: Logger) {
        var functions = indexers
        functions[Self.namespaceIndex] = { object in [object[path: ["metadata", "namespace"]]?.stringValue ?? ""] }
        functions[Self.ownerIndex] = { object in
            (object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).compactMap { $0["uid"]?.stringValue }
        }
        functions[Self.nodeNameIndex] = { object in
            guard let node = object[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty else { return [] }
            return [node]
        }
        self.source = source
        self.indexFunctions = functions
        self.resyncPeriod = resyncPeriod
        self.logger = logger
    }

    /// The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects.
    public static func key(of object: JSONValue) -> String {
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        guard let namespace = object[path: ["metadata", "namespace"]]?.stringValue, !namespace.isEmpty else { return name }
        return namespace + "/" + name
    }

    /// Adds a handler; handlers added after the informer started get every cached object as an add.
    public func addHandler(_ handler: @escaping Handler) {
        let existing = state.withLock { state -> [JSONValue] in
            state.handlers.append(handler)
            return state.synced ? Array(state.items.values) : []
        }
        for object in existing { handler(.added(object)) }
    }

    /// Whether the first list has been delivered.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// Waits until the first list has been delivered, or the task is cancelled.
    public func waitForSync() async {
        let id = state.withLock { state in
            defer { state.nextWaiter &+= 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.synced || Task.isCancelled { return true }
                    state.syncWaiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.syncWaiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// The object with cache key `key`.
    public func get(_ key: String) -> JSONValue? { state.withLock { $0.items[key] } }

    /// Every cached object.
    public func list() -> [JSONValue] { state.withLock { Array($0.items.values) } }

    /// The objects `index` files under `value`.
    public func byIndex(_ index: String, _ value: String) -> [JSONValue] {
        state.withLock { state in (state.indices[index]?[value] ?? []).compactMap { state.items[$0] } }
    }

    /// The objects in `namespace` whose labels `selector` matches.
    public func list(namespace: String?, selector: LabelSelector) -> [JSONValue] {
        let candidates = namespace.map { byIndex(Self.namespaceIndex, $0) } ?? list()
        return candidates.filter { selector.matches($0[path: ["metadata", "labels"]]?.stringMap ?? [:]) }
    }

    /// The resourceVersion of the last event applied.
    public var resourceVersion: String { state.withLock { $0.resourceVersion } }

    /// Lists and watches until cancelled.
    public func run() async {
        let resync = Task { [resyncPeriod] in
            guard let resyncPeriod else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: resyncPeriod)
                if Task.isCancelled { return }
                let (objects, handlers) = state.withLock { (Array($0.items.values), $0.handlers) }
                for object in objects { for handler in handlers { handler(.updated(old: object, new: object)) } }
            }
        }
        defer { resync.cancel() }
        var backoff: Duration = .milliseconds(100)
        while !Task.isCancelled {
            do {
                let (objects, resourceVersion) = try await source.list()
                replace(objects, resourceVersion: resourceVersion)
                backoff = .milliseconds(100)
                for try await event in try await source.watch(after: resourceVersion) {
                    apply(event)
                }
                if Task.isCancelled { return }
            } catch {
                if Task.isCancelled { return }
                logger.debug("informer relisting", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }

    /// Replaces the cache with a fresh list, delivering the differences.
    private func replace(_ objects: [JSONValue], resourceVersion: String) {
        var events: [InformerEvent] = []
        let (handlers, waiters) = state.withLock { state -> ([Handler], [CheckedContinuation<Void, Never>]) in
            var fresh: [String: JSONValue] = [:]
            for object in objects { fresh[Self.key(of: object)] = object }
            for (key, old) in state.items where fresh[key] == nil {
                events.append(.deleted(old))
                unindex(key, old, &state)
            }
            for (key, object) in fresh {
                if let old = state.items[key] {
                    if old[path: ["metadata", "resourceVersion"]] != object[path: ["metadata", "resourceVersion"]] {
                        events.append(.updated(old: old, new: object))
                    }
                    unindex(key, old, &state)
                } else {
                    events.append(.added(object))
                }
                state.items[key] = object
                index(key, object, &state)
            }
            state.resourceVersion = resourceVersion
            state.synced = true
            defer { state.syncWaiters = [:] }
            return (state.handlers, Array(state.syncWaiters.values))
        }
        deliver(events, to: handlers)
        for waiter in waiters { waiter.resume() }
    }

    /// Applies one watch event.
    private func apply(_ event: WatchFrame) {
        let type = event.type
        let object = event.object
        if let version = object[path: ["metadata", "resourceVersion"]]?.stringValue {
            state.withLock { $0.resourceVersion = version }
        }
        if type == "BOOKMARK" || type == "ERROR" { return }
        let key = Self.key(of: object)
        let (delivered, handlers): (InformerEvent?, [Handler]) = state.withLock { state in
            let old = state.items[key]
            if let old { unindex(key, old, &state) }
            if type == "DELETED" {
                state.items[key] = nil
                return (.deleted(object), state.handlers)
            }
            state.items[key] = object
            index(key, object, &state)
            return (old.map { .updated(old: $0, new: object) } ?? .added(object), state.handlers)
        }
        if let delivered { deliver([delivered], to: handlers) }
    }

    private func deliver(_ events: [InformerEvent], to handlers: [Handler]) {
        for event in events { for handler in handlers { handler(event) } }
    }

    private func index(_ key: String, _ object: JSONValue, _ state: inout State) {
        for (name, function) in indexFunctions {
            for value in function(object) { state.indices[name, default: [:]][value, default: []].insert(key) }
        }
    }

    private func unindex(_ key: String, _ object: JSONValue, _ state: inout State) {
        for (name, function) in indexFunctions {
            for value in function(object) {
                state.indices[name]?[value]?.remove(key)
                if state.indices[name]?[value]?.isEmpty == true { state.indices[name]?[value] = nil }
            }
        }
    }
}
