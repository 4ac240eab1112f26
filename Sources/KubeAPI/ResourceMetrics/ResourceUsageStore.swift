public import Foundation
import Synchronization

/// The latest resource usage of each node and of the pods on it, kept in memory as
/// metrics-server keeps it: built from the stats summaries node agents send, CPU as the rate
/// between two consecutive summaries (cumulative core-nanoseconds over elapsed time) and memory
/// as the latest working set. Nothing here is stored: a master that restarts has metrics again
/// after two reports.
///
/// A report older than ``staleAfter`` is no longer served. Pod usage is served only for pods the
/// reporting node runs: the caller checks the pod's `spec.nodeName` and uid against ``PodSample``.
public final class ResourceUsageStore: Sendable {
    /// CPU in nanocores and memory in bytes.
    public struct Usage: Sendable, Hashable {
        public var cpuNanoCores: Int64
        public var memoryBytes: Int64
        public init(cpuNanoCores: Int64, memoryBytes: Int64) {
            self.cpuNanoCores = cpuNanoCores
            self.memoryBytes = memoryBytes
        }
    }

    /// One node's usage: when it was measured and over how long (the CPU rate's window).
    public struct NodeSample: Sendable, Hashable {
        public var timestamp: Date
        public var window: TimeInterval
        public var usage: Usage
        /// Network bytes per second received and sent (nil until two reports carried network stats).
        public var networkRxBytesPerSecond: Int64?
        public var networkTxBytesPerSecond: Int64?
        /// The node filesystem, as last reported.
        public var fileSystem: StatsSummary.FileSystem?
        /// The memory left, as last reported.
        public var memoryAvailableBytes: Int64?
    }

    /// One pod's usage per container, and the node that reported it.
    public struct PodSample: Sendable, Hashable {
        public var node: String
        public var uid: String
        public var timestamp: Date
        public var window: TimeInterval
        public var containers: [(name: String, usage: Usage)]

        public static func == (lhs: PodSample, rhs: PodSample) -> Bool {
            lhs.node == rhs.node && lhs.uid == rhs.uid && lhs.timestamp == rhs.timestamp && lhs.window == rhs.window
                && lhs.containers.elementsEqual(rhs.containers) { $0.name == $1.name && $0.usage == $1.usage }
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(node)
            hasher.combine(uid)
            hasher.combine(timestamp)
        }

        /// The sum of the containers' usage.
        public var total: Usage {
            containers.reduce(Usage(cpuNanoCores: 0, memoryBytes: 0)) {
                Usage(cpuNanoCores: $0.cpuNanoCores &+ $1.usage.cpuNanoCores, memoryBytes: $0.memoryBytes &+ $1.usage.memoryBytes)
            }
        }
    }

    /// A pod's namespace and name.
    public struct PodKey: Sendable, Hashable {
        public var namespace: String
        public var name: String
        public init(namespace: String, name: String) {
            self.namespace = namespace
            self.name = name
        }
    }

    private struct NodeState {
        var last: StatsSummary
        var received: Date
        var node: NodeSample?
        var pods: [PodKey: PodSample]
    }

    /// How long a report is served after it arrives. Default 2 minutes.
    public let staleAfter: TimeInterval
    /// Most nodes kept (reports of further nodes are dropped until stale ones go). Default 20,000.
    public let maxNodes: Int
    private let state = Mutex<[String: NodeState]>([:])

    /// An empty store.
    public init(staleAfter: TimeInterval = 120, maxNodes: Int = 20_000) {
        self.staleAfter = staleAfter
        self.maxNodes = maxNodes
    }

    /// Records `summary` (already checked against the reporting node) and derives rates from the
    /// node's previous summary. Returns false when the store is full.
    @discardableResult
    public func record(_ summary: StatsSummary, now: Date = Date()) -> Bool {
        state.withLock { nodes in
            if nodes[summary.nodeName] == nil, nodes.count >= maxNodes {
                nodes = nodes.filter { now.timeIntervalSince($0.value.received) <= staleAfter }
                guard nodes.count < maxNodes else { return false }
            }
            let previous = nodes[summary.nodeName]?.last
            // A report no newer than the last (a replay, or one shared back by another master) changes nothing.
            if let previous, summary.cpu.time <= previous.cpu.time { return true }
            var entry = NodeState(last: summary, received: now, node: nil, pods: [:])
            if let previous {
                entry.node = Self.nodeSample(summary, previous: previous)
                var earlier: [String: [String: StatsSummary.CPU]] = [:]
                for pod in previous.pods {
                    earlier[pod.uid] = Dictionary(pod.containers.map { ($0.name, $0.cpu) }, uniquingKeysWith: { first, _ in first })
                }
                for pod in summary.pods {
                    guard let before = earlier[pod.uid] else { continue }
                    var containers: [(name: String, usage: Usage)] = []
                    var timestamp = Date.distantPast
                    var window = 0.0
                    // As metrics-server: a pod counts only when every container has two readings.
                    for container in pod.containers {
                        guard let cpu = before[container.name], let rate = Self.rate(container.cpu, since: cpu) else {
                            containers = []
                            break
                        }
                        containers.append((container.name, Usage(cpuNanoCores: rate.nanoCores, memoryBytes: container.memory.workingSetBytes)))
                        timestamp = max(timestamp, container.cpu.time)
                        window = max(window, rate.window)
                    }
                    guard !containers.isEmpty else { continue }
                    entry.pods[PodKey(namespace: pod.namespace, name: pod.name)] = PodSample(
                        node: summary.nodeName, uid: pod.uid, timestamp: timestamp, window: window, containers: containers)
                }
            }
            nodes[summary.nodeName] = entry
            return true
        }
    }

