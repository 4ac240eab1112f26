/// Where the VolumeBinding plugin reads a pod's PersistentVolumeClaims and writes their
/// bindings: the master implements it over its informers and store, tests over fixed data.
public protocol VolumeCatalog: Sendable {
    /// The claim `name` in `namespace` as the scheduler must treat it (from a cache: Filter runs
    /// this for every node).
    func claim(namespace: String, name: String) -> ClaimState
    /// Writes `decisions` (PreBind) and waits until every claim of `pod` is fully bound.
    /// - Returns: success, or an error status with the reason binding failed.
    func bindClaims(of pod: Pod, nodeName: String, decisions: [ClaimDecision]) async -> Status
}

/// A claim as the VolumeBinding plugin sees it.
public enum ClaimState: Sendable, Hashable {
    /// There is no claim of that name.
    case missing
    /// The claim is being deleted.
    case deleting
    /// The claim names a volume that does not exist.
    case lost(volume: String)
    /// The claim is fully bound to a volume; its node affinity, if it has one, limits the nodes.
    case bound(volume: String, nodeAffinity: NodeSelector?)
    /// The claim is unbound and its class binds immediately (the PV controller's job).
    case immediate
    /// The claim is unbound and its class waits for the first consumer: it can take one of
    /// `candidates` (Available volumes that match, with their node affinity), or, if
    /// `provisionable`, a volume provisioned on the node (within `allowedTopologies`, if given).
    /// `selectedNode` is the node the scheduler already chose for it, if any.
    case delayed(selectedNode: String?, candidates: [VolumeCandidate], provisionable: Bool, allowedTopologies: NodeSelector?)
}

/// An Available volume a delayed claim could take.
public struct VolumeCandidate: Sendable, Hashable {
    /// The volume's name.
    public var name: String
    /// Its capacity in bytes (the smallest fitting one is chosen).
    public var capacity: Int64
    /// Its required node affinity, if any.
    public var nodeAffinity: NodeSelector?

    /// A candidate.
    public init(name: String, capacity: Int64, nodeAffinity: NodeSelector?) {
        self.name = name
        self.capacity = capacity
        self.nodeAffinity = nodeAffinity
    }
}

/// What Reserve decided for one delayed claim on the chosen node.
public enum ClaimDecision: Sendable, Hashable {
    /// Pre-bind volume `volume` to claim `claim`.
    case bindVolume(claim: String, volume: String)
    /// Ask for a volume for `claim` provisioned on the node (the selected-node annotation).
    case provision(claim: String)
}
