import Synchronization

/// The watches being served, so that shutdown can end them: kube-apiserver ends open watches
/// when it shuts down, and clients see the stream close and reconnect elsewhere. Without this a
/// single `kubectl get -w` would keep the server (and the process) from ever finishing.
public final class ActiveWatches: Sendable {
    private struct State {
        var next = 0
        var finishers: [Int: @Sendable () -> Void] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Creates an empty registry.
    public init() {}

    /// Registers an open watch whose stream `finish` ends; nil once shutdown began (the caller
    /// refuses the watch).
    func register(_ finish: @escaping @Sendable () -> Void) -> Int? {
        state.withLock { state in
            guard !state.closed else { return nil }
            state.next += 1
            state.finishers[state.next] = finish
            return state.next
        }
    }

    /// Forgets a watch that ended.
    func unregister(_ id: Int) {
        _ = state.withLock { $0.finishers.removeValue(forKey: id) }
    }

    /// The number of open watches.
    public var count: Int { state.withLock { $0.finishers.count } }

    /// Whether ``closeAll()`` has run (the server is shutting down).
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Ends every open watch and refuses new ones.
    public func closeAll() {
        let finishers = state.withLock { state -> [@Sendable () -> Void] in
            state.closed = true
            defer { state.finishers = [:] }
            return Array(state.finishers.values)
        }
        for finish in finishers { finish() }
    }
}
