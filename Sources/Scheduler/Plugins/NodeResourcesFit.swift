/// How NodeResourcesFit scores nodes.
public enum ScoringStrategy: Sendable, Hashable {
    /// Prefer nodes with the most free resources (the default).
    case leastAllocated
    /// Prefer the fullest nodes (bin packing).
    case mostAllocated
    /// Score by a piecewise-linear function of utilisation (shape points: utilisation 0...100 to
    /// score 0...10, scaled by 10 as upstream).
    case requestedToCapacityRatio(shape: [UtilizationShapePoint])
}

/// A point of the RequestedToCapacityRatio shape.
public struct UtilizationShapePoint: Sendable, Hashable {
    /// Utilisation, 0...100.
    public var utilization: Int32
    /// Score, 0...10.
    public var score: Int32
    /// A point.
    public init(utilization: Int32, score: Int32) {
        self.utilization = utilization
        self.score = score
    }
}

/// A resource and its weight in scoring.
public struct ResourceSpec: Sendable, Hashable {
    /// The resource name.
    public var name: ResourceName
    /// Its weight (1...100).
    public var weight: Int64
    /// A spec.
    public init(name: ResourceName, weight: Int64) {
        self.name = name
        self.weight = weight
    }
}

/// PreFilter, Filter and Score on resource requests (default weight 1).
///
/// Filter: the pod's requests (containers summed, init containers as a floor, plus overhead)
/// must fit the node's allocatable minus what its pods request, for CPU, memory, ephemeral
/// storage and extended resources, and the pod count must stay within `pods`. Score:
/// LeastAllocated (default), MostAllocated or RequestedToCapacityRatio over the configured
/// resources (default cpu and memory, weight 1 each), with unset requests counted as 100m / 200 MB.
public struct NodeResourcesFit: PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
    /// "NodeResourcesFit".
    public let name = PluginNames.nodeResourcesFit
    /// The scoring strategy.
    public let strategy: ScoringStrategy
    /// The resources scored, with weights.
    public let resources: [ResourceSpec]
    /// Resources the filter ignores.
    public let ignoredResources: Set<String>
    /// Extended-resource groups (the part before "/") the filter ignores.
    public let ignoredResourceGroups: Set<String>
    private let shape: [(utilization: Int64, score: Int64)]

    /// The plugin with explicit settings.
    public init(
        strategy: ScoringStrategy = .leastAllocated, resources: [ResourceSpec] = NodeResourcesFit.defaultResources,
        ignoredResources: Set<String> = [], ignoredResourceGroups: Set<String> = []
    ) {
        self.strategy = strategy
        self.resources = resources
        self.ignoredResources = ignoredResources
        self.ignoredResourceGroups = ignoredResourceGroups
        if case .requestedToCapacityRatio(let points) = strategy {
            shape = points.map { (Int64($0.utilization), Int64($0.score) * (maxNodeScore / 10)) }
        } else {
            shape = []
        }
    }

    /// cpu and memory, weight 1 each.
    public static let defaultResources = [ResourceSpec(name: ResourceNames.cpu, weight: 1), ResourceSpec(name: ResourceNames.memory, weight: 1)]

    /// The plugin from configuration args (`scoringStrategy: {type, resources, requestedToCapacityRatio: {shape}}`,
    /// `ignoredResources`, `ignoredResourceGroups`).
    public init(args: PluginArgs?) throws(SchedulerError) {
        guard let args else { self.init(); return }
        let strategyArgs = args["scoringStrategy"]
        let type = strategyArgs?["type"]?.string ?? "LeastAllocated"
        let resources = try parseResourceSpecs(strategyArgs?["resources"], plugin: "NodeResourcesFit") ?? NodeResourcesFit.defaultResources
        let ignored = Set((args["ignoredResources"]?.list ?? []).compactMap(\.string))
        let groups = Set((args["ignoredResourceGroups"]?.list ?? []).compactMap(\.string))
        for g in groups where g.contains("/") {
            throw SchedulerError(.invalidPluginArgs, "NodeResourcesFit: ignoredResourceGroups entry \"\(g)\" must not contain \"/\"")
        }
        switch type {
        case "LeastAllocated": self.init(strategy: .leastAllocated, resources: resources, ignoredResources: ignored, ignoredResourceGroups: groups)
        case "MostAllocated": self.init(strategy: .mostAllocated, resources: resources, ignoredResources: ignored, ignoredResourceGroups: groups)
        case "RequestedToCapacityRatio":
            let points = try parseShape(strategyArgs?["requestedToCapacityRatio"]?["shape"])
            self.init(strategy: .requestedToCapacityRatio(shape: points), resources: resources, ignoredResources: ignored, ignoredResourceGroups: groups)
        default:
            throw SchedulerError(.invalidPluginArgs, "NodeResourcesFit: scoringStrategy.type \"\(type)\" is not one of LeastAllocated, MostAllocated, RequestedToCapacityRatio")
        }
    }

    /// Nothing to precompute (requests are derived once per pod in ``PodInfo``).
    public func preFilter(_ pod: PodInfo, state: inout CycleState, snapshot: Snapshot) -> (PreFilterResult?, Status) { (nil, .success) }

    /// Unschedulable with every insufficient resource ("Insufficient cpu", "Too many pods", ...).
    public func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        let reasons = insufficientResources(pod, node)
        return reasons.isEmpty ? .success : Status(.unschedulable, reasons: reasons)
    }

    /// The reasons the pod does not fit `node`, in upstream's order.
    public func insufficientResources(_ pod: PodInfo, _ node: NodeInfo) -> [String] {
        var reasons: [String] = []
        let allowed = node.allocatable.allowedPodNumber
        if allowed > 0 && Int64(node.pods.count) + 1 > allowed { reasons.append("Too many pods") }
        let r = pod.requests
        let free = node.allocatable, used = node.requested
        if r.milliCPU > 0 && r.milliCPU > Resource.difference(free.milliCPU, used.milliCPU) && !ignoredResources.contains(ResourceNames.cpu) {
            reasons.append("Insufficient cpu")
        }
        if r.memory > 0 && r.memory > Resource.difference(free.memory, used.memory) && !ignoredResources.contains(ResourceNames.memory) {
            reasons.append("Insufficient memory")
        }
        if r.ephemeralStorage > 0 && r.ephemeralStorage > Resource.difference(free.ephemeralStorage, used.ephemeralStorage) {
            reasons.append("Insufficient ephemeral-storage")
        }
        for (name, amount) in r.scalar.sorted(by: { $0.key < $1.key }) where amount > 0 && !ignoredResources.contains(name) {
            if let slash = name.firstIndex(of: "/"), ignoredResourceGroups.contains(String(name[..<slash])) { continue }
            if amount > Resource.difference(free.scalar[name] ?? 0, used.scalar[name] ?? 0) { reasons.append("Insufficient \(name)") }
        }
        return reasons
    }

    /// Nothing to precompute.
    public func preScore(_ pod: PodInfo, state: inout CycleState, nodes: [NodeInfo], snapshot: Snapshot) -> Status { .success }

    /// The strategy's score.
    public func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status) {
        var nodeScore: Int64 = 0, weightSum: Int64 = 0
        for spec in resources {
            let (requested, allocatable) = requestedAndAllocatable(spec.name, pod, node, nonZero: true)
            if allocatable == 0 { continue }
            switch strategy {
            case .leastAllocated:
                let s = requested > allocatable ? 0 : Resource.scaled(Resource.difference(allocatable, requested), by: maxNodeScore, over: allocatable)
                nodeScore += s * spec.weight
                weightSum += spec.weight
            case .mostAllocated:
                let s = Resource.scaled(min(requested, allocatable), by: maxNodeScore, over: allocatable)
                nodeScore += s * spec.weight
                weightSum += spec.weight
            case .requestedToCapacityRatio:
                let utilization = requested > allocatable ? 100 : Resource.scaled(requested, by: 100, over: allocatable)
                let s = brokenLinear(utilization)
                if s > 0 {
                    nodeScore += s * spec.weight
                    weightSum += spec.weight
                }
            }
        }
        if weightSum == 0 { return (0, .success) }
        if case .requestedToCapacityRatio = strategy {
            return (Int64((Double(nodeScore) / Double(weightSum)).rounded()), .success)
        }
        return (nodeScore / weightSum, .success)
    }

    /// Upstream's `BuildBrokenLinearFunction` over the (scaled) shape.
    func brokenLinear(_ p: Int64) -> Int64 {
        for i in shape.indices where p <= shape[i].utilization {
            if i == 0 { return shape[0].score }
            let (u0, s0) = shape[i - 1], (u1, s1) = shape[i]
            return s0 + (s1 - s0) * (p - u0) / (u1 - u0)
        }
        return shape.last?.score ?? 0
    }

    /// Node changes and pod deletions can free resources.
    public var requeueEvents: Set<ClusterEventKind> {
        [ClusterEventKind(.pod, .delete), ClusterEventKind(.node, .add), ClusterEventKind(.node, .update)]
    }
}

