import Synchronization

/// A bounded count of work in progress.
final class InFlightLimit: Sendable {
    private let value = Atomic<Int>(0)

    /// Takes a place if fewer than `limit` are taken.
    func enter(limit: Int) -> Bool {
        if value.wrappingAdd(1, ordering: .relaxed).newValue > limit {
            value.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives a place back.
    func leave() { value.wrappingSubtract(1, ordering: .relaxed) }
}
