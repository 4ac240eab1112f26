/// A consistent view of the cluster for one scheduling cycle.
///
/// A value type: taking one from ``ClusterCache`` shares storage until the cache next changes.
public struct Snapshot: Sendable {
    /// The nodes with their pods, in a stable order.
    public internal(set) var nodes: [NodeInfo]
    /// Positions in `nodes` by node name.
    public internal(set) var index: [String: Int]
    /// How many nodes hold each (normalised) image name.
    public internal(set) var imageNodeCounts: [String: Int]
    /// Namespace labels, for namespaceSelector in pod affinity terms.
    public internal(set) var namespaceLabels: [String: [String: String]]
    /// PodDisruptionBudgets, for preemption.
    public internal(set) var disruptionBudgets: [PodDisruptionBudget]
    /// The number of pods with pod affinity or anti-affinity, cluster-wide.
    public internal(set) var podsWithAffinity: Int
    /// The number of pods with required anti-affinity, cluster-wide.
    public internal(set) var podsWithRequiredAntiAffinity: Int
    /// Pods that preemption nominated to a node and that are not bound yet, by node name
    /// (upstream's nominator): lower-priority pods must leave room for them.
    public internal(set) var nominatedPods: [String: [PodInfo]] = [:]

    /// The node at `index` as `pod` must see it: with the pods nominated there whose priority is
    /// at least the pod's (other than the pod itself) counted as if they ran there, as upstream's
    /// `RunFilterPluginsWithNominatedPods` adds them.
    public func node(at index: Int, for pod: PodInfo) -> NodeInfo {
        let info = nodes[index]
        // Nominations are rare: no hashing per node unless there are some.
        guard !nominatedPods.isEmpty, let nominated = nominatedPods[info.name] else { return info }
        var withNominated = info
        for other in nominated where other.pod.uid != pod.pod.uid && other.pod.priority >= pod.pod.priority {
            withNominated.add(other)
        }
        return withNominated
    }

    /// A snapshot of `nodes`, each with the pods whose `nodeName` names it.
    public init(nodes: [Node] = [], pods: [Pod] = [], namespaceLabels: [String: [String: String]] = [:], disruptionBudgets: [PodDisruptionBudget] = []) {
        var cache = ClusterCache()
        for n in nodes { cache.addNode(n) }
        for p in pods where p.nodeName != nil { cache.addPod(p) }
        for (ns, labels) in namespaceLabels { cache.setNamespace(ns, labels: labels) }
        cache.setDisruptionBudgets(disruptionBudgets)
        self = cache.snapshot
    }

    init(empty: Void) {
        nodes = []
        index = [:]
        imageNodeCounts = [:]
        namespaceLabels = [:]
        disruptionBudgets = []
        podsWithAffinity = 0
        podsWithRequiredAntiAffinity = 0
    }

    /// The node named `name`.
    public func node(named name: String) -> NodeInfo? { index[name].map { nodes[$0] } }

    /// Every pod on every node.
    public var allPods: [PodInfo] { nodes.flatMap(\.pods) }
}
