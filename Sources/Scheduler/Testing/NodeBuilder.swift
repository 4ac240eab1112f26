public import Scheduler

/// Builds a ``Node`` fluently: `NodeBuilder("n1").capacity(cpu: "4", memory: "8Gi").taint(key: "dedicated", value: "x")`.
///
/// Capacity doubles as allocatable unless ``allocatable(cpu:memory:pods:_:)`` is set. Quantities
/// are string literals parsed exactly; an invalid one traps.
public struct NodeBuilder: Sendable {
    /// The node built so far.
    public private(set) var node: Node

    /// A node named `name` with no resources.
    public init(_ name: String) { node = Node(name: name) }

    private func with(_ change: (inout Node) -> Void) -> NodeBuilder {
        var b = self
        change(&b.node)
        return b
    }

    private static func list(cpu: String?, memory: String?, pods: Int64?, _ other: [String: String]) -> ResourceList {
        var r: ResourceList = [:]
        if let cpu { r[ResourceNames.cpu] = Quantity(stringLiteral: cpu) }
        if let memory { r[ResourceNames.memory] = Quantity(stringLiteral: memory) }
        if let pods { r[ResourceNames.pods] = Quantity(units: pods) }
        for (k, v) in other { r[k] = Quantity(stringLiteral: v) }
        return r
    }

    /// Sets capacity (pods default 110, as the kubelet's).
    public func capacity(cpu: String? = nil, memory: String? = nil, pods: Int64 = 110, _ other: [String: String] = [:]) -> NodeBuilder {
        with { $0.capacity = NodeBuilder.list(cpu: cpu, memory: memory, pods: pods, other) }
    }
    /// Sets allocatable explicitly.
    public func allocatable(cpu: String? = nil, memory: String? = nil, pods: Int64 = 110, _ other: [String: String] = [:]) -> NodeBuilder {
        with { $0.allocatable = NodeBuilder.list(cpu: cpu, memory: memory, pods: pods, other) }
    }
    /// Sets a label.
    public func label(_ key: String, _ value: String) -> NodeBuilder { with { $0.labels[key] = value } }
    /// Sets an annotation.
    public func annotation(_ key: String, _ value: String) -> NodeBuilder { with { $0.annotations[key] = value } }
    /// Sets `topology.kubernetes.io/zone`.
    public func zone(_ zone: String) -> NodeBuilder { label(WellKnownLabels.zone, zone) }
    /// Adds a taint (default effect NoSchedule).
    public func taint(key: String, value: String = "", effect: TaintEffect = .noSchedule) -> NodeBuilder {
        with { $0.taints.append(Taint(key: key, value: value, effect: effect)) }
    }
    /// Cordons the node.
    public func unschedulable() -> NodeBuilder { with { $0.unschedulable = true } }
    /// Adds an image of `sizeBytes`.
    public func image(_ name: String, sizeBytes: Int64) -> NodeBuilder {
        with { $0.images.append(ContainerImage(names: [name], sizeBytes: sizeBytes)) }
    }
    /// Sets the operator stake label (`daas.io/stake-mist`).
    public func stake(mist: UInt64) -> NodeBuilder { label(StakeWeighted.stakeKey, String(mist)) }

    /// The node.
    public func build() -> Node { node }
}
