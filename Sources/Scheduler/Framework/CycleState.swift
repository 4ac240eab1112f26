/// Data plugins share within one scheduling cycle (upstream's `CycleState`).
///
/// A value: PreFilter and PreScore receive it `inout` and write their precomputed data; Filter and
/// Score (which may run in parallel) receive a read-only copy, so no locking is needed.
public struct CycleState: Sendable {
    private var storage: [String: any Sendable] = [:]
    /// Whether this cycle is a preemption dry run (plugins may skip expensive work).
    public var isPreemptionDryRun = false
    /// PreFilter plugins that returned Skip: their Filter is not run.
    public internal(set) var skippedFilterPlugins: Set<String> = []
    /// PreScore plugins that returned Skip: their Score is not run.
    public internal(set) var skippedScorePlugins: Set<String> = []

    /// An empty state.
    public init() {}

    /// Reads the value stored under `key` as `T`.
    public func read<T: Sendable>(_ key: String, as type: T.Type = T.self) -> T? { storage[key] as? T }

    /// Stores `value` under `key` (use your plugin's name, as upstream does).
    public mutating func write(_ key: String, _ value: some Sendable) { storage[key] = value }

    /// Removes the value stored under `key`.
    public mutating func delete(_ key: String) { storage[key] = nil }
}
