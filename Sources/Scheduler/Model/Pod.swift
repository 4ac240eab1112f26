/// What the scheduler needs to know about a pod (a subset of core/v1 Pod).
public struct Pod: Sendable, Hashable {
    /// The pod name.
    public var name: String
    /// The namespace.
    public var namespace: String
    /// The unique id; defaults to "namespace/name".
    public var uid: String
    /// Labels.
    public var labels: [String: String]
    /// Annotations.
    public var annotations: [String: String]
    /// `spec.schedulerName`, which selects the profile.
    public var schedulerName: String
    /// `spec.priority` (resolved from the priority class).
    public var priority: Int32
    /// `spec.preemptionPolicy`.
    public var preemptionPolicy: PreemptionPolicy
    /// `spec.nodeName`: set once the pod is bound (or when the user pins it).
    public var nodeName: String?
    /// `status.nominatedNodeName`, set by preemption.
    public var nominatedNodeName: String?
    /// The containers.
    public var containers: [Container]
    /// The init containers (run one after another before the containers).
    public var initContainers: [Container]
    /// `spec.overhead` (from the runtime class), added to the pod's requests.
    public var overhead: ResourceList
    /// `spec.nodeSelector`.
    public var nodeSelector: [String: String]
    /// `spec.affinity`.
    public var affinity: Affinity?
    /// `spec.tolerations`.
    public var tolerations: [Toleration]
    /// `spec.topologySpreadConstraints`.
    public var topologySpreadConstraints: [TopologySpreadConstraint]
    /// `spec.schedulingGates` (names); a gated pod is not scheduled.
    public var schedulingGates: [String]
    /// The selector of the workload (Service, ReplicaSet, StatefulSet) the pod belongs to, if any.
    /// PodTopologySpread's system default constraints use it, as upstream derives it from those
    /// objects; `nil` means the pod belongs to none and gets no default spreading.
    public var workloadSelector: LabelSelector?
    /// When the pod started (or was created), on the scheduler's clock; preemption prefers to
    /// evict the most recently started of equal-priority victims.
    public var startTime: Duration?
    /// Whether the pod is being deleted (`metadata.deletionTimestamp` set).
    public var terminating: Bool
    /// The PersistentVolumeClaims its volumes name (`persistentVolumeClaim.claimName`).
    public var volumeClaims: [String]

    /// A pod. The uid defaults to "namespace/name".
    public init(
        name: String, namespace: String = "default", uid: String? = nil, labels: [String: String] = [:],
        annotations: [String: String] = [:], schedulerName: String = defaultSchedulerName, priority: Int32 = 0,
        preemptionPolicy: PreemptionPolicy = .preemptLowerPriority, nodeName: String? = nil, nominatedNodeName: String? = nil,
        containers: [Container] = [], initContainers: [Container] = [], overhead: ResourceList = [:],
        nodeSelector: [String: String] = [:], affinity: Affinity? = nil, tolerations: [Toleration] = [],
        topologySpreadConstraints: [TopologySpreadConstraint] = [], schedulingGates: [String] = [],
        workloadSelector: LabelSelector? = nil, startTime: Duration? = nil, terminating: Bool = false, volumeClaims: [String] = []
    ) {
        self.volumeClaims = volumeClaims
        self.name = name
        self.namespace = namespace
        self.uid = uid ?? "\(namespace)/\(name)"
        self.labels = labels
        self.annotations = annotations
        self.schedulerName = schedulerName
        self.priority = priority
        self.preemptionPolicy = preemptionPolicy
        self.nodeName = nodeName
        self.nominatedNodeName = nominatedNodeName
        self.containers = containers
        self.initContainers = initContainers
        self.overhead = overhead
        self.nodeSelector = nodeSelector
        self.affinity = affinity
        self.tolerations = tolerations
        self.topologySpreadConstraints = topologySpreadConstraints
        self.schedulingGates = schedulingGates
        self.workloadSelector = workloadSelector
        self.startTime = startTime
        self.terminating = terminating
    }

    /// "namespace/name", as used in messages.
    public var key: String { "\(namespace)/\(name)" }
}

/// The scheduler name of the default profile.
public let defaultSchedulerName = "default-scheduler"

/// `spec.preemptionPolicy`.
public enum PreemptionPolicy: String, Sendable, Hashable {
    /// The pod may preempt lower-priority pods (the default).
    case preemptLowerPriority = "PreemptLowerPriority"
    /// The pod never preempts.
    case never = "Never"
}

/// A container's scheduling-relevant fields.
public struct Container: Sendable, Hashable {
    /// The container name.
    public var name: String
    /// The image reference.
    public var image: String
    /// `resources.requests`.
    public var requests: ResourceList
    /// Ports; those with a `hostPort` occupy it on the node.
    public var ports: [ContainerPort]

