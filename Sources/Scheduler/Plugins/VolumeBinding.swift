/// VolumeBinding: places pods that use PersistentVolumeClaims where their volumes can be, as
/// upstream's plugin. PreFilter refuses a pod whose claims are missing, being deleted, lost or
/// unbound with an Immediate class; Filter keeps the nodes a bound volume's node affinity allows
/// and, for WaitForFirstConsumer claims, the nodes where an Available volume matches or a volume
/// can be provisioned; Reserve picks, for the chosen node, the smallest matching volume or
/// provisioning; PreBind writes that (through the ``VolumeCatalog``) and waits until every claim is
/// bound, so the kubelet never sees the pod before its volumes. Without a catalog it skips.
public struct VolumeBindingPlugin: PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin, EnqueueExtensions {
    /// "VolumeBinding".
    public let name = PluginNames.volumeBinding
    let catalog: (any VolumeCatalog)?

    /// The plugin reading claims from `catalog`.
    public init(catalog: (any VolumeCatalog)?) { self.catalog = catalog }

    private struct Claims: Sendable {
        var bound: [(name: String, affinity: NodeSelector?)] = []
        var delayed: [(name: String, state: ClaimState)] = []
        /// The cycle's nodes, for Reserve to re-decide delayed claims on the chosen one.
        var snapshot: Snapshot?
    }
    private static let stateKey = PluginNames.volumeBinding
    private static let decisionsKey = PluginNames.volumeBinding + "/decisions"

    /// Reads the pod's claims; Skip for a pod without any.
    public func preFilter(_ pod: PodInfo, state: inout CycleState, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        guard let catalog, !pod.pod.volumeClaims.isEmpty else { return (nil, .skip) }
        var claims = Claims()
        var immediate = false
        for name in pod.pod.volumeClaims {
            let claim = catalog.claim(namespace: pod.pod.namespace, name: name)
            switch claim {
            case .missing:
                return (nil, Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"\(name)\" not found"))
            case .deleting:
                return (nil, Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"\(name)\" is being deleted"))
            case .lost(let volume):
                return (nil, Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"\(name)\" bound to non-existent persistentvolume \"\(volume)\""))
            case .bound(_, let affinity):
                claims.bound.append((name, affinity))
            case .immediate:
                immediate = true
            case .delayed:
                claims.delayed.append((name, claim))
            }
        }
        if immediate { return (nil, Status(.unschedulableAndUnresolvable, "pod has unbound immediate PersistentVolumeClaims")) }
        if !claims.delayed.isEmpty { claims.snapshot = snapshot }
        state.write(Self.stateKey, claims)
        return (nil, .success)
    }

    /// Whether the pod's volumes can be on `node`.
    public func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        guard let claims = state.read(Self.stateKey, as: Claims.self) else { return .success }
        for claim in claims.bound {
            if let affinity = claim.affinity, !affinity.matches(node.node) {
                return Status(.unschedulableAndUnresolvable, "node(s) had volume node affinity conflict")
            }
        }
        for claim in claims.delayed where Self.decision(claim.name, claim.state, on: node.node, taken: []) == nil {
            return Status(.unschedulableAndUnresolvable, "node(s) didn't find available persistent volumes to bind")
        }
        return .success
    }

    /// For delayed claims on `node`: the smallest matching volume not `taken`, else provisioning.
    private static func decision(_ claim: String, _ state: ClaimState, on node: Node, taken: Set<String>) -> ClaimDecision? {
        guard case .delayed(let selected, let candidates, let provisionable, let topologies) = state else { return nil }
        if let selected, selected != node.name { return nil }
        let fitting = candidates.filter { !taken.contains($0.name) && ($0.nodeAffinity?.matches(node) ?? true) }
        if let best = fitting.min(by: { ($0.capacity, $0.name) < ($1.capacity, $1.name) }) { return .bindVolume(claim: claim, volume: best.name) }
        if provisionable, topologies?.matches(node) ?? true { return .provision(claim: claim) }
        return nil
    }

    /// Decides each delayed claim's volume on the chosen node.
    public func reserve(_ pod: Pod, nodeName: String, state: inout CycleState) -> Status {
        guard let claims = state.read(Self.stateKey, as: Claims.self), !claims.delayed.isEmpty else { return .success }
        guard let node = claims.snapshot?.node(named: nodeName)?.node else {
            return Status(.unschedulable, "node(s) didn't find available persistent volumes to bind")
        }
        var taken: Set<String> = []
        var decisions: [ClaimDecision] = []
        for claim in claims.delayed {
            guard let decision = Self.decision(claim.name, claim.state, on: node, taken: taken) else {
                return Status(.unschedulable, "node(s) didn't find available persistent volumes to bind")
            }
            if case .bindVolume(_, let volume) = decision { taken.insert(volume) }
            decisions.append(decision)
        }
        state.write(Self.decisionsKey, decisions)
        return .success
    }

    /// Nothing to release: no write happens before PreBind.
    public func unreserve(_ pod: Pod, nodeName: String, state: CycleState) {}

    /// Writes the decisions and waits until every claim is bound.
    public func preBind(_ pod: Pod, nodeName: String, state: CycleState) async -> Status {
        guard let catalog, state.read(Self.stateKey, as: Claims.self) != nil else { return .success }
        let decisions = state.read(Self.decisionsKey, as: [ClaimDecision].self) ?? []
        let status = await catalog.bindClaims(of: pod, nodeName: nodeName, decisions: decisions)
        guard status.isSuccess else { return Status(.error, "running PreBind plugin \"VolumeBinding\": binding volumes: \(status.message)") }
        return status
    }

    /// Claims, volumes, classes and nodes.
    public var requeueEvents: Set<ClusterEventKind> {
        [
            ClusterEventKind(.persistentVolumeClaim, .add), ClusterEventKind(.persistentVolumeClaim, .update),
            ClusterEventKind(.persistentVolume, .add), ClusterEventKind(.persistentVolume, .update),
            ClusterEventKind(.storageClass, .add), ClusterEventKind(.storageClass, .update),
            ClusterEventKind(.node, .add), ClusterEventKind(.node, .update),
        ]
    }
}
