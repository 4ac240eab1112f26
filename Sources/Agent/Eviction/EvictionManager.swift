import CRI
import Foundation
import KubeInformers
import KubeTypes
import Logging
import NIOHTTP1
import Synchronization

/// The node conditions under pressure now (`MemoryPressure`, `DiskPressure`), shared by the
/// ``EvictionManager`` that sets them and the node status that reports them.
final class NodePressure: Sendable {
    private let conditions = Mutex<Set<String>>([])

    var current: Set<String> { conditions.withLock { $0 } }

    func set(_ value: Set<String>) { conditions.withLock { $0 = value } }
}

/// The kubelet's eviction manager, for hard thresholds: every period it observes the node's
/// signals (memory available from /proc/meminfo, the node and image filesystems' free bytes and
/// inodes), reports the conditions whose thresholds are crossed, and while one is, evicts one
/// pod per period: BestEffort before Burstable before Guaranteed, lower priority first, newer
/// first; never a system-critical pod. An evicted pod's containers are killed at once (grace 0,
/// as for hard thresholds), and it becomes Failed with reason `Evicted` and kube's message.
final class EvictionManager: Sendable {
    let thresholds: [EvictionThreshold]
    let period: Duration
    let runtime: ContainerRuntime
    let api: APIConnection
    let events: PodEvents
    let pods: SharedInformer
    let dataDirectory: String
    let pressure: NodePressure
    let logger: Logger
    /// Pods already evicted (by uid) that the informer may still show as running.
    private let evicted = Mutex<Set<String>>([])

    /// Priorities from this one up are system-critical (`system-cluster-critical` and above).
    static let criticalPriority: Int64 = 2_000_000_000

    init(
        thresholds: [EvictionThreshold], period: Duration, runtime: ContainerRuntime, api: APIConnection, events: PodEvents, pods: SharedInformer,
        dataDirectory: String, pressure: NodePressure, logger: Logger
    ) {
        self.thresholds = thresholds
        self.period = period
        self.runtime = runtime
        self.api = api
        self.events = events
        self.pods = pods
        self.dataDirectory = dataDirectory
        self.pressure = pressure
        self.logger = logger
    }

    func run() async {
        guard !thresholds.isEmpty else { return }
        await pods.waitForSync()
        while !Task.isCancelled {
            await check()
            try? await Task.sleep(for: period)
        }
    }

    /// One round: observe, report, evict at most one pod.
    func check() async {
        let observed = await observe()
        var crossed: [(threshold: EvictionThreshold, available: Int64)] = []
        for threshold in thresholds {
            guard let signal = observed[threshold.signal] else { continue }
            if signal.available < threshold.minimum(of: signal.capacity) { crossed.append((threshold, signal.available)) }
        }
        let conditions = Set(crossed.map(\.threshold.signal.condition))
        if conditions != pressure.current {
            logger.notice("node pressure changed", metadata: ["conditions": "\(conditions.sorted())"])
            pressure.set(conditions)
        }
        let listed = pods.list()
        let done = evicted.withLock { evicted in
            // Forget pods that are gone; skip those already evicted whose Failed status is not seen yet.
            let present = Set(listed.compactMap { $0[path: ["metadata", "uid"]]?.stringValue })
            evicted.formIntersection(present)
            return evicted
        }
        let candidates = listed.filter { !done.contains($0[path: ["metadata", "uid"]]?.stringValue ?? "") }
        guard let first = crossed.first, let victim = Self.rank(candidates).first else { return }
        if let uid = victim[path: ["metadata", "uid"]]?.stringValue { _ = evicted.withLock { $0.insert(uid) } }
        await evict(victim, threshold: first.threshold, available: first.available)
    }

    /// The pods that may be evicted, in eviction order.
    static func rank(_ pods: [JSONValue]) -> [JSONValue] {
        let candidates = pods.filter { pod in
            let phase = pod[path: ["status", "phase"]]?.stringValue ?? "Pending"
            return phase != "Succeeded" && phase != "Failed" && pod[path: ["metadata", "deletionTimestamp"]] == nil
                && (pod[path: ["spec", "priority"]]?.integerValue ?? 0) < criticalPriority
        }
        func qosRank(_ pod: JSONValue) -> Int {
            switch RuntimeConfigs.qosClass(of: pod) {
            case "BestEffort": 0
            case "Burstable": 1
            default: 2
            }
        }
        return candidates.sorted { a, b in
            let left = (qosRank(a), a[path: ["spec", "priority"]]?.integerValue ?? 0)
            let right = (qosRank(b), b[path: ["spec", "priority"]]?.integerValue ?? 0)
            if left != right { return left < right }
            return (a[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "") > (b[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "")
        }
    }

    private func evict(_ pod: JSONValue, threshold: EvictionThreshold, available: Int64) async {
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        guard let uid = pod[path: ["metadata", "uid"]]?.stringValue else { return }
        let availableText = threshold.signal == .nodefsInodesFree ? "\(available)" : "\(available / 1024)Ki"
        let message = "The node was low on resource: \(threshold.signal.resource). Threshold quantity: \(threshold.text), available: \(availableText). "
        logger.notice("evicting a pod", metadata: ["pod": "\(namespace)/\(name)", "signal": "\(threshold.signal.rawValue)"])
        events.record(pod, warning: true, "Evicted", message)
        if let containers = try? await runtime.listContainers(labels: [RuntimeLabels.podUID: uid]) {
            for container in containers where container.state == .containerRunning {
                try? await runtime.stopContainer(container.id, timeout: 0)
            }
        }
        let stamp = JSONValue.string(NodeDocuments.timestamp(Date(), micro: false))
        var conditions = (pod[path: ["status", "conditions"]]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "DisruptionTarget" }
        conditions.append([
            "type": "DisruptionTarget", "status": "True", "reason": "TerminationByKubelet", "message": .string(message), "lastProbeTime": .null,
            "lastTransitionTime": stamp,
        ])
        for index in conditions.indices where ["Ready", "ContainersReady"].contains(conditions[index]["type"]?.stringValue ?? "") {
            conditions[index]["status"] = "False"
            conditions[index]["reason"] = "PodFailed"
            conditions[index]["lastTransitionTime"] = stamp
        }
        do {
            _ = try await api.send(
                .PATCH, "/api/v1/namespaces/\(namespace)/pods/\(name)/status",
                body: [
                    "metadata": ["uid": .string(uid)],
                    "status": ["phase": "Failed", "reason": "Evicted", "message": .string(message), "conditions": .array(conditions)],
                ], contentType: "application/merge-patch+json")
        } catch {
            logger.notice("cannot mark an evicted pod", metadata: ["pod": "\(namespace)/\(name)", "error": "\(error)"])
        }
    }

    /// The signals' available amounts and capacities now.
    private func observe() async -> [EvictionThreshold.Signal: (available: Int64, capacity: Int64)] {
        var observed: [EvictionThreshold.Signal: (available: Int64, capacity: Int64)] = [:]
        if let memory = NodeMachine.memory() { observed[.memoryAvailable] = memory }
        if let node = NodeMachine.filesystem(dataDirectory) {
            observed[.nodefsAvailable] = node.bytes
            observed[.nodefsInodesFree] = node.inodes
        }
        if let mountpoint = (try? await runtime.imageFilesystems())?.first?.fsID.mountpoint, let images = NodeMachine.filesystem(mountpoint) {
            observed[.imagefsAvailable] = images.bytes
        }
        return observed
    }
}
