import Synchronization

/// A thread-safe counter for JSON-RPC request ids.
final class RequestIDs: Sendable {
    private let counter = Atomic<Int>(0)

    /// The next id, starting at 1.
    func next() -> Int { counter.add(1, ordering: .relaxed).newValue }
}
