/// A profile's plugins instantiated and ready to run (upstream's `frameworkImpl`).
///
/// A value: immutable after construction and safe to share across tasks.
public struct Framework: Sendable {
    /// The profile it was built from.
    public let profile: Profile
    /// The plugins by name (each instantiated once even when used at several points).
    public let plugins: [String: any Plugin]
    /// PreEnqueue plugins.
    public let preEnqueuePlugins: [any PreEnqueuePlugin]
    /// The QueueSort plugin.
    public let queueSortPlugin: any QueueSortPlugin
    /// PreFilter plugins.
    public let preFilterPlugins: [any PreFilterPlugin]
    /// Filter plugins.
    public let filterPlugins: [any FilterPlugin]
    /// PostFilter plugins.
    public let postFilterPlugins: [any PostFilterPlugin]
    /// PreScore plugins.
    public let preScorePlugins: [any PreScorePlugin]
    /// Score plugins with their weights.
    public let scorePlugins: [(plugin: any ScorePlugin, weight: Int64)]
    /// Reserve plugins.
    public let reservePlugins: [any ReservePlugin]
    /// Permit plugins.
    public let permitPlugins: [any PermitPlugin]
    /// PreBind plugins.
    public let preBindPlugins: [any PreBindPlugin]
    /// Bind plugins.
    public let bindPlugins: [any BindPlugin]
    /// PostBind plugins.
    public let postBindPlugins: [any PostBindPlugin]

    /// Validates `profile` and instantiates its plugins from `registry`.
    /// - Throws: ``SchedulerError`` (invalidProfile or invalidPluginArgs).
    public init(profile: Profile, registry: PluginRegistry = .default, binder: (any Binder)? = nil, volumes: (any VolumeCatalog)? = nil) throws(SchedulerError) {
        try profile.validate(registry: registry)
        var instances: [String: any Plugin] = [:]
        var problems: [String] = []
        for point in ExtensionPoint.allCases {
            for ref in profile.plugins[point] ?? [] {
                if instances[ref.name] == nil {
                    instances[ref.name] = try registry.make(ref.name, context: PluginContext(args: profile.pluginArgs[ref.name], binder: binder, volumes: volumes))
                }
                if let p = instances[ref.name], !point.accepts(p) {
                    problems.append("plugin \"\(ref.name)\" does not implement the \(point.rawValue) extension point")
                }
            }
        }
        for name in profile.pluginArgs.keys where instances[name] == nil {
            problems.append("pluginConfig for \"\(name)\" names a plugin that is not enabled")
        }
        if !problems.isEmpty {
            throw SchedulerError(.invalidProfile, "profile \"\(profile.schedulerName)\": " + problems.joined(separator: "; "))
        }
        func list<T>(_ point: ExtensionPoint, _: T.Type) -> [T] { (profile.plugins[point] ?? []).compactMap { instances[$0.name] as? T } }
        self.profile = profile
        self.plugins = instances
        self.preEnqueuePlugins = list(.preEnqueue, (any PreEnqueuePlugin).self)
        self.queueSortPlugin = list(.queueSort, (any QueueSortPlugin).self)[0]
        // Like upstream's multiPoint expansion: a Filter (Score) plugin that also implements
        // PreFilter (PreScore) gets it run even when the profile does not list it there.
        let filters = list(.filter, (any FilterPlugin).self)
        let scores = list(.score, (any ScorePlugin).self)
        var preFilters = list(.preFilter, (any PreFilterPlugin).self)
        for f in filters where !preFilters.contains(where: { $0.name == f.name }) {
            if let p = f as? any PreFilterPlugin { preFilters.append(p) }
        }
        var preScores = list(.preScore, (any PreScorePlugin).self)
        for s in scores where !preScores.contains(where: { $0.name == s.name }) {
            if let p = s as? any PreScorePlugin { preScores.append(p) }
        }
        self.preFilterPlugins = preFilters
        self.filterPlugins = filters
        self.postFilterPlugins = list(.postFilter, (any PostFilterPlugin).self)
        self.preScorePlugins = preScores
        self.scorePlugins = scores.map { ($0, Int64(profile.weight(of: $0.name))) }
        self.reservePlugins = list(.reserve, (any ReservePlugin).self)
        self.permitPlugins = list(.permit, (any PermitPlugin).self)
        self.preBindPlugins = list(.preBind, (any PreBindPlugin).self)
        self.bindPlugins = list(.bind, (any BindPlugin).self)
        self.postBindPlugins = list(.postBind, (any PostBindPlugin).self)
    }

