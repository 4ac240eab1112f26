/// Filter: a pod naming a node in `spec.nodeName` fits only that node.
public struct NodeNamePlugin: FilterPlugin, EnqueueExtensions {
    /// "NodeName".
    public let name = PluginNames.nodeName
    /// The plugin.
    public init() {}
    /// UnschedulableAndUnresolvable "node(s) didn't match the requested node name".
    public func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        guard let wanted = pod.pod.nodeName, wanted != node.name else { return .success }
        return Status(.unschedulableAndUnresolvable, "node(s) didn't match the requested node name")
    }
    /// Node add and update.
    public var requeueEvents: Set<ClusterEventKind> { [ClusterEventKind(.node, .add), ClusterEventKind(.node, .update)] }
}
