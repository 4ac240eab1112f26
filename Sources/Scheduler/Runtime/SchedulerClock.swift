/// The clock the runtime reads and sleeps on; inject a manual one in tests.
public protocol SchedulerClock: Sendable {
    /// The time since an arbitrary fixed origin.
    func now() -> Duration
    /// Sleeps until `deadline` (on this clock's timeline).
    func sleep(until deadline: Duration) async throws
}

/// The system's monotonic clock, measured from when the value was created.
public struct SystemClock: SchedulerClock {
    private let origin = ContinuousClock.now
    /// A clock starting at zero now.
    public init() {}
    /// Time since creation.
    public func now() -> Duration { ContinuousClock.now - origin }
    /// Sleeps until `deadline`.
    public func sleep(until deadline: Duration) async throws {
        try await ContinuousClock().sleep(until: origin + deadline)
    }
}