    /// The profile's scheduler name.
    public var schedulerName: String { profile.schedulerName }

    // MARK: Running extension points

    /// Runs PreEnqueue plugins; the first non-success wins.
    public func runPreEnqueue(_ pod: Pod) -> Status {
        for p in preEnqueuePlugins {
            let s = p.preEnqueue(pod)
            if !s.isSuccess { return s.withPlugin(p.name) }
        }
        return .success
    }

    /// Runs PreFilter plugins, intersecting their node restrictions. Plugins returning Skip are
    /// recorded so their Filter does not run.
    public func runPreFilter(_ pod: PodInfo, state: inout CycleState, snapshot: Snapshot) -> (PreFilterResult?, Status) {
        var result: PreFilterResult?
        for p in preFilterPlugins {
            let (r, s) = p.preFilter(pod, state: &state, snapshot: snapshot)
            if s.code == .skip { state.skippedFilterPlugins.insert(p.name); continue }
            if !s.isSuccess { return (nil, s.withPlugin(p.name)) }
            if let names = r?.nodeNames {
                let merged = result?.nodeNames.map { $0.intersection(names) } ?? names
                result = PreFilterResult(nodeNames: merged)
                if merged.isEmpty {
                    return (result, Status(.unschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) [\(p.name)] simultaneously", plugin: p.name))
                }
            }
        }
        return (result, .success)
    }

    /// Runs Filter plugins on one node; the first rejection wins (with the plugin recorded).
    public func runFilter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        runFilter(pod, node: node, state: state, plugins: activeFilterPlugins(state))
    }

    /// The Filter plugins PreFilter did not skip this cycle (compute once per cycle).
    func activeFilterPlugins(_ state: CycleState) -> [any FilterPlugin] {
        state.skippedFilterPlugins.isEmpty ? filterPlugins : filterPlugins.filter { !state.skippedFilterPlugins.contains($0.name) }
    }

    func runFilter(_ pod: PodInfo, node: NodeInfo, state: CycleState, plugins: [any FilterPlugin]) -> Status {
        for p in plugins {
            let s = p.filter(pod, node: node, state: state)
            if !s.isSuccess { return s.withPlugin(p.name) }
        }
        return .success
    }

    /// Runs PostFilter plugins until one succeeds or returns Unschedulable-and-unresolvable.
    public func runPostFilter(_ pod: PodInfo, state: CycleState, snapshot: Snapshot, filteredStatuses: NodeStatusMap) -> (PostFilterResult?, Status) {
        var reasons: [String] = []
        for p in postFilterPlugins {
            let (r, s) = p.postFilter(pod, state: state, snapshot: snapshot, framework: self, filteredStatuses: filteredStatuses)
            if s.isSuccess { return (r, s.withPlugin(p.name)) }
            if s.code == .unschedulableAndUnresolvable || s.code == .error { return (r, s.withPlugin(p.name)) }
            reasons.append(contentsOf: s.reasons)
        }
        return (nil, Status(.unschedulable, reasons: reasons))
    }

    /// Runs PreScore plugins; Skip excludes the plugin's Score for the cycle.
    public func runPreScore(_ pod: PodInfo, state: inout CycleState, nodes: [NodeInfo], snapshot: Snapshot) -> Status {
        for p in preScorePlugins {
            let s = p.preScore(pod, state: &state, nodes: nodes, snapshot: snapshot)
            if s.code == .skip { state.skippedScorePlugins.insert(p.name); continue }
            if !s.isSuccess { return s.withPlugin(p.name) }
        }
        return .success
    }