    /// The usage of `node`, nil when it has not reported twice or its report is stale.
    public func node(_ name: String, now: Date = Date()) -> NodeSample? {
        state.withLock { nodes in
            guard let entry = nodes[name], now.timeIntervalSince(entry.received) <= staleAfter else { return nil }
            return entry.node
        }
    }

    /// Every node's usage that is current.
    public func nodes(now: Date = Date()) -> [String: NodeSample] {
        state.withLock { nodes in
            var result: [String: NodeSample] = [:]
            for (name, entry) in nodes where now.timeIntervalSince(entry.received) <= staleAfter {
                if let sample = entry.node { result[name] = sample }
            }
            return result
        }
    }

    /// Every pod's usage that is current, by namespace and name (a pod reported by two nodes keeps
    /// the newer report; the caller still checks it against the pod's node and uid).
    public func pods(now: Date = Date()) -> [PodKey: PodSample] {
        state.withLock { nodes in
            var result: [PodKey: PodSample] = [:]
            for entry in nodes.values where now.timeIntervalSince(entry.received) <= staleAfter {
                for (key, sample) in entry.pods where (result[key]?.timestamp ?? .distantPast) < sample.timestamp {
                    result[key] = sample
                }
            }
            return result
        }
    }

    /// The current usage of `pod`, from the report of the pod's own node (`spec.nodeName`) and
    /// only for this pod (same uid), not an earlier one of the same name; nil otherwise.
    public func sample(of pod: JSONValue, now: Date = Date()) -> PodSample? {
        guard let node = pod[path: ["spec", "nodeName"]]?.stringValue, let name = pod[path: ["metadata", "name"]]?.stringValue,
            let namespace = pod[path: ["metadata", "namespace"]]?.stringValue
        else { return nil }
        return state.withLock { nodes in
            guard let entry = nodes[node], now.timeIntervalSince(entry.received) <= staleAfter,
                let sample = entry.pods[PodKey(namespace: namespace, name: name)], sample.uid == pod[path: ["metadata", "uid"]]?.stringValue
            else { return nil }
            return sample
        }
    }

    private static func nodeSample(_ summary: StatsSummary, previous: StatsSummary) -> NodeSample? {
        guard let cpu = rate(summary.cpu, since: previous.cpu) else { return nil }
        var sample = NodeSample(
            timestamp: summary.cpu.time, window: cpu.window, usage: Usage(cpuNanoCores: cpu.nanoCores, memoryBytes: summary.memory.workingSetBytes),
            fileSystem: summary.fileSystem, memoryAvailableBytes: summary.memory.availableBytes)
        if let now = summary.network, let before = previous.network {
            let seconds = (now.time.timeIntervalSince(before.time) * 1e6).rounded() / 1e6
            if seconds > 0, now.rxBytes >= before.rxBytes, now.txBytes >= before.txBytes {
                sample.networkRxBytesPerSecond = Int64(clamping: Int64(Double(now.rxBytes - before.rxBytes) / seconds))
                sample.networkTxBytesPerSecond = Int64(clamping: Int64(Double(now.txBytes - before.txBytes) / seconds))
            }
        }
        return sample
    }

    /// The CPU rate between two cumulative readings: nil when time did not advance (or went
    /// back more than an hour apart) or the counter went backwards (a restarted container).
    static func rate(_ now: StatsSummary.CPU, since before: StatsSummary.CPU) -> (nanoCores: Int64, window: TimeInterval)? {
        // To the microsecond: reports carry at most that precision, and a rate over exact
        // intervals then comes out exact.
        let seconds = (now.time.timeIntervalSince(before.time) * 1e6).rounded() / 1e6
        guard seconds > 0.001, seconds <= 3600, now.usageCoreNanoSeconds >= before.usageCoreNanoSeconds else { return nil }
        let nanoCores = Double(now.usageCoreNanoSeconds - before.usageCoreNanoSeconds) / seconds
        guard nanoCores.isFinite, nanoCores < 1e15 else { return nil }
        return (Int64(nanoCores), seconds)
    }
}
