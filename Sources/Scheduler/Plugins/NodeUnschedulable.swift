/// Filter: rejects cordoned nodes (`spec.unschedulable`) unless the pod tolerates
/// `node.kubernetes.io/unschedulable:NoSchedule`.
public struct NodeUnschedulable: FilterPlugin, EnqueueExtensions {
    /// "NodeUnschedulable".
    public let name = PluginNames.nodeUnschedulable
    /// The taint key a pod tolerates to land on cordoned nodes.
    public static let taintKey = "node.kubernetes.io/unschedulable"
    /// The plugin.
    public init() {}
    /// UnschedulableAndUnresolvable "node(s) were unschedulable".
    public func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        guard node.node.unschedulable else { return .success }
        if pod.pod.tolerations.tolerate(Taint(key: NodeUnschedulable.taintKey, effect: .noSchedule)) { return .success }
        return Status(.unschedulableAndUnresolvable, "node(s) were unschedulable")
    }
    /// Node add and update.
    public var requeueEvents: Set<ClusterEventKind> { [ClusterEventKind(.node, .add), ClusterEventKind(.node, .update)] }
}