/// The node's requested amount of `name` including the pod's, and its allocatable amount.
/// With `nonZero`, unset CPU/memory requests count as 100m / 200 MB (scoring), as upstream.
func requestedAndAllocatable(_ name: ResourceName, _ pod: PodInfo, _ node: NodeInfo, nonZero: Bool) -> (Int64, Int64) {
    switch name {
    case ResourceNames.cpu:
        let r = nonZero ? Resource.sum(node.nonZeroRequested.milliCPU, pod.nonZeroRequests.milliCPU) : Resource.sum(node.requested.milliCPU, pod.requests.milliCPU)
        return (r, node.allocatable.milliCPU)
    case ResourceNames.memory:
        let r = nonZero ? Resource.sum(node.nonZeroRequested.memory, pod.nonZeroRequests.memory) : Resource.sum(node.requested.memory, pod.requests.memory)
        return (r, node.allocatable.memory)
    default:
        return (Resource.sum(node.requested[name], pod.requests[name]), node.allocatable[name])
    }
}

func parseResourceSpecs(_ value: PluginArgs?, plugin: String) throws(SchedulerError) -> [ResourceSpec]? {
    guard let value else { return nil }
    guard let list = value.list else { throw SchedulerError(.invalidPluginArgs, "\(plugin): resources must be a list") }
    var specs: [ResourceSpec] = []
    for item in list {
        guard let name = item["name"]?.string, !name.isEmpty else { throw SchedulerError(.invalidPluginArgs, "\(plugin): every resource needs a name") }
        let weight = item["weight"]?.int ?? 1
        guard (1...100).contains(weight) else {
            throw SchedulerError(.invalidPluginArgs, "\(plugin): resource \"\(name)\" weight \(weight) is not in 1...100")
        }
        specs.append(ResourceSpec(name: name, weight: weight))
    }
    return specs
}

func parseShape(_ value: PluginArgs?) throws(SchedulerError) -> [UtilizationShapePoint] {
    guard let list = value?.list, !list.isEmpty else {
        throw SchedulerError(.invalidPluginArgs, "NodeResourcesFit: requestedToCapacityRatio.shape is required and must not be empty")
    }
    var points: [UtilizationShapePoint] = []
    for item in list {
        guard let u = item["utilization"]?.int, let s = item["score"]?.int else {
            throw SchedulerError(.invalidPluginArgs, "NodeResourcesFit: every shape point needs utilization and score")
        }
        guard (0...100).contains(u) else { throw SchedulerError(.invalidPluginArgs, "NodeResourcesFit: shape utilization \(u) is not in 0...100") }
        guard (0...10).contains(s) else { throw SchedulerError(.invalidPluginArgs, "NodeResourcesFit: shape score \(s) is not in 0...10") }
        if let last = points.last, Int64(last.utilization) >= u {
            throw SchedulerError(.invalidPluginArgs, "NodeResourcesFit: shape utilization values must be strictly increasing")
        }
        points.append(UtilizationShapePoint(utilization: Int32(u), score: Int32(s)))
    }
    return points
}