    /// Runs Score and NormalizeScore for every plugin over `nodes`, returning per plugin the
    /// normalised (unweighted) scores in node order. Errors and out-of-range scores fail.
    public func runScore(_ pod: PodInfo, state: CycleState, nodes: [NodeInfo]) -> ([String: [NodeScore]], Status) {
        var byPlugin: [String: [NodeScore]] = [:]
        for (p, _) in scorePlugins where !state.skippedScorePlugins.contains(p.name) {
            var scores: [NodeScore] = []
            scores.reserveCapacity(nodes.count)
            for n in nodes {
                let (v, s) = p.score(pod, node: n, state: state)
                if !s.isSuccess { return ([:], s.withPlugin(p.name)) }
                scores.append(NodeScore(name: n.name, score: v))
            }
            let s = p.normalizeScores(pod, scores: &scores, state: state)
            if !s.isSuccess { return ([:], s.withPlugin(p.name)) }
            for sc in scores where sc.score < minNodeScore || sc.score > maxNodeScore {
                return ([:], Status(.error, "plugin \(p.name) returns an invalid score \(sc.score), it should in the range of [\(minNodeScore), \(maxNodeScore)] after normalizing", plugin: p.name))
            }
            byPlugin[p.name] = scores
        }
        return (byPlugin, .success)
    }

    /// The weight of score plugin `name` (0 if it is not a score plugin here).
    public func weight(of name: String) -> Int64 { scorePlugins.first { $0.plugin.name == name }?.weight ?? 0 }

    /// Runs Reserve plugins; on failure, runs Unreserve for all of them (in reverse) and returns it.
    public func runReserve(_ pod: Pod, nodeName: String, state: inout CycleState) -> Status {
        for p in reservePlugins {
            let s = p.reserve(pod, nodeName: nodeName, state: &state)
            if !s.isSuccess {
                runUnreserve(pod, nodeName: nodeName, state: state)
                return s.withPlugin(p.name)
            }
        }
        return .success
    }

    /// Runs Unreserve in reverse order.
    public func runUnreserve(_ pod: Pod, nodeName: String, state: CycleState) {
        for p in reservePlugins.reversed() { p.unreserve(pod, nodeName: nodeName, state: state) }
    }

    /// Runs Permit plugins: any deny wins; otherwise the longest wait among waiting plugins, with
    /// the names of the plugins that asked to wait.
    public func runPermit(_ pod: Pod, nodeName: String, state: CycleState) -> (Status, wait: Duration?, waitingFor: Set<String>) {
        var wait: Duration?
        var waiting: Set<String> = []
        for p in permitPlugins {
            switch p.permit(pod, nodeName: nodeName, state: state) {
            case .approve: continue
            case .deny(let s): return (s.withPlugin(p.name), nil, [])
            case .wait(let t):
                waiting.insert(p.name)
                wait = max(wait ?? .zero, t)
            }
        }
        return wait == nil ? (.success, nil, []) : (Status(.wait), wait, waiting)
    }

    /// Runs PreBind plugins; the first failure wins.
    public func runPreBind(_ pod: Pod, nodeName: String, state: CycleState) async -> Status {
        for p in preBindPlugins {
            let s = await p.preBind(pod, nodeName: nodeName, state: state)
            if !s.isSuccess { return s.withPlugin(p.name) }
        }
        return .success
    }

    /// Runs Bind plugins until one does not skip.
    public func runBind(_ pod: Pod, nodeName: String, state: CycleState) async -> Status {
        for p in bindPlugins {
            let s = await p.bind(pod, nodeName: nodeName, state: state)
            if s.code == .skip { continue }
            return s.withPlugin(p.name)
        }
        return Status(.skip, "all bind plugins skipped")
    }

    /// Runs PostBind plugins.
    public func runPostBind(_ pod: Pod, nodeName: String, state: CycleState) async {
        for p in postBindPlugins { await p.postBind(pod, nodeName: nodeName, state: state) }
    }

    /// The events each plugin's rejection can be resolved by (for the queue).
    public var requeueEvents: [String: Set<ClusterEventKind>] {
        var m: [String: Set<ClusterEventKind>] = [:]
        for (name, p) in plugins {
            if let e = p as? any EnqueueExtensions { m[name] = e.requeueEvents }
        }
        return m
    }
}