    /// A container.
    public init(name: String, image: String = "", requests: ResourceList = [:], ports: [ContainerPort] = []) {
        self.name = name
        self.image = image
        self.requests = requests
        self.ports = ports
    }
}

/// A container port.
public struct ContainerPort: Sendable, Hashable {
    /// The port on the node, or 0 for none.
    public var hostPort: Int32
    /// The port in the container.
    public var containerPort: Int32
    /// "TCP", "UDP" or "SCTP".
    public var `protocol`: String
    /// The host IP to bind, "" or "0.0.0.0" for all.
    public var hostIP: String

    /// A port.
    public init(hostPort: Int32 = 0, containerPort: Int32, protocol: String = "TCP", hostIP: String = "") {
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.protocol = `protocol`
        self.hostIP = hostIP
    }
}

/// A toleration.
public struct Toleration: Sendable, Hashable {
    /// How the key and value are compared.
    public enum Operator: String, Sendable, Hashable {
        /// The value must equal the taint's.
        case equal = "Equal"
        /// Any value; an empty key with Exists tolerates every taint.
        case exists = "Exists"
    }
    /// The taint key; empty means all keys (only with Exists).
    public var key: String
    /// The operator.
    public var `operator`: Operator
    /// The value (Equal only).
    public var value: String
    /// The effect tolerated; `nil` tolerates all effects.
    public var effect: TaintEffect?

    /// A toleration.
    public init(key: String = "", operator: Operator = .equal, value: String = "", effect: TaintEffect? = nil) {
        self.key = key
        self.operator = `operator`
        self.value = value
        self.effect = effect
    }

    /// Whether this toleration tolerates `taint` (upstream `ToleratesTaint`).
    public func tolerates(_ taint: Taint) -> Bool {
        if let effect, effect != taint.effect { return false }
        if !key.isEmpty && key != taint.key { return false }
        switch `operator` {
        case .exists: return true
        case .equal: return value == taint.value
        }
    }
}

extension Array where Element == Toleration {
    /// Whether some toleration tolerates `taint`.
    public func tolerate(_ taint: Taint) -> Bool { contains { $0.tolerates(taint) } }
}

/// A pod's affinity.
public struct Affinity: Sendable, Hashable {
    /// Node affinity.
    public var nodeAffinity: NodeAffinity?
    /// Pod affinity.
    public var podAffinity: PodAffinity?
    /// Pod anti-affinity.
    public var podAntiAffinity: PodAffinity?

    /// An affinity.
    public init(nodeAffinity: NodeAffinity? = nil, podAffinity: PodAffinity? = nil, podAntiAffinity: PodAffinity? = nil) {
        self.nodeAffinity = nodeAffinity
        self.podAffinity = podAffinity
        self.podAntiAffinity = podAntiAffinity
    }
}

/// Node affinity.
public struct NodeAffinity: Sendable, Hashable {
    /// `requiredDuringSchedulingIgnoredDuringExecution`: terms ORed.
    public var required: NodeSelector?
    /// `preferredDuringSchedulingIgnoredDuringExecution`.
    public var preferred: [PreferredSchedulingTerm]

    /// Node affinity.
    public init(required: NodeSelector? = nil, preferred: [PreferredSchedulingTerm] = []) {
        self.required = required
        self.preferred = preferred
    }
}

/// A node selector: its terms are ORed.
public struct NodeSelector: Sendable, Hashable {
    /// The terms.
    public var terms: [NodeSelectorTerm]

    /// A selector.
    public init(terms: [NodeSelectorTerm]) { self.terms = terms }

    /// Whether some term matches `node` (no terms: nothing matches, as upstream).
    public func matches(_ node: Node) -> Bool { terms.contains { $0.matches(node) } }
}

/// A node selector term: its requirements are ANDed.
public struct NodeSelectorTerm: Sendable, Hashable {
    /// Requirements on node labels.
    public var matchExpressions: [SelectorRequirement]
    /// Requirements on node fields; upstream supports only `metadata.name`.
    public var matchFields: [SelectorRequirement]

    /// A term.
    public init(matchExpressions: [SelectorRequirement] = [], matchFields: [SelectorRequirement] = []) {
        self.matchExpressions = matchExpressions
        self.matchFields = matchFields
    }

    /// Whether `node` satisfies every requirement. A term with no requirements matches nothing.
    public func matches(_ node: Node) -> Bool {
        if matchExpressions.isEmpty && matchFields.isEmpty { return false }
        for r in matchExpressions where !r.matches(node.labels) { return false }
        for r in matchFields {
            guard r.key == "metadata.name", r.matches(["metadata.name": node.name]) else { return false }
        }
        return true
    }
}

/// A weighted preferred node selector term.
public struct PreferredSchedulingTerm: Sendable, Hashable {
    /// The weight, 1..100.
    public var weight: Int32
    /// The term.
    public var preference: NodeSelectorTerm

