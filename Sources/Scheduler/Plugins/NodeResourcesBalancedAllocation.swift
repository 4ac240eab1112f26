/// Score: prefers nodes whose resource utilisation fractions would be balanced (default weight 1).
///
/// Upstream formula: each resource's fraction requested/allocatable (capped at 1, counting the
/// pod's actual requests); with two resources std = |f1 - f2| / 2, otherwise the population
/// standard deviation; score = (1 - std) x 100, truncated.
public struct NodeResourcesBalancedAllocation: ScorePlugin {
    /// "NodeResourcesBalancedAllocation".
    public let name = PluginNames.nodeResourcesBalancedAllocation
    /// The resources compared (default cpu and memory).
    public let resources: [ResourceSpec]

    /// The plugin; args may set `resources`.
    public init(args: PluginArgs? = nil) throws(SchedulerError) {
        resources = try parseResourceSpecs(args?["resources"], plugin: name) ?? NodeResourcesFit.defaultResources
    }

    /// (1 - std) x 100.
    public func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status) {
        var fractions: [Double] = []
        fractions.reserveCapacity(resources.count)
        var total = 0.0
        for spec in resources {
            let (requested, allocatable) = requestedAndAllocatable(spec.name, pod, node, nonZero: false)
            if allocatable == 0 { continue }
            let f = max(0, min(Double(requested) / Double(allocatable), 1))  // hostile negatives stay in 0...1
            total += f
            fractions.append(f)
        }
        var std = 0.0
        if fractions.count == 2 {
            std = abs((fractions[0] - fractions[1]) / 2)
        } else if fractions.count > 2 {
            let mean = total / Double(fractions.count)
            let sum = fractions.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) }
            std = (sum / Double(fractions.count)).squareRoot()
        }
        return (Int64((1 - std) * Double(maxNodeScore)), .success)
    }
}
