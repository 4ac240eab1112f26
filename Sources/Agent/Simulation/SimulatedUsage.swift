public import Foundation
public import KubeTypes
import Synchronization

/// Synthetic resource usage of simulated nodes, so `kubectl top` and the autoscaler have numbers
/// to read: each running simulated container uses, steadily, the CPU and memory its pod's
/// annotations ask for (`daas.io/simulated-cpu`, `daas.io/simulated-memory`, quantities applied to
/// every container), else its requests, else 1m and 8Mi; a node adds 50m and 256Mi of its own.
/// ``PodSimulator`` reports pods starting and stopping; node agents read ``summary(node:now:)``.
public final class SimulatedUsage: Sendable {
    /// The annotations that set a simulated pod's usage.
    public static let cpuAnnotation = "daas.io/simulated-cpu"
    public static let memoryAnnotation = "daas.io/simulated-memory"

    struct Container {
        var name: String
        var nanoCores: Int64
        var memoryBytes: Int64
    }

    struct Pod {
        var namespace: String
        var name: String
        var uid: String
        var started: Date
        var containers: [Container]
    }

    struct Node {
        var pods: [String: Pod] = [:]
        /// Busy core-nanoseconds up to `accountedUntil`.
        var accumulated: Int64 = 0
        var accountedUntil: Date?
    }

    static let nodeBaseNanoCores: Int64 = 50_000_000
    static let nodeBaseMemory: Int64 = 256 << 20
    private let nodes = Mutex<[String: Node]>([:])

    public init() {}

    /// Records that `pod` (a Pod object) runs on `node` from now on.
    func started(_ pod: JSONValue, node: String, now: Date = Date()) {
        guard let uid = pod[path: ["metadata", "uid"]]?.stringValue, let name = pod[path: ["metadata", "name"]]?.stringValue,
            let namespace = pod[path: ["metadata", "namespace"]]?.stringValue
        else { return }
        let annotations = pod[path: ["metadata", "annotations"]]
        let cpuOverride = annotations?[Self.cpuAnnotation]?.stringValue.flatMap { Quantity($0) }
        let memoryOverride = annotations?[Self.memoryAnnotation]?.stringValue.flatMap { Quantity($0) }
        let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).prefix(StatsSummary.maxContainersPerPod).map { container in
            let requests = container[path: ["resources", "requests"]]
            let cpu = cpuOverride ?? requests?["cpu"]?.stringValue.flatMap { Quantity($0) } ?? Quantity(milli: 1)
            let memory = memoryOverride ?? requests?["memory"]?.stringValue.flatMap { Quantity($0) } ?? Quantity(units: 8 << 20)
            let (nanoCores, overflow) = max(cpu.milliValue, 0).multipliedReportingOverflow(by: 1_000_000)
            return Container(name: container["name"]?.stringValue ?? "", nanoCores: overflow ? Int64.max / 4 : nanoCores, memoryBytes: max(memory.value, 0))
        }
        nodes.withLock { nodes in
            Self.account(&nodes[node, default: Node()], until: now)
            nodes[node]?.pods[uid] = Pod(namespace: namespace, name: name, uid: uid, started: now, containers: Array(containers))
        }
    }

    /// Records that the pod `uid` stopped running on `node`.
    func stopped(uid: String, node: String, now: Date = Date()) {
        nodes.withLock { nodes in
            guard nodes[node] != nil else { return }
            Self.account(&nodes[node]!, until: now)
            nodes[node]?.pods[uid] = nil
        }
    }

    /// The node's summary now: its steady usage, each pod's containers with CPU time accumulated
    /// since they started.
    public func summary(node name: String, now: Date = Date()) -> StatsSummary {
        // Whole milliseconds, as the summary's times are written: the rates derived from two
        // summaries are then exactly the steady ones.
        let now = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        return nodes.withLock { nodes in
            Self.account(&nodes[name, default: Node()], until: now)
            let node = nodes[name]!
            var memory = Self.nodeBaseMemory
            var pods: [StatsSummary.Pod] = []
            for pod in node.pods.values.sorted(by: { ($0.namespace, $0.name) < ($1.namespace, $1.name) }).prefix(StatsSummary.maxPods) {
                let elapsed = max(0, Self.milliseconds(now) - Self.milliseconds(pod.started))
                let containers = pod.containers.map { container in
                    memory = memory.addingReportingOverflow(container.memoryBytes).overflow ? memory : memory + container.memoryBytes
                    return StatsSummary.Container(
                        name: container.name, cpu: .init(time: now, usageCoreNanoSeconds: Self.busy(container.nanoCores, milliseconds: elapsed)),
                        memory: .init(time: now, workingSetBytes: container.memoryBytes))
                }
                pods.append(StatsSummary.Pod(namespace: pod.namespace, name: pod.name, uid: pod.uid, containers: containers))
            }
            let capacity: Int64 = 100 << 30
            return StatsSummary(
                nodeName: name, cpu: .init(time: now, usageCoreNanoSeconds: node.accumulated),
                memory: .init(time: now, workingSetBytes: memory, availableBytes: max(0, 8 << 30 - memory)),
                network: .init(time: now, rxBytes: node.accumulated / 1_000, txBytes: node.accumulated / 2_000),
                fileSystem: .init(time: now, capacityBytes: capacity, availableBytes: capacity - (2 << 30), usedBytes: 2 << 30), pods: pods)
        }
    }

    /// Adds the node's busy time since it was last accounted, at its current steady rate.
    private static func account(_ node: inout Node, until now: Date) {
        defer { node.accountedUntil = now }
        guard let since = node.accountedUntil, now > since else { return }
        var rate = nodeBaseNanoCores
        for pod in node.pods.values { for container in pod.containers { rate = rate.addingReportingOverflow(container.nanoCores).overflow ? rate : rate + container.nanoCores } }
        let (sum, overflow) = node.accumulated.addingReportingOverflow(busy(rate, milliseconds: milliseconds(now) - milliseconds(since)))
        node.accumulated = overflow ? 0 : sum
    }

    /// Whole milliseconds since 1970 (integer arithmetic keeps the steady rates exact).
    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((min(max(date.timeIntervalSince1970, 0), 9e11) * 1000).rounded())
    }

    /// Core-nanoseconds used at `nanoCores` for `milliseconds` (saturating).
    private static func busy(_ nanoCores: Int64, milliseconds: Int64) -> Int64 {
        let (product, overflow) = (nanoCores / 1000).multipliedReportingOverflow(by: max(0, milliseconds))
        return overflow ? Int64.max / 2 : product
    }
}
