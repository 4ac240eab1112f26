import CRI
import Foundation
import Logging
import Synchronization

/// When the kubelet's image garbage collection runs and how much it frees.
public struct ImageGCPolicy: Sendable, Equatable {
    /// Disk usage of the image filesystem (percent) at which collection starts; 100 turns it
    /// off. Default 85, as the kubelet's `imageGCHighThresholdPercent`.
    public var highThresholdPercent = 85
    /// The usage (percent) collection frees down to. Default 80.
    public var lowThresholdPercent = 80
    /// How long an image must have been on the node before it may be removed. Default 2 minutes.
    public var minimumAge: Duration = .seconds(120)
    /// How often usage is checked. Default 5 minutes, as the kubelet.
    public var period: Duration = .seconds(300)
    /// The sandbox image, never collected (the kubelet pins `--pod-infra-container-image`).
    /// Default `registry.k8s.io/pause:3.10`, the managed containerd's.
    public var sandboxImage = "registry.k8s.io/pause:3.10"

    public init() {}

    /// The kubelet's checks: both thresholds in 0...100, low below high.
    public func validate() throws(AgentError) {
        guard (0...100).contains(highThresholdPercent), (0...100).contains(lowThresholdPercent) else {
            throw AgentError(.invalidConfiguration, "image GC thresholds must be between 0 and 100")
        }
        guard lowThresholdPercent < highThresholdPercent else {
            throw AgentError(
                .invalidConfiguration, "image GC low threshold (\(lowThresholdPercent)) must be less than the high threshold (\(highThresholdPercent))")
        }
    }
}

/// The kubelet's image garbage collector: when the image filesystem's usage reaches the high
/// threshold, it removes images no container uses (running or not), least recently used first,
/// older than the minimum age, never a pinned image or the sandbox image, until usage is at the
/// low threshold.
final class ImageGarbageCollector: Sendable {
    let runtime: ContainerRuntime
    let policy: ImageGCPolicy
    let logger: Logger
    /// When each image was first seen and last seen in use, by id.
    private let seen = Mutex<[String: (first: ContinuousClock.Instant, lastUsed: ContinuousClock.Instant)]>([:])

    init(runtime: ContainerRuntime, policy: ImageGCPolicy, logger: Logger) {
        self.runtime = runtime
        self.policy = policy
        self.logger = logger
    }

    func run() async {
        guard policy.highThresholdPercent < 100 else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: policy.period)
            do {
                let removed = try await collect()
                if !removed.isEmpty { logger.info("image garbage collection removed images", metadata: ["images": "\(removed.joined(separator: ", "))"]) }
            } catch {
                logger.notice("image garbage collection failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One round; returns the ids of the images removed.
    func collect() async throws(AgentError) -> [String] {
        let images = try await runtime.listImages()
        let inUse = Set(try await runtime.listContainers().map(\.imageRef))
        let now = ContinuousClock.now
        let times = seen.withLock { seen in
            seen = seen.filter { id, _ in images.contains { $0.id == id } }
            for image in images {
                var entry = seen[image.id] ?? (first: now, lastUsed: now)
                if inUse.contains(image.id) { entry.lastUsed = now }
                seen[image.id] = entry
            }
            return seen
        }
        guard let filesystem = try await runtime.imageFilesystems().first, let usage = NodeMachine.filesystem(filesystem.fsID.mountpoint).map({ (used: $0.bytes.capacity - $0.bytes.available, capacity: $0.bytes.capacity) }) else { return [] }
        let usedPercent = usage.capacity > 0 ? Int((usage.used * 100) / usage.capacity) : 0
        guard usedPercent >= policy.highThresholdPercent else { return [] }
        var toFree = usage.used - usage.capacity * Int64(policy.lowThresholdPercent) / 100
        let candidates = images.filter { image in
            !inUse.contains(image.id) && !image.pinned && !image.repoTags.contains(policy.sandboxImage) && (times[image.id].map { now - $0.first >= policy.minimumAge } ?? false)
        }.sorted { (times[$0.id]?.lastUsed ?? now, times[$0.id]?.first ?? now) < (times[$1.id]?.lastUsed ?? now, times[$1.id]?.first ?? now) }
        var removed: [String] = []
        for image in candidates where toFree > 0 {
            try await runtime.removeImage(image.id)
            removed.append(image.repoTags.first ?? image.id)
            toFree -= Int64(clamping: image.size)
        }
        if toFree > 0 {
            logger.notice("image garbage collection could not free enough space", metadata: ["bytesShort": "\(toFree)", "usedPercent": "\(usedPercent)"])
        }
        return removed
    }
}
