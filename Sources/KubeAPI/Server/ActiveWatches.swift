import Synchronization

/// The watches being served, so that shutdown can end them: kube-apiserver ends open watches
/// when it shuts down, and clients see the stream close and reconnect elsewhere. Without this a
/// single `kubectl get -w` would keep the server (and the process) from ever finishing.
public final class ActiveWatches: Sendable {
    private struct State {
        var next = 0
        var finishers: [Int: @Sendable () -> Void] = [:]
        /// Each open watch's kind, for `apiserver_registered_watchers` (group, version, kind),
        /// and every kind ever watched (so a kind whose watches ended reads 0).
        var kinds: [Int: WatchedKind] = [:]
        var watchedKinds: Set<WatchedKind> = []
        var closed = false
    }

    private let state = Mutex(State())

    /// Creates an empty registry.
    public init() {}

    /// The kind a watch is of.
    public struct WatchedKind: Hashable, Sendable {
        public var group: String
        public var version: String
        public var kind: String
    }

    /// Registers an open watch of `kind` whose stream `finish` ends; nil once shutdown began (the
    /// caller refuses the watch).
    func register(_ kind: WatchedKind, _ finish: @escaping @Sendable () -> Void) -> Int? {
        state.withLock { state in
            guard !state.closed else { return nil }
            state.next += 1
            state.finishers[state.next] = finish
            state.kinds[state.next] = kind
            state.watchedKinds.insert(kind)
            return state.next
        }
    }

    /// Forgets a watch that ended.
    func unregister(_ id: Int) {
        state.withLock { state in
            state.finishers.removeValue(forKey: id)
            state.kinds.removeValue(forKey: id)
        }
    }

    /// The number of open watches.
    public var count: Int { state.withLock { $0.finishers.count } }

    /// The number of open watches per kind ever watched (0 for a kind no watch is open on).
    public var countsByKind: [WatchedKind: Int] {
        state.withLock { state in
            var counts = Dictionary(uniqueKeysWithValues: state.watchedKinds.map { ($0, 0) })
            for kind in state.kinds.values { counts[kind, default: 0] += 1 }
            return counts
        }
    }

    /// Whether ``closeAll()`` has run (the server is shutting down).
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Ends every open watch and refuses new ones.
    public func closeAll() {
        let finishers = state.withLock { state -> [@Sendable () -> Void] in
            state.closed = true
            defer {
                state.finishers = [:]
                state.kinds = [:]
            }
            return Array(state.finishers.values)
        }
        for finish in finishers { finish() }
    }
}
