/// PreFilter and Filter on host ports: a node fits if none of the pod's host ports conflict with
/// ports in use (same protocol and port, and the same host IP or either is 0.0.0.0).
public struct NodePorts: PreFilterPlugin, FilterPlugin, EnqueueExtensions {
    /// "NodePorts".
    public let name = PluginNames.nodePorts
    /// The plugin.
    public init() {}
    /// Skips pods without host ports.
    public func preFilter(_ pod: PodInfo, state: inout CycleState, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        (nil, pod.hostPorts.isEmpty ? .skip : .success)
    }
    /// Unschedulable "node(s) didn't have free ports for the requested pod ports".
    public func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        for wanted in pod.hostPorts where node.usedPorts.contains(where: { $0.conflicts(with: wanted) }) {
            return Status(.unschedulable, "node(s) didn't have free ports for the requested pod ports")
        }
        return .success
    }
    /// Pod deletion frees ports; new nodes have none in use.
    public var requeueEvents: Set<ClusterEventKind> { [ClusterEventKind(.pod, .delete), ClusterEventKind(.node, .add)] }
}
