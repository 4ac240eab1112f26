import Foundation

/// PreFilter, Filter and Score on topology spread constraints (default weight 2).
///
/// Filter (DoNotSchedule): for each constraint, the node must carry the topology key, and
/// matching pods in its domain + 1 (if the pod matches its own selector) - the global minimum
/// over eligible domains (0 when fewer than minDomains) must not exceed maxSkew. Eligible nodes
/// honour nodeAffinityPolicy (default Honor) and nodeTaintsPolicy (default Ignore).
/// Score (ScheduleAnyway, or the system defaults for pods with a workload selector and no
/// constraints): sum over constraints of count x log(domains + 2) + maxSkew - 1, normalised so
/// the least crowded node gets 100.
public struct PodTopologySpread: PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    /// "PodTopologySpread".
    public let name = PluginNames.podTopologySpread
    /// Constraints applied to pods with none of their own (upstream's `List` defaulting:
    /// hostname maxSkew 3 and zone maxSkew 5, ScheduleAnyway). Their selector is the pod's
    /// ``Pod/workloadSelector``.
    public let defaultConstraints: [TopologySpreadConstraint]
    /// Whether `defaultConstraints` are upstream's system defaults.
    public let systemDefaulted: Bool

    /// Upstream's system default constraints.
    public static let systemDefaultConstraints = [
        TopologySpreadConstraint(maxSkew: 3, topologyKey: WellKnownLabels.hostname, whenUnsatisfiable: .scheduleAnyway, labelSelector: nil),
        TopologySpreadConstraint(maxSkew: 5, topologyKey: WellKnownLabels.zone, whenUnsatisfiable: .scheduleAnyway, labelSelector: nil),
    ]

    /// The plugin; args `defaultingType: System|List` and `defaultConstraints` (List only).
    public init(args: PluginArgs? = nil) throws(SchedulerError) {
        let type = args?["defaultingType"]?.string ?? "System"
        switch type {
        case "System":
            if let c = args?["defaultConstraints"]?.list, !c.isEmpty {
                throw SchedulerError(.invalidPluginArgs, "PodTopologySpread: defaultConstraints must be empty when defaultingType is System")
            }
            defaultConstraints = PodTopologySpread.systemDefaultConstraints
            systemDefaulted = true
        case "List":
            var list: [TopologySpreadConstraint] = []
            for item in args?["defaultConstraints"]?.list ?? [] {
                guard let key = item["topologyKey"]?.string, let skew = item["maxSkew"]?.int, skew > 0 else {
                    throw SchedulerError(.invalidPluginArgs, "PodTopologySpread: each default constraint needs topologyKey and maxSkew > 0")
                }
                let when = item["whenUnsatisfiable"]?.string ?? "ScheduleAnyway"
                guard let w = TopologySpreadConstraint.WhenUnsatisfiable(rawValue: when) else {
                    throw SchedulerError(.invalidPluginArgs, "PodTopologySpread: whenUnsatisfiable \"\(when)\" is not DoNotSchedule or ScheduleAnyway")
                }
                if item["labelSelector"] != nil {
                    throw SchedulerError(.invalidPluginArgs, "PodTopologySpread: default constraints must not set labelSelector")
                }
                list.append(TopologySpreadConstraint(maxSkew: Int32(skew), topologyKey: key, whenUnsatisfiable: w, labelSelector: nil))
            }
            defaultConstraints = list
            systemDefaulted = false
        default:
            throw SchedulerError(.invalidPluginArgs, "PodTopologySpread: defaultingType \"\(type)\" is not System or List")
        }
    }

    /// The pod's constraints with `whenUnsatisfiable`, or the defaults (selector = workload).
    func constraints(of pod: Pod, _ when: TopologySpreadConstraint.WhenUnsatisfiable) -> [SpreadConstraint] {
        if !pod.topologySpreadConstraints.isEmpty {
            return pod.topologySpreadConstraints.filter { $0.whenUnsatisfiable == when }.map { SpreadConstraint($0, pod: pod) }
        }
        guard let selector = pod.workloadSelector else { return [] }
        return defaultConstraints.filter { $0.whenUnsatisfiable == when }.map {
            var c = $0
            c.labelSelector = selector
            return SpreadConstraint(c, pod: pod)
        }
    }

    // MARK: Filter

    struct FilterState: Sendable {
        var constraints: [SpreadConstraint]
        var perConstraint: [[String: Int]]
        var minMatch: [Int]
    }

    /// Counts matching pods per domain for DoNotSchedule constraints; skips pods without any.
    public func preFilter(_ pod: PodInfo, state: inout CycleState, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let cs = constraints(of: pod.pod, .doNotSchedule)
        if cs.isEmpty { return (nil, .skip) }
        var counts = [[String: Int]](repeating: [:], count: cs.count)
        for n in snapshot.nodes {
            guard cs.allSatisfy({ n.node.labels[$0.topologyKey] != nil }) else { continue }
            for (i, c) in cs.enumerated() where c.includes(n.node, pod: pod.pod) {
                let value = n.node.labels[c.topologyKey]!
                counts[i][value, default: 0] += c.countMatching(n.pods, namespace: pod.pod.namespace)
            }
        }
        let mins = cs.indices.map { i in
            if let minDomains = cs[i].minDomains, counts[i].count < Int(minDomains) { return 0 }
            return counts[i].values.min() ?? 0
        }
        state.write(name, FilterState(constraints: cs, perConstraint: counts, minMatch: mins))
        return (nil, .success)
    }

    /// Unschedulable "node(s) didn't match pod topology spread constraints", or
    /// UnschedulableAndUnresolvable "... (missing required label)".
    public func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        guard let s: FilterState = state.read(name) else { return .success }
        for (i, c) in s.constraints.enumerated() {
            guard let value = node.node.labels[c.topologyKey] else {
                return Status(.unschedulableAndUnresolvable, "node(s) didn't match pod topology spread constraints (missing required label)")
            }
            let selfMatch = c.hasSelector && c.selector.matches(pod.pod.labels) ? 1 : 0
            let matchNum = s.perConstraint[i][value] ?? 0
            if matchNum + selfMatch - s.minMatch[i] > Int(c.maxSkew) {
                return Status(.unschedulable, "node(s) didn't match pod topology spread constraints")
            }
        }
        return .success
    }

    // MARK: Score

    struct ScoreState: Sendable {
        var constraints: [SpreadConstraint]
        var ignoredNodes: Set<String>
        var pairCounts: [[String: Int]]
        var weights: [Double]
    }

    /// Counts matching pods per domain over all nodes for the domains of the feasible nodes.
    public func preScore(_ pod: PodInfo, state: inout CycleState, nodes: [NodeInfo], snapshot: Snapshot) -> Status {
        let cs = constraints(of: pod.pod, .scheduleAnyway)
        if cs.isEmpty { return .skip }
        let requireAll = !pod.pod.topologySpreadConstraints.isEmpty || !systemDefaulted
        var ignored: Set<String> = []
        var pairs = [[String: Int]](repeating: [:], count: cs.count)
        for n in nodes {
            if requireAll && !cs.allSatisfy({ n.node.labels[$0.topologyKey] != nil }) {
                ignored.insert(n.name)
                continue
            }
            for (i, c) in cs.enumerated() where c.topologyKey != WellKnownLabels.hostname {
                if let v = n.node.labels[c.topologyKey], pairs[i][v] == nil { pairs[i][v] = 0 }
            }
        }
        let weights = cs.enumerated().map { i, c in
            let size = c.topologyKey == WellKnownLabels.hostname ? nodes.count - ignored.count : pairs[i].count
            return log(Double(size + 2))
        }
        for n in snapshot.nodes {
            if requireAll && !cs.allSatisfy({ n.node.labels[$0.topologyKey] != nil }) { continue }
            for (i, c) in cs.enumerated() where c.topologyKey != WellKnownLabels.hostname && c.includes(n.node, pod: pod.pod) {
                guard let v = n.node.labels[c.topologyKey], pairs[i][v] != nil else { continue }
                pairs[i][v]! += c.countMatching(n.pods, namespace: pod.pod.namespace)
            }
        }
        state.write(name, ScoreState(constraints: cs, ignoredNodes: ignored, pairCounts: pairs, weights: weights))
        return .success
    }

    /// Sum over constraints of count x weight + maxSkew - 1, rounded.
    public func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status) {
        guard let s: ScoreState = state.read(name) else { return (0, .success) }
        if s.ignoredNodes.contains(node.name) { return (0, .success) }
        var score = 0.0
        for (i, c) in s.constraints.enumerated() {
            guard let v = node.node.labels[c.topologyKey] else { continue }
            let count = c.topologyKey == WellKnownLabels.hostname
                ? c.countMatching(node.pods, namespace: pod.pod.namespace) : (s.pairCounts[i][v] ?? 0)
            score += Double(count) * s.weights[i] + Double(c.maxSkew - 1)
        }
        return (Int64(score.rounded()), .success)
    }

    /// 100 x (max + min - score) / max; ignored nodes get 0; all-zero gives 100.
    public func normalizeScores(_ pod: PodInfo, scores: inout [NodeScore], state: CycleState) -> Status {
        guard let s: ScoreState = state.read(name) else { return .success }
        var minScore = Int64.max, maxScore: Int64 = 0
        for sc in scores where !s.ignoredNodes.contains(sc.name) {
            minScore = min(minScore, sc.score)
            maxScore = max(maxScore, sc.score)
        }
        for i in scores.indices {
            if s.ignoredNodes.contains(scores[i].name) { scores[i].score = 0; continue }
            if maxScore == 0 { scores[i].score = maxNodeScore; continue }
            scores[i].score = maxNodeScore * (maxScore + minScore - scores[i].score) / maxScore
        }
        return .success
    }

    /// Pod changes alter counts; node changes alter domains.
    public var requeueEvents: Set<ClusterEventKind> {
        [ClusterEventKind(.pod, .add), ClusterEventKind(.pod, .update), ClusterEventKind(.pod, .delete),
         ClusterEventKind(.node, .add), ClusterEventKind(.node, .update), ClusterEventKind(.node, .delete)]
    }
}

