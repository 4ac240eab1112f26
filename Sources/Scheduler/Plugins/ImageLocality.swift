/// Score: prefers nodes that already have the pod's images (default weight 1).
///
/// Upstream formula: each image present on the node contributes size x (nodes having it / all
/// nodes); the sum is clamped to [23 MB, 1000 MB x containers] and mapped linearly onto 0...100.
public struct ImageLocality: ScorePlugin {
    /// "ImageLocality".
    public let name = PluginNames.imageLocality
    static let mb: Int64 = 1024 * 1024
    /// 23 MB.
    public static let minThreshold: Int64 = 23 * mb
    /// 1000 MB per container.
    public static let maxContainerThreshold: Int64 = 1000 * mb
    /// The plugin.
    public init() {}

    /// The score; needs the node count, which it reads from the cycle's snapshot data.
    public func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status) {
        guard let info: ImageLocalityState = state.read(name) else { return (0, Status(.error, "ImageLocality: missing cycle state")) }
        var sum: Int64 = 0
        if !node.imageSizes.isEmpty {
            for list in [pod.pod.initContainers, pod.pod.containers] {
                for c in list {
                    let image = normalizedImageName(c.image)
                    if let size = node.imageSizes[image] {
                        let spread = Double(info.imageNodeCounts[image] ?? 0) / Double(max(info.totalNodes, 1))
                        let scaled = Double(size) * spread
                        sum = Resource.sum(sum, scaled >= 9.0e18 ? 9_000_000_000_000_000_000 : Int64(max(scaled, 0)))
                    }
                }
            }
        }
        return (ImageLocality.calculatePriority(sum, containers: pod.pod.initContainers.count + pod.pod.containers.count), .success)
    }

    /// Upstream's `calculatePriority`.
    public static func calculatePriority(_ sumScores: Int64, containers: Int) -> Int64 {
        let maxThreshold = maxContainerThreshold * Int64(max(containers, 1))
        let s = min(max(sumScores, minThreshold), maxThreshold)
        return maxNodeScore * (s - minThreshold) / (maxThreshold - minThreshold)
    }
}

struct ImageLocalityState: Sendable {
    var totalNodes: Int
    var imageNodeCounts: [String: Int]
}

extension ImageLocality: PreScorePlugin {
    /// Records the node count and image spread for Score.
    public func preScore(_ pod: PodInfo, state: inout CycleState, nodes: [NodeInfo], snapshot: Snapshot) -> Status {
        state.write(name, ImageLocalityState(totalNodes: snapshot.nodes.count, imageNodeCounts: snapshot.imageNodeCounts))
        return .success
    }
}
