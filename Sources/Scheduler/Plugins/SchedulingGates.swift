/// PreEnqueue: keeps pods with `schedulingGates` out of the active queue until the gates are removed.
public struct SchedulingGates: PreEnqueuePlugin, EnqueueExtensions {
    /// "SchedulingGates".
    public let name = PluginNames.schedulingGates
    /// The plugin.
    public init() {}
    /// UnschedulableAndUnresolvable "waiting for scheduling gates: [a b]" while gated.
    public func preEnqueue(_ pod: Pod) -> Status {
        if pod.schedulingGates.isEmpty { return .success }
        return Status(.unschedulableAndUnresolvable, "waiting for scheduling gates: [\(pod.schedulingGates.joined(separator: " "))]")
    }
    /// Pod updates (gate removal).
    public var requeueEvents: Set<ClusterEventKind> { [ClusterEventKind(.pod, .update)] }
}
