/// What a plugin factory receives.
public struct PluginContext: Sendable {
    /// The plugin's arguments from the profile, if any.
    public var args: PluginArgs?
    /// The binder (DefaultBinder uses it).
    public var binder: (any Binder)?
    /// Where claims and volumes are read and bound (VolumeBinding uses it).
    public var volumes: (any VolumeCatalog)?

    /// A context.
    public init(args: PluginArgs?, binder: (any Binder)?, volumes: (any VolumeCatalog)? = nil) {
        self.args = args
        self.binder = binder
        self.volumes = volumes
    }
}

/// Builds a plugin from its arguments.
public typealias PluginFactory = @Sendable (PluginContext) throws(SchedulerError) -> any Plugin

/// Plugin factories by name (upstream's out-of-tree registry merged with the in-tree one).
public struct PluginRegistry: Sendable {
    private var factories: [String: PluginFactory]

    /// A registry with `factories`.
    public init(_ factories: [String: PluginFactory] = [:]) { self.factories = factories }

    /// Registers (or replaces) a plugin factory.
    public mutating func register(_ name: String, _ factory: @escaping PluginFactory) { factories[name] = factory }

    /// Whether `name` is registered.
    public func contains(_ name: String) -> Bool { factories[name] != nil }

    /// The registered names, sorted.
    public var names: [String] { factories.keys.sorted() }

    /// Builds plugin `name`.
    /// - Throws: ``SchedulerError/Code/invalidProfile`` when unknown, or the factory's error.
    public func make(_ name: String, context: PluginContext) throws(SchedulerError) -> any Plugin {
        guard let factory = factories[name] else { throw SchedulerError(.invalidProfile, "plugin \"\(name)\" is not registered") }
        return try factory(context)
    }

    /// Every in-tree plugin plus StakeWeighted.
    public static var `default`: PluginRegistry {
        PluginRegistry([
            PluginNames.prioritySort: { _ in PrioritySort() },
            PluginNames.schedulingGates: { _ in SchedulingGates() },
            PluginNames.nodeUnschedulable: { _ in NodeUnschedulable() },
            PluginNames.nodeName: { _ in NodeNamePlugin() },
            PluginNames.taintToleration: { _ in TaintTolerationPlugin() },
            PluginNames.nodeAffinity: { c throws(SchedulerError) in try NodeAffinityPlugin(args: c.args) },
            PluginNames.nodePorts: { _ in NodePorts() },
            PluginNames.nodeResourcesFit: { c throws(SchedulerError) in try NodeResourcesFit(args: c.args) },
            PluginNames.podTopologySpread: { c throws(SchedulerError) in try PodTopologySpread(args: c.args) },
            PluginNames.interPodAffinity: { c throws(SchedulerError) in try InterPodAffinity(args: c.args) },
            PluginNames.nodeResourcesBalancedAllocation: { c throws(SchedulerError) in try NodeResourcesBalancedAllocation(args: c.args) },
            PluginNames.imageLocality: { _ in ImageLocality() },
            PluginNames.defaultPreemption: { c throws(SchedulerError) in try DefaultPreemption(args: c.args) },
            PluginNames.defaultBinder: { c in DefaultBinder(binder: c.binder) },
            PluginNames.stakeWeighted: { c throws(SchedulerError) in try StakeWeighted(args: c.args) },
            PluginNames.volumeBinding: { c in VolumeBindingPlugin(catalog: c.volumes) },
        ])
    }
}

/// The names of the built-in plugins.
public enum PluginNames {
    /// PrioritySort.
    public static let prioritySort = "PrioritySort"
    /// SchedulingGates.
    public static let schedulingGates = "SchedulingGates"
    /// NodeUnschedulable.
    public static let nodeUnschedulable = "NodeUnschedulable"
    /// NodeName.
    public static let nodeName = "NodeName"
    /// TaintToleration.
    public static let taintToleration = "TaintToleration"
    /// NodeAffinity.
    public static let nodeAffinity = "NodeAffinity"
    /// NodePorts.
    public static let nodePorts = "NodePorts"
    /// NodeResourcesFit.
    public static let nodeResourcesFit = "NodeResourcesFit"
    /// PodTopologySpread.
    public static let podTopologySpread = "PodTopologySpread"
    /// InterPodAffinity.
    public static let interPodAffinity = "InterPodAffinity"
    /// NodeResourcesBalancedAllocation.
    public static let nodeResourcesBalancedAllocation = "NodeResourcesBalancedAllocation"
    /// ImageLocality.
    public static let imageLocality = "ImageLocality"
    /// DefaultPreemption.
    public static let defaultPreemption = "DefaultPreemption"
    /// DefaultBinder.
    public static let defaultBinder = "DefaultBinder"
    /// StakeWeighted (ours; off by default).
    public static let stakeWeighted = "StakeWeighted"
    /// VolumeBinding.
    public static let volumeBinding = "VolumeBinding"
}