/// A constraint with its effective selector (matchLabelKeys merged in).
struct SpreadConstraint: Sendable {
    var maxSkew: Int32
    var topologyKey: String
    var selector: LabelSelector
    var hasSelector: Bool
    var minDomains: Int32?
    var nodeAffinityPolicy: TopologySpreadConstraint.InclusionPolicy
    var nodeTaintsPolicy: TopologySpreadConstraint.InclusionPolicy

    init(_ c: TopologySpreadConstraint, pod: Pod) {
        maxSkew = c.maxSkew
        topologyKey = c.topologyKey
        var selector = c.labelSelector ?? LabelSelector()
        for key in c.matchLabelKeys {
            if let v = pod.labels[key] { selector.matchExpressions.append(SelectorRequirement(key: key, operator: .in, values: [v])) }
        }
        self.selector = selector
        hasSelector = c.labelSelector != nil
        minDomains = c.minDomains
        nodeAffinityPolicy = c.nodeAffinityPolicy
        nodeTaintsPolicy = c.nodeTaintsPolicy
    }

    /// Whether `node` counts as a domain member under the inclusion policies.
    func includes(_ node: Node, pod: Pod) -> Bool {
        if nodeAffinityPolicy == .honor && !NodeAffinityPlugin.matches(pod, node) { return false }
        if nodeTaintsPolicy == .honor {
            for t in node.taints where t.effect != .preferNoSchedule && !pod.tolerations.tolerate(t) { return false }
        }
        return true
    }

    /// Pods in `namespace`, not terminating, matching the selector (a nil selector matches none).
    func countMatching(_ pods: [PodInfo], namespace: String) -> Int {
        guard hasSelector else { return 0 }
        var n = 0
        for p in pods where !p.pod.terminating && p.pod.namespace == namespace && selector.matches(p.pod.labels) { n += 1 }
        return n
    }
}
