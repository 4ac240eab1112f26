/// A plugin enabled at an extension point.
public struct PluginReference: Sendable, Hashable {
    /// The plugin name.
    public var name: String
    /// The Score weight; `nil` means the plugin's default (upstream's default weights, else 1).
    /// Only meaningful at the score extension point.
    public var weight: Int32?

    /// A reference.
    public init(_ name: String, weight: Int32? = nil) {
        self.name = name
        self.weight = weight
    }
}

/// A scheduling profile: the plugins at each extension point, their arguments, and the
/// scheduler name that selects it (upstream's `KubeSchedulerProfile`).
public struct Profile: Sendable, Hashable {
    /// Pods whose `spec.schedulerName` equals this use the profile.
    public var schedulerName: String
    /// Enabled plugins per extension point, in run order.
    public var plugins: [ExtensionPoint: [PluginReference]]
    /// Plugin arguments by plugin name.
    public var pluginArgs: [String: PluginArgs]
    /// Percentage of nodes to score for this profile; `nil` or 0 uses the adaptive default.
    public var percentageOfNodesToScore: Int32?

    /// A profile.
    public init(
        schedulerName: String, plugins: [ExtensionPoint: [PluginReference]], pluginArgs: [String: PluginArgs] = [:],
        percentageOfNodesToScore: Int32? = nil
    ) {
        self.schedulerName = schedulerName
        self.plugins = plugins
        self.pluginArgs = pluginArgs
        self.percentageOfNodesToScore = percentageOfNodesToScore
    }

    /// The default profile, as upstream's v1 defaults expand it (StakeWeighted is off).
    public static func defaultProfile(schedulerName: String = defaultSchedulerName) -> Profile {
        Profile(schedulerName: schedulerName, plugins: [
            .preEnqueue: [PluginReference(PluginNames.schedulingGates)],
            .queueSort: [PluginReference(PluginNames.prioritySort)],
            .preFilter: [PluginNames.nodeAffinity, PluginNames.nodePorts, PluginNames.nodeResourcesFit, PluginNames.volumeBinding,
                         PluginNames.podTopologySpread, PluginNames.interPodAffinity].map { PluginReference($0) },
            .filter: [PluginNames.nodeUnschedulable, PluginNames.nodeName, PluginNames.taintToleration, PluginNames.nodeAffinity,
                      PluginNames.nodePorts, PluginNames.nodeResourcesFit, PluginNames.volumeBinding, PluginNames.podTopologySpread,
                      PluginNames.interPodAffinity]
                .map { PluginReference($0) },
            .postFilter: [PluginReference(PluginNames.defaultPreemption)],
            .preScore: [PluginNames.taintToleration, PluginNames.nodeAffinity, PluginNames.nodeResourcesFit, PluginNames.podTopologySpread,
                        PluginNames.interPodAffinity, PluginNames.imageLocality].map { PluginReference($0) },
            .score: [PluginNames.taintToleration, PluginNames.nodeAffinity, PluginNames.nodeResourcesFit, PluginNames.podTopologySpread,
                     PluginNames.interPodAffinity, PluginNames.nodeResourcesBalancedAllocation, PluginNames.imageLocality]
                .map { PluginReference($0) },
            .reserve: [PluginReference(PluginNames.volumeBinding)],
            .preBind: [PluginReference(PluginNames.volumeBinding)],
            .bind: [PluginReference(PluginNames.defaultBinder)],
        ])
    }

    /// Upstream's default Score weights (TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
    /// InterPodAffinity 2, NodeResourcesFit 1, NodeResourcesBalancedAllocation 1, ImageLocality 1).
    public static let defaultScoreWeights: [String: Int32] = [
        PluginNames.taintToleration: 3, PluginNames.nodeAffinity: 2, PluginNames.podTopologySpread: 2,
        PluginNames.interPodAffinity: 2, PluginNames.nodeResourcesFit: 1, PluginNames.nodeResourcesBalancedAllocation: 1,
        PluginNames.imageLocality: 1, PluginNames.stakeWeighted: 1,
    ]

    /// The effective weight of score plugin `name` in this profile.
    public func weight(of name: String) -> Int32 {
        plugins[.score]?.first { $0.name == name }?.weight ?? Profile.defaultScoreWeights[name] ?? 1
    }

    /// Checks the rules upstream enforces: a scheduler name; exactly one QueueSort plugin; at
    /// least one Bind plugin; Score weights positive (0 is rejected) and their total bounded;
    /// no plugin listed twice at one point; percentageOfNodesToScore in 0...100; and, with a
    /// registry, every plugin known and implementing the points it is listed at.
    /// - Throws: ``SchedulerError`` with code ``SchedulerError/Code/invalidProfile`` listing every problem.
    public func validate(registry: PluginRegistry? = nil) throws(SchedulerError) {
        var problems: [String] = []
        let prefix = "profile \"\(schedulerName)\""
        if schedulerName.isEmpty { problems.append("schedulerName is required") }
        let queueSort = plugins[.queueSort] ?? []
        if queueSort.count != 1 { problems.append("exactly one queueSort plugin is required, found \(queueSort.count)") }
        if (plugins[.bind] ?? []).isEmpty { problems.append("at least one bind plugin is needed") }
        var total: Int64 = 0
        for ref in plugins[.score] ?? [] {
            let w = ref.weight ?? Profile.defaultScoreWeights[ref.name] ?? 1
            if w <= 0 {
                problems.append("score plugin \"\(ref.name)\" has weight \(w); weights must be positive (disable the plugin instead)")
            }
            total += Int64(max(w, 0)) * maxNodeScore
        }
        if total > Int64(Int32.max) * maxNodeScore { problems.append("total score of Score plugins could overflow") }
        if let p = percentageOfNodesToScore, !(0...100).contains(p) {
            problems.append("percentageOfNodesToScore \(p) is not in 0...100")
        }
        for point in ExtensionPoint.allCases {
            var seen: Set<String> = []
            for ref in plugins[point] ?? [] {
                if !seen.insert(ref.name).inserted { problems.append("plugin \"\(ref.name)\" is listed twice at \(point.rawValue)") }
                if let registry {
                    if !registry.contains(ref.name) { problems.append("plugin \"\(ref.name)\" at \(point.rawValue) is not registered") }
                }
            }
        }
        if !problems.isEmpty { throw SchedulerError(.invalidProfile, "\(prefix): " + problems.joined(separator: "; ")) }
    }
}
