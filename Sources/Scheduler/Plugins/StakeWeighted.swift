/// Score (ours, off by default): prefers nodes whose operator stake is higher.
///
/// The stake, in MIST, is read from the node label `daas.io/stake-mist`, or the annotation of
/// the same name when the label is absent. Nodes without a valid stake score 0. Scores are
/// normalised linearly: the highest-staked feasible node gets 100, a node with half its stake 50.
public struct StakeWeighted: PreScorePlugin, ScorePlugin {
    /// "StakeWeighted".
    public let name = PluginNames.stakeWeighted
    /// The label/annotation key.
    public static let stakeKey = "daas.io/stake-mist"
    /// Stakes below this count as 0 (default 0).
    public let minimumStakeMist: UInt64

    /// The plugin; args `minimumStakeMist` (non-negative integer).
    public init(args: PluginArgs? = nil) throws(SchedulerError) {
        let m = args?["minimumStakeMist"]?.int ?? 0
        guard m >= 0 else { throw SchedulerError(.invalidPluginArgs, "StakeWeighted: minimumStakeMist must not be negative") }
        minimumStakeMist = UInt64(m)
    }

    /// The node's stake in MIST, if it has a valid one.
    public static func stake(of node: Node) -> UInt64? {
        (node.labels[stakeKey] ?? node.annotations[stakeKey]).flatMap { UInt64($0) }
    }

    /// Nothing to precompute; present so profiles can list it at preScore.
    public func preScore(_ pod: PodInfo, state: inout CycleState, nodes: [NodeInfo], snapshot: Snapshot) -> Status { .success }

    /// The stake, capped to Int64.max.
    public func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status) {
        guard let s = StakeWeighted.stake(of: node.node), s >= minimumStakeMist else { return (0, .success) }
        return (Int64(clamping: s), .success)
    }

    /// 100 x stake / highest stake, computed without overflow.
    public func normalizeScores(_ pod: PodInfo, scores: inout [NodeScore], state: CycleState) -> Status {
        let top = scores.map(\.score).max() ?? 0
        guard top > 0 else { return .success }
        for i in scores.indices {
            let (q, r) = scores[i].score.multipliedFullWidth(by: maxNodeScore)
            scores[i].score = top.dividingFullWidth((q, r)).quotient
        }
        return .success
    }
}