    /// A preferred term.
    public init(weight: Int32, preference: NodeSelectorTerm) {
        self.weight = weight
        self.preference = preference
    }
}

/// Pod affinity or anti-affinity.
public struct PodAffinity: Sendable, Hashable {
    /// Required terms (all must hold).
    public var required: [PodAffinityTerm]
    /// Preferred terms.
    public var preferred: [WeightedPodAffinityTerm]

    /// Pod (anti-)affinity.
    public init(required: [PodAffinityTerm] = [], preferred: [WeightedPodAffinityTerm] = []) {
        self.required = required
        self.preferred = preferred
    }
}

/// A pod affinity term: pods matched by `labelSelector` in `namespaces` (or namespaces matched by
/// `namespaceSelector`) running in the same `topologyKey` domain.
public struct PodAffinityTerm: Sendable, Hashable {
    /// Selects the pods; `nil` matches none.
    public var labelSelector: LabelSelector?
    /// Namespaces; with no namespaceSelector and no namespaces, the pod's own namespace.
    public var namespaces: [String]
    /// Selects namespaces by their labels; an empty selector means all namespaces.
    public var namespaceSelector: LabelSelector?
    /// The node label defining the domain.
    public var topologyKey: String

    /// A term.
    public init(labelSelector: LabelSelector?, namespaces: [String] = [], namespaceSelector: LabelSelector? = nil, topologyKey: String) {
        self.labelSelector = labelSelector
        self.namespaces = namespaces
        self.namespaceSelector = namespaceSelector
        self.topologyKey = topologyKey
    }
}

/// A weighted pod affinity term.
public struct WeightedPodAffinityTerm: Sendable, Hashable {
    /// The weight, 1..100.
    public var weight: Int32
    /// The term.
    public var term: PodAffinityTerm

    /// A weighted term.
    public init(weight: Int32, term: PodAffinityTerm) {
        self.weight = weight
        self.term = term
    }
}

/// A topology spread constraint.
public struct TopologySpreadConstraint: Sendable, Hashable {
    /// What to do when the constraint cannot be met.
    public enum WhenUnsatisfiable: String, Sendable, Hashable {
        /// A filter: nodes that would break maxSkew are infeasible.
        case doNotSchedule = "DoNotSchedule"
        /// A score: nodes that reduce skew are preferred.
        case scheduleAnyway = "ScheduleAnyway"
    }
    /// Whether node affinity or taints limit the domains counted.
    public enum InclusionPolicy: String, Sendable, Hashable {
        /// Only nodes that pass the check are counted.
        case honor = "Honor"
        /// All nodes are counted.
        case ignore = "Ignore"
    }
    /// The largest allowed difference between a domain's matching pods and the global minimum.
    public var maxSkew: Int32
    /// The node label defining domains.
    public var topologyKey: String
    /// Filter or score.
    public var whenUnsatisfiable: WhenUnsatisfiable
    /// The pods counted (in the pod's namespace).
    public var labelSelector: LabelSelector?
    /// With fewer eligible domains than this, the global minimum is taken as 0.
    public var minDomains: Int32?
    /// Default Honor.
    public var nodeAffinityPolicy: InclusionPolicy
    /// Default Ignore.
    public var nodeTaintsPolicy: InclusionPolicy
    /// Label keys whose values, taken from the incoming pod, are added to the selector.
    public var matchLabelKeys: [String]

    /// A constraint.
    public init(
        maxSkew: Int32, topologyKey: String, whenUnsatisfiable: WhenUnsatisfiable, labelSelector: LabelSelector?,
        minDomains: Int32? = nil, nodeAffinityPolicy: InclusionPolicy = .honor, nodeTaintsPolicy: InclusionPolicy = .ignore,
        matchLabelKeys: [String] = []
    ) {
        self.maxSkew = maxSkew
        self.topologyKey = topologyKey
        self.whenUnsatisfiable = whenUnsatisfiable
        self.labelSelector = labelSelector
        self.minDomains = minDomains
        self.nodeAffinityPolicy = nodeAffinityPolicy
        self.nodeTaintsPolicy = nodeTaintsPolicy
        self.matchLabelKeys = matchLabelKeys
    }
}

/// A PodDisruptionBudget, as preemption needs it.
public struct PodDisruptionBudget: Sendable, Hashable {
    /// The name.
    public var name: String
    /// The namespace of the pods it covers.
    public var namespace: String
    /// The pods it covers.
    public var selector: LabelSelector
    /// `status.disruptionsAllowed`: how many covered pods may be evicted now.
    public var disruptionsAllowed: Int32

    /// A budget.
    public init(name: String, namespace: String = "default", selector: LabelSelector, disruptionsAllowed: Int32) {
        self.name = name
        self.namespace = namespace
        self.selector = selector
        self.disruptionsAllowed = disruptionsAllowed
    }
}
