/// Filter and Score on taints (default weight 3).
///
/// Filter rejects nodes with a NoSchedule or NoExecute taint the pod does not tolerate. Score
/// counts PreferNoSchedule taints not tolerated, normalised in reverse (fewer is better).
public struct TaintTolerationPlugin: FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    /// "TaintToleration".
    public let name = PluginNames.taintToleration
    /// The plugin.
    public init() {}

    /// UnschedulableAndUnresolvable "node(s) had untolerated taint {key: value}".
    public func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        for taint in node.node.taints where taint.effect != .preferNoSchedule {
            if !pod.pod.tolerations.tolerate(taint) {
                return Status(.unschedulableAndUnresolvable, "node(s) had untolerated taint {\(taint.key): \(taint.value)}")
            }
        }
        return .success
    }

    /// Keeps the tolerations that can tolerate PreferNoSchedule taints.
    public func preScore(_ pod: PodInfo, state: inout CycleState, nodes: [NodeInfo], snapshot: Snapshot) -> Status {
        state.write(name, pod.pod.tolerations.filter { $0.effect == nil || $0.effect == .preferNoSchedule })
        return .success
    }

    /// The number of intolerable PreferNoSchedule taints.
    public func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status) {
        let tolerations: [Toleration] = state.read(name) ?? pod.pod.tolerations
        var count: Int64 = 0
        for taint in node.node.taints where taint.effect == .preferNoSchedule && !tolerations.tolerate(taint) { count += 1 }
        return (count, .success)
    }

    /// Reverse default normalisation: 100 for no intolerable taints.
    public func normalizeScores(_ pod: PodInfo, scores: inout [NodeScore], state: CycleState) -> Status {
        defaultNormalizeScore(&scores, reverse: true)
        return .success
    }

    /// Node add and update.
    public var requeueEvents: Set<ClusterEventKind> { [ClusterEventKind(.node, .add), ClusterEventKind(.node, .update)] }
}
