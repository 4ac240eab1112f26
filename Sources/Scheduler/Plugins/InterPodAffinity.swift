/// PreFilter, Filter and Score on pod affinity and anti-affinity (default weight 2).
///
/// Filter, in upstream's order: existing pods' required anti-affinity against the incoming pod
/// ("node(s) didn't satisfy existing pods anti-affinity rules"); the pod's required affinity
/// ("node(s) didn't match pod affinity rules", unresolvable; a pod matching its own terms may
/// go first); its required anti-affinity ("node(s) didn't match pod anti-affinity rules").
/// Score: per topology domain, + weight for each preferred affinity term matching an existing
/// pod (both directions), - weight for anti-affinity, + hardPodAffinityWeight for existing pods'
/// required affinity terms matching the pod; min-max normalised to 0...100.
public struct InterPodAffinity: PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    /// "InterPodAffinity".
    public let name = PluginNames.interPodAffinity
    /// Weight of existing pods' required affinity terms in scoring (default 1, 0...100).
    public let hardPodAffinityWeight: Int64
    /// Whether existing pods' preferred terms are ignored in scoring (default false).
    public let ignorePreferredTermsOfExistingPods: Bool

    /// The plugin; args `hardPodAffinityWeight` (0...100) and `ignorePreferredTermsOfExistingPods`.
    public init(args: PluginArgs? = nil) throws(SchedulerError) {
        let w = args?["hardPodAffinityWeight"]?.int ?? 1
        guard (0...100).contains(w) else {
            throw SchedulerError(.invalidPluginArgs, "InterPodAffinity: hardPodAffinityWeight \(w) is not in 0...100")
        }
        hardPodAffinityWeight = w
        ignorePreferredTermsOfExistingPods = args?["ignorePreferredTermsOfExistingPods"]?.bool ?? false
    }

    struct Pair: Hashable, Sendable {
        var key: String
        var value: String
    }

    struct FilterState: Sendable {
        var existingAntiAffinity: [Pair: Int]
        var affinity: [Pair: Int]
        var antiAffinity: [Pair: Int]
        var requiredAffinity: [PodAffinityTerm]
        var requiredAntiAffinity: [PodAffinityTerm]
        var matchesOwnAffinity: Bool
    }

    /// Whether `term` (owned by a pod in `ownerNamespace`) selects `pod`.
    static func term(_ term: PodAffinityTerm, ownerNamespace: String, selects pod: Pod, namespaceLabels: [String: [String: String]]) -> Bool {
        guard let selector = term.labelSelector else { return false }
        if term.namespaces.isEmpty && term.namespaceSelector == nil {
            if pod.namespace != ownerNamespace { return false }
        } else if !term.namespaces.contains(pod.namespace) {
            guard let nsSelector = term.namespaceSelector, nsSelector.matches(namespaceLabels[pod.namespace] ?? [:]) else { return false }
        }
        return selector.matches(pod.labels)
    }

    /// Counts, per topology domain, the pods relevant to each kind of required term.
    public func preFilter(_ pod: PodInfo, state: inout CycleState, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        let p = pod.pod
        let required = p.affinity?.podAffinity?.required ?? []
        let requiredAnti = p.affinity?.podAntiAffinity?.required ?? []
        if required.isEmpty && requiredAnti.isEmpty && snapshot.podsWithRequiredAntiAffinity == 0 { return (nil, .skip) }
        let ns = snapshot.namespaceLabels
        var s = FilterState(existingAntiAffinity: [:], affinity: [:], antiAffinity: [:], requiredAffinity: required,
                            requiredAntiAffinity: requiredAnti, matchesOwnAffinity: false)
        s.matchesOwnAffinity = !required.isEmpty && required.allSatisfy { InterPodAffinity.term($0, ownerNamespace: p.namespace, selects: p, namespaceLabels: ns) }
        for n in snapshot.nodes {
            let labels = n.node.labels
            if n.podsWithRequiredAntiAffinity > 0 {
                for e in n.pods where e.hasRequiredAntiAffinity {
                    for t in e.pod.affinity?.podAntiAffinity?.required ?? []
                    where InterPodAffinity.term(t, ownerNamespace: e.pod.namespace, selects: p, namespaceLabels: ns) {
                        if let v = labels[t.topologyKey] { s.existingAntiAffinity[Pair(key: t.topologyKey, value: v), default: 0] += 1 }
                    }
                }
            }
            if required.isEmpty && requiredAnti.isEmpty { continue }
            for e in n.pods {
                if !required.isEmpty && required.allSatisfy({ InterPodAffinity.term($0, ownerNamespace: p.namespace, selects: e.pod, namespaceLabels: ns) }) {
                    for t in required { if let v = labels[t.topologyKey] { s.affinity[Pair(key: t.topologyKey, value: v), default: 0] += 1 } }
                }
                for t in requiredAnti where InterPodAffinity.term(t, ownerNamespace: p.namespace, selects: e.pod, namespaceLabels: ns) {
                    if let v = labels[t.topologyKey] { s.antiAffinity[Pair(key: t.topologyKey, value: v), default: 0] += 1 }
                }
            }
        }
        state.write(name, s)
        return (nil, .success)
    }

    /// The three checks, in upstream's order.
    public func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        guard let s: FilterState = state.read(name) else { return .success }
        let labels = node.node.labels
        if !s.existingAntiAffinity.isEmpty {
            for (k, v) in labels where (s.existingAntiAffinity[Pair(key: k, value: v)] ?? 0) > 0 {
                return Status(.unschedulable, "node(s) didn't satisfy existing pods anti-affinity rules")
            }
        }
        var podsExist = true
        for t in s.requiredAffinity {
            guard let v = labels[t.topologyKey] else {
                return Status(.unschedulableAndUnresolvable, "node(s) didn't match pod affinity rules")
            }
            if (s.affinity[Pair(key: t.topologyKey, value: v)] ?? 0) <= 0 { podsExist = false }
        }
        if !podsExist && !(s.affinity.isEmpty && s.matchesOwnAffinity) {
            return Status(.unschedulableAndUnresolvable, "node(s) didn't match pod affinity rules")
        }
        for t in s.requiredAntiAffinity {
            if let v = labels[t.topologyKey], (s.antiAffinity[Pair(key: t.topologyKey, value: v)] ?? 0) > 0 {
                return Status(.unschedulable, "node(s) didn't match pod anti-affinity rules")
            }
        }
        return .success
    }

    struct ScoreState: Sendable {
        var topologyScore: [String: [String: Int64]]
    }

    /// Accumulates the weighted topology scores; skips when no term can apply.
    public func preScore(_ pod: PodInfo, state: inout CycleState, nodes: [NodeInfo], snapshot: Snapshot) -> Status {
        let p = pod.pod
        let preferred = p.affinity?.podAffinity?.preferred ?? []
        let preferredAnti = p.affinity?.podAntiAffinity?.preferred ?? []
        let hasOwn = !preferred.isEmpty || !preferredAnti.isEmpty
        if !hasOwn && snapshot.podsWithAffinity == 0 { return .skip }
        let ns = snapshot.namespaceLabels
        var scores: [String: [String: Int64]] = [:]
        func add(_ t: PodAffinityTerm, _ weight: Int64, owner: String, selects target: Pod, on node: Node) {
            guard InterPodAffinity.term(t, ownerNamespace: owner, selects: target, namespaceLabels: ns),
                  let v = node.labels[t.topologyKey] else { return }
            scores[t.topologyKey, default: [:]][v, default: 0] += weight
        }
        for n in snapshot.nodes where hasOwn ? !n.pods.isEmpty : n.podsWithAffinity > 0 {
            for e in n.pods {
                for w in preferred { add(w.term, Int64(w.weight), owner: p.namespace, selects: e.pod, on: n.node) }
                for w in preferredAnti { add(w.term, -Int64(w.weight), owner: p.namespace, selects: e.pod, on: n.node) }
                guard e.hasAffinity, let a = e.pod.affinity else { continue }
                if hardPodAffinityWeight > 0 {
                    for t in a.podAffinity?.required ?? [] { add(t, hardPodAffinityWeight, owner: e.pod.namespace, selects: p, on: n.node) }
                }
                if !ignorePreferredTermsOfExistingPods {
                    for w in a.podAffinity?.preferred ?? [] { add(w.term, Int64(w.weight), owner: e.pod.namespace, selects: p, on: n.node) }
                    for w in a.podAntiAffinity?.preferred ?? [] { add(w.term, -Int64(w.weight), owner: e.pod.namespace, selects: p, on: n.node) }
                }
            }
        }
        state.write(name, ScoreState(topologyScore: scores))
        return .success
    }

    /// The sum of the node's domains' scores.
    public func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status) {
        guard let s: ScoreState = state.read(name) else { return (0, .success) }
        var total: Int64 = 0
        for (key, values) in s.topologyScore {
            if let v = node.node.labels[key] { total += values[v] ?? 0 }
        }
        return (total, .success)
    }

    /// Min-max normalisation to 0...100 (all equal gives 0).
    public func normalizeScores(_ pod: PodInfo, scores: inout [NodeScore], state: CycleState) -> Status {
        guard let s: ScoreState = state.read(name), !s.topologyScore.isEmpty else { return .success }
        let minCount = scores.map(\.score).min() ?? 0
        let maxCount = scores.map(\.score).max() ?? 0
        let diff = maxCount - minCount
        for i in scores.indices {
            scores[i].score = diff > 0 ? Int64(Double(maxNodeScore) * (Double(scores[i].score - minCount) / Double(diff))) : 0
        }
        return .success
    }

    /// Pod and node changes.
    public var requeueEvents: Set<ClusterEventKind> {
        [ClusterEventKind(.pod, .add), ClusterEventKind(.pod, .update), ClusterEventKind(.pod, .delete),
         ClusterEventKind(.node, .add), ClusterEventKind(.node, .update)]
    }
}
