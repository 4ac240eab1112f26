/// PreFilter, Filter and Score on `nodeSelector` and node affinity (default weight 2).
///
/// Filter requires the node to match `nodeSelector` and one of the required terms
/// (matchExpressions and matchFields). Score sums the weights of matching preferred terms,
/// normalised so the best node gets 100. Args: `addedAffinity` is not supported.
public struct NodeAffinityPlugin: PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    /// "NodeAffinity".
    public let name = PluginNames.nodeAffinity
    /// The reason upstream gives.
    public static let reason = "node(s) didn't match Pod's node affinity/selector"

    /// The plugin. Rejects `addedAffinity`, which is not implemented.
    public init(args: PluginArgs? = nil) throws(SchedulerError) {
        if args?["addedAffinity"] != nil {
            throw SchedulerError(.invalidPluginArgs, "NodeAffinity: addedAffinity is not supported by this scheduler")
        }
    }

    /// Skips pods with no selector and no required affinity; narrows the nodes when every
    /// required term pins `metadata.name` with In.
    public func preFilter(_ pod: PodInfo, state: inout CycleState, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let required = pod.pod.affinity?.nodeAffinity?.required
        if pod.pod.nodeSelector.isEmpty && required == nil { return (nil, .skip) }
        if let terms = required?.terms, !terms.isEmpty {
            var names: Set<String> = []
            for term in terms {
                guard let field = term.matchFields.first(where: { $0.key == "metadata.name" && $0.operator == .in }) else {
                    return (nil, .success)
                }
                names.formUnion(field.values)
            }
            return (PreFilterResult(nodeNames: names), .success)
        }
        return (nil, .success)
    }

    /// UnschedulableAndUnresolvable "node(s) didn't match Pod's node affinity/selector".
    public func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        NodeAffinityPlugin.matches(pod.pod, node.node) ? .success : Status(.unschedulableAndUnresolvable, NodeAffinityPlugin.reason)
    }

    /// Whether `node` satisfies the pod's nodeSelector and required node affinity.
    public static func matches(_ pod: Pod, _ node: Node) -> Bool {
        for (k, v) in pod.nodeSelector where node.labels[k] != v { return false }
        if let required = pod.affinity?.nodeAffinity?.required, !required.matches(node) { return false }
        return true
    }

    /// Skips pods without preferred terms.
    public func preScore(_ pod: PodInfo, state: inout CycleState, nodes: [NodeInfo], snapshot: Snapshot) -> Status {
        (pod.pod.affinity?.nodeAffinity?.preferred.isEmpty ?? true) ? .skip : .success
    }

    /// The sum of the weights of preferred terms the node matches.
    public func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status) {
        var total: Int64 = 0
        for term in pod.pod.affinity?.nodeAffinity?.preferred ?? [] where term.weight != 0 && term.preference.matches(node.node) {
            total += Int64(term.weight)
        }
        return (total, .success)
    }

    /// Default normalisation: the best node gets 100.
    public func normalizeScores(_ pod: PodInfo, scores: inout [NodeScore], state: CycleState) -> Status {
        defaultNormalizeScore(&scores, reverse: false)
        return .success
    }

    /// Node add and update.
    public var requeueEvents: Set<ClusterEventKind> { [ClusterEventKind(.node, .add), ClusterEventKind(.node, .update)] }
}
