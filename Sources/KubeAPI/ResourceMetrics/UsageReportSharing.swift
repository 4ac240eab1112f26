public import EncStore
import Foundation
public import KubeTypes
public import Logging
public import ServiceLifecycle

/// Usage reports shared by masters that share a store (several masters on one etcd): a node sends
/// its summary to whichever master its load balancer reaches, so each master also writes the
/// summaries it receives under `/daas/usage/<node>` (sealed like every value) and records those
/// the others write. Every master then serves the same `metrics.k8s.io` answers, and the
/// autoscaler on the lease holder sees every node.
///
/// As a `Service` it lists what is there (reports older than the usage store's staleness bound
/// are skipped), then follows the prefix until graceful shutdown, listing again after an error.
public struct UsageReportSharing: Service {
    /// Where the reports are kept, one key per node.
    public static let prefix = "/daas/usage/"

    let store: any KeyValueStore
    let usage: ResourceUsageStore
    let logger: Logger

    /// Shares the reports of `usage` through `store`.
    public init(store: any KeyValueStore, usage: ResourceUsageStore, logger: Logger) {
        self.store = store
        self.usage = usage
        self.logger = logger
    }

    /// Writes a report this master received for the others.
    func publish(_ summary: StatsSummary) async {
        do {
            _ = try await store.put(Self.prefix + summary.nodeName, value: summary.json.serialized())
        } catch {
            logger.notice("sharing a usage report failed", metadata: ["node": "\(summary.nodeName)", "error": "\(error)"])
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let listed = try await store.range(prefix: Self.prefix)
                    for kv in listed.kvs { record(kv.value) }
                    for try await event in try await store.watch(prefix: Self.prefix, fromRevision: listed.revision + 1) where event.kind == .put {
                        record(event.kv.value)
                    }
                } catch {
                    guard !Task.isCancelled else { return }
                    logger.debug("following shared usage reports failed; listing again", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Records a shared report: bounded and checked as the endpoint checks one, and current.
    private func record(_ bytes: [UInt8]) {
        guard bytes.count <= StatsSummaryEndpoint.maxBytes, let json = try? JSONParser(maxDepth: 16).parse(bytes),
            let summary = try? StatsSummary(json: json), Date().timeIntervalSince(summary.cpu.time) <= usage.staleAfter
        else { return }
        usage.record(summary)
    }
}
