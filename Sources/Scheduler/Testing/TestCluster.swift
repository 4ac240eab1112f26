public import Scheduler

/// An in-memory cluster to run plugins and profiles against.
///
/// ```swift
/// var cluster = TestCluster()
/// cluster.add(NodeBuilder("n1").capacity(cpu: "4", memory: "8Gi"))
/// cluster.add(PodBuilder("existing").requests(cpu: "1").node("n1"))
/// let scores = cluster.score(MyPlugin(), pod: PodBuilder("p").build())
/// let decision = try await cluster.schedule(PodBuilder("p").requests(cpu: "500m").build())
/// print(decision.explanation.table())
/// ```
public struct TestCluster: Sendable {
    /// The cache holding nodes and bound pods.
    public var cache = ClusterCache()

    /// An empty cluster.
    public init() {}

    /// A cluster with `nodes` and the bound `pods`.
    public init(nodes: [NodeBuilder], pods: [PodBuilder] = []) {
        for n in nodes { add(n) }
        for p in pods { add(p) }
    }

    /// Adds a node.
    public mutating func add(_ node: NodeBuilder) { cache.addNode(node.build()) }
    /// Adds a node.
    public mutating func add(_ node: Node) { cache.addNode(node) }
    /// Adds a bound pod (one built with `.node(...)`); unbound pods are ignored.
    public mutating func add(_ pod: PodBuilder) { cache.addPod(pod.build()) }
    /// Adds a bound pod.
    public mutating func add(_ pod: Pod) { cache.addPod(pod) }
    /// Records namespace labels (for namespaceSelector).
    public mutating func namespace(_ name: String, labels: [String: String]) { cache.setNamespace(name, labels: labels) }
    /// Sets PodDisruptionBudgets.
    public mutating func disruptionBudgets(_ budgets: [PodDisruptionBudget]) { cache.setDisruptionBudgets(budgets) }

    /// The current snapshot.
    public var snapshot: Snapshot { cache.snapshot }

    // MARK: One plugin

    /// Runs `plugin`'s PreFilter (if it has one) and Filter on node `nodeName`.
    /// A PreFilter Skip means the filter does not apply: success.
    public func filter(_ plugin: some FilterPlugin, pod: Pod, node nodeName: String) -> Status {
        let info = PodInfo(pod)
        var state = CycleState()
        if let pre = plugin as? any PreFilterPlugin {
            let (result, s) = pre.preFilter(info, state: &state, snapshot: snapshot)
            if s.code == .skip { return .success }
            if !s.isSuccess { return s }
            if let names = result?.nodeNames, !names.contains(nodeName) {
                return Status(.unschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) in PreFilter")
            }
        }
        guard let node = snapshot.node(named: nodeName) else { return Status(.error, "node \(nodeName) not found") }
        return plugin.filter(info, node: node, state: state)
    }

    /// Runs `plugin`'s PreScore (if any), Score and NormalizeScore over all nodes, returning
    /// normalised scores by node name (a PreScore Skip yields an empty result).
    public func score(_ plugin: some ScorePlugin, pod: Pod) -> [String: Int64] {
        scoreDetail(plugin, pod: pod, nodes: snapshot.nodes).normalized
    }

    /// Raw and normalised scores of `plugin` over `nodes`.
    public func scoreDetail(_ plugin: some ScorePlugin, pod: Pod, nodes: [NodeInfo]) -> (raw: [String: Int64], normalized: [String: Int64]) {
        let info = PodInfo(pod)
        var state = CycleState()
        if let pre = plugin as? any PreScorePlugin {
            if pre.preScore(info, state: &state, nodes: nodes, snapshot: snapshot).code == .skip { return ([:], [:]) }
        }
        var scores = nodes.map { NodeScore(name: $0.name, score: plugin.score(info, node: $0, state: state).0) }
        let raw = Dictionary(uniqueKeysWithValues: scores.map { ($0.name, $0.score) })
        _ = plugin.normalizeScores(info, scores: &scores, state: state)
        return (raw, Dictionary(uniqueKeysWithValues: scores.map { ($0.name, $0.score) }))
    }

    // MARK: A whole profile

    /// Schedules `pod` with `profile` over every node (percentageOfNodesToScore 100), running
    /// PostFilter when nothing fits. The cluster is not changed.
    public func schedule(_ pod: Pod, profile: Profile = .defaultProfile(), registry: PluginRegistry = .default) async throws -> Decision {
        let framework = try Framework(profile: profile, registry: registry)
        return await schedule(pod, framework: framework)
    }

    /// Schedules `pod` with an already built framework.
    public func schedule(_ pod: Pod, framework: Framework) async -> Decision {
        var options = AlgorithmOptions()
        options.percentageOfNodesToScore = 100
        var algorithm = SchedulingAlgorithm(options: options)
        let info = PodInfo(pod)
        var state = CycleState()
        let snap = snapshot
        let explanation = Explanation.explain(info, snapshot: snap, framework: framework)
        switch await algorithm.schedule(info, state: &state, snapshot: snap, framework: framework) {
        case .success(let r):
            return Decision(node: r.suggestedHost, message: nil, preemption: nil, explanation: explanation)
        case .failure(var fit):
            let (result, status) = framework.runPostFilter(info, state: state, snapshot: snap, filteredStatuses: fit.diagnosis.nodeToStatus)
            if !status.isSuccess { fit.diagnosis.postFilterMessage = status.message }
            return Decision(node: nil, message: fit.message, preemption: status.isSuccess ? result : nil, explanation: explanation)
        }
    }
}

/// The outcome of ``TestCluster/schedule(_:profile:registry:)``.
public struct Decision: Sendable {
    /// The chosen node, or nil when the pod fits nowhere.
    public var node: String?
    /// The FailedScheduling message when `node` is nil.
    public var message: String?
    /// What preemption decided (nominated node and victims), if it succeeded.
    public var preemption: PostFilterResult?
    /// Every plugin's verdict and score per node.
    public var explanation: Explanation
}
