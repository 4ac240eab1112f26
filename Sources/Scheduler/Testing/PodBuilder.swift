public import Scheduler

/// Builds a ``Pod`` fluently: `PodBuilder("p").requests(cpu: "500m").toleration(key: "dedicated").build()`.
///
/// Quantities are string literals parsed exactly; an invalid one traps (it is a test bug).
public struct PodBuilder: Sendable {
    /// The pod built so far.
    public private(set) var pod: Pod

    /// A pod named `name` in `namespace` with no containers.
    public init(_ name: String, namespace: String = "default") { pod = Pod(name: name, namespace: namespace) }

    private func with(_ change: (inout Pod) -> Void) -> PodBuilder {
        var b = self
        change(&b.pod)
        return b
    }

    private static func list(cpu: String?, memory: String?, _ other: [String: String]) -> ResourceList {
        var r: ResourceList = [:]
        if let cpu { r[ResourceNames.cpu] = Quantity(stringLiteral: cpu) }
        if let memory { r[ResourceNames.memory] = Quantity(stringLiteral: memory) }
        for (k, v) in other { r[k] = Quantity(stringLiteral: v) }
        return r
    }

    /// Adds a container requesting `cpu`, `memory` and `other` resources (e.g. ["nvidia.com/gpu": "1"]).
    public func requests(cpu: String? = nil, memory: String? = nil, _ other: [String: String] = [:]) -> PodBuilder {
        with { $0.containers.append(Container(name: "c\($0.containers.count)", requests: PodBuilder.list(cpu: cpu, memory: memory, other))) }
    }
    /// Adds a container running `image`, optionally with requests.
    public func container(image: String, cpu: String? = nil, memory: String? = nil) -> PodBuilder {
        with { $0.containers.append(Container(name: "c\($0.containers.count)", image: image, requests: PodBuilder.list(cpu: cpu, memory: memory, [:]))) }
    }
    /// Adds an init container with requests.
    public func initContainer(cpu: String? = nil, memory: String? = nil, image: String = "") -> PodBuilder {
        with { $0.initContainers.append(Container(name: "init\($0.initContainers.count)", image: image, requests: PodBuilder.list(cpu: cpu, memory: memory, [:]))) }
    }
    /// Sets the pod overhead.
    public func overhead(cpu: String? = nil, memory: String? = nil) -> PodBuilder {
        with { $0.overhead = PodBuilder.list(cpu: cpu, memory: memory, [:]) }
    }
    /// Adds a container with a host port.
    public func hostPort(_ port: Int32, protocol: String = "TCP", hostIP: String = "") -> PodBuilder {
        with { $0.containers.append(Container(name: "c\($0.containers.count)", ports: [ContainerPort(hostPort: port, containerPort: port, protocol: `protocol`, hostIP: hostIP)])) }
    }
    /// Sets a label.
    public func label(_ key: String, _ value: String) -> PodBuilder { with { $0.labels[key] = value } }
    /// Sets the uid.
    public func uid(_ uid: String) -> PodBuilder { with { $0.uid = uid } }
    /// Sets the priority.
    public func priority(_ priority: Int32) -> PodBuilder { with { $0.priority = priority } }
    /// Sets the preemption policy.
    public func preemptionPolicy(_ policy: PreemptionPolicy) -> PodBuilder { with { $0.preemptionPolicy = policy } }
    /// Sets `spec.schedulerName`.
    public func schedulerName(_ name: String) -> PodBuilder { with { $0.schedulerName = name } }
    /// Binds the pod to `node` (for existing pods in a cluster).
    public func node(_ node: String) -> PodBuilder { with { $0.nodeName = node } }
    /// Sets the start time (preemption prefers evicting recently started pods).
    public func startTime(_ t: Duration) -> PodBuilder { with { $0.startTime = t } }
    /// Adds a toleration.
    public func toleration(key: String = "", operator: Toleration.Operator = .equal, value: String = "", effect: TaintEffect? = nil) -> PodBuilder {
        with { $0.tolerations.append(Toleration(key: key, operator: `operator`, value: value, effect: effect)) }
    }
    /// Sets a nodeSelector entry.
    public func nodeSelector(_ key: String, _ value: String) -> PodBuilder { with { $0.nodeSelector[key] = value } }
    /// Adds a required node affinity term (ORed with other required terms).
    public func requiredNodeAffinity(_ term: NodeSelectorTerm) -> PodBuilder {
        with { p in
            var a = p.affinity ?? Affinity()
            var na = a.nodeAffinity ?? NodeAffinity()
            na.required = NodeSelector(terms: (na.required?.terms ?? []) + [term])
            a.nodeAffinity = na
            p.affinity = a
        }
    }
    /// Adds a preferred node affinity term.
    public func preferredNodeAffinity(weight: Int32, _ term: NodeSelectorTerm) -> PodBuilder {
        with { p in
            var a = p.affinity ?? Affinity()
            var na = a.nodeAffinity ?? NodeAffinity()
            na.preferred.append(PreferredSchedulingTerm(weight: weight, preference: term))
            a.nodeAffinity = na
            p.affinity = a
        }
    }
    /// Adds a pod affinity term (required when `weight` is nil).
    public func podAffinity(_ selector: [String: String], topologyKey: String, weight: Int32? = nil, namespaces: [String] = []) -> PodBuilder {
        with { p in
            var a = p.affinity ?? Affinity()
            a.podAffinity = PodBuilder.adding(a.podAffinity, selector, topologyKey, weight, namespaces)
            p.affinity = a
        }
    }
    /// Adds a pod anti-affinity term (required when `weight` is nil).
    public func podAntiAffinity(_ selector: [String: String], topologyKey: String, weight: Int32? = nil, namespaces: [String] = []) -> PodBuilder {
        with { p in
            var a = p.affinity ?? Affinity()
            a.podAntiAffinity = PodBuilder.adding(a.podAntiAffinity, selector, topologyKey, weight, namespaces)
            p.affinity = a
        }
    }
    private static func adding(_ existing: PodAffinity?, _ selector: [String: String], _ key: String, _ weight: Int32?, _ ns: [String]) -> PodAffinity {
        var pa = existing ?? PodAffinity()
        let term = PodAffinityTerm(labelSelector: LabelSelector(matchLabels: selector), namespaces: ns, topologyKey: key)
        if let weight { pa.preferred.append(WeightedPodAffinityTerm(weight: weight, term: term)) } else { pa.required.append(term) }
        return pa
    }
    /// Adds a topology spread constraint.
    public func spread(
        maxSkew: Int32, topologyKey: String, _ when: TopologySpreadConstraint.WhenUnsatisfiable = .doNotSchedule,
        selector: [String: String], minDomains: Int32? = nil, nodeAffinityPolicy: TopologySpreadConstraint.InclusionPolicy = .honor,
        nodeTaintsPolicy: TopologySpreadConstraint.InclusionPolicy = .ignore
    ) -> PodBuilder {
        with {
            $0.topologySpreadConstraints.append(TopologySpreadConstraint(
                maxSkew: maxSkew, topologyKey: topologyKey, whenUnsatisfiable: when, labelSelector: LabelSelector(matchLabels: selector),
                minDomains: minDomains, nodeAffinityPolicy: nodeAffinityPolicy, nodeTaintsPolicy: nodeTaintsPolicy))
        }
    }
    /// Sets the workload selector (enables PodTopologySpread's system default constraints).
    public func workload(_ selector: [String: String]) -> PodBuilder { with { $0.workloadSelector = LabelSelector(matchLabels: selector) } }
    /// Adds a scheduling gate.
    public func schedulingGate(_ name: String) -> PodBuilder { with { $0.schedulingGates.append(name) } }
    /// Marks the pod terminating.
    public func terminating() -> PodBuilder { with { $0.terminating = true } }

    /// The pod.
    public func build() -> Pod { pod }
}
