import Foundation
public import Logging

/// Watches node heartbeats, as kube-controller-manager's node lifecycle controller: a node whose
/// Lease has not been renewed for the grace period (default 40 s) gets its Ready condition set to
/// Unknown and the `node.kubernetes.io/unreachable` taints (NoSchedule and NoExecute); one whose
/// Ready condition is False gets the `not-ready` taints. Pods on a node with a NoExecute taint they
/// do not tolerate are evicted at once; pods that tolerate it for `tolerationSeconds` (every pod
/// gets 300 s from the DefaultTolerationSeconds admission step) are evicted when that runs out.
/// When the node heartbeats again the taints are removed. A pressure condition (MemoryPressure,
/// DiskPressure, PIDPressure) that is True adds its NoSchedule taint, as TaintNodesByCondition.
public final class NodeLifecycleController: Controller {
    public let name = "node-lifecycle-controller"
    public let queue = WorkQueue<String>(name: "node_lifecycle_controller")
    let objects: ObjectStore
    let nodes: SharedInformer
    let leases: SharedInformer
    let pods: SharedInformer
    let nodeType: ResourceType
    let podType: ResourceType
    let gracePeriod: Duration
    let events: EventRecorder
    let logger: Logger

    static let unreachable = "node.kubernetes.io/unreachable"
    static let notReady = "node.kubernetes.io/not-ready"
    /// The NoSchedule taint of each pressure condition (kube's TaintNodesByCondition).
    static let pressureTaints: [(condition: String, taint: String)] = [
        ("MemoryPressure", "node.kubernetes.io/memory-pressure"), ("DiskPressure", "node.kubernetes.io/disk-pressure"),
        ("PIDPressure", "node.kubernetes.io/pid-pressure"),
    ]

    /// A controller that calls a node unreachable after `gracePeriod` without a Lease renewal.
    public init(objects: ObjectStore, nodes: SharedInformer, leases: SharedInformer, pods: SharedInformer, gracePeriod: Duration, logger: Logger) {
        self.objects = objects
        self.nodes = nodes
        self.leases = leases
        self.pods = pods
        self.nodeType = objects.registry.lookup(group: "", version: "v1", plural: "nodes")!
        self.podType = objects.registry.lookup(group: "", version: "v1", plural: "pods")!
        self.gracePeriod = gracePeriod
        self.events = EventRecorder(objects: objects, component: "node-controller", logger: logger)
        self.logger = logger
        nodes.addHandler { [queue] event in queue.add(SharedInformer.key(of: event.object)) }
        leases.addHandler { [queue] event in
            guard event.object[path: ["metadata", "namespace"]]?.stringValue == "kube-node-lease" else { return }
            queue.add(event.object[path: ["metadata", "name"]]?.stringValue ?? "")
        }
        pods.addHandler { [queue] event in
            if case .added(let pod) = event, let node = pod[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty { queue.add(node) }
        }
    }

    static func seconds(since timestamp: JSONValue?, now: Date) -> Double? {
        guard let text = timestamp?.stringValue, let date = Self.date(text) else { return nil }
        return now.timeIntervalSince(date)
    }

    /// An RFC 3339 time with optional fraction.
    static func date(_ text: String) -> Date? { RFC3339.date(text) }

    public func reconcile(_ key: String) async throws {
        guard let node = nodes.get(key), node[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let now = Date()
        let graceSeconds = Double(gracePeriod.components.seconds) + Double(gracePeriod.components.attoseconds) / 1e18
        let lease = leases.get("kube-node-lease/" + key)
        let ready = (node[path: ["status", "conditions"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == "Ready" }
        // The last sign of life: the Lease renewal, else the Ready condition's heartbeat.
        let silence = Self.seconds(since: lease?[path: ["spec", "renewTime"]], now: now)
            ?? Self.seconds(since: ready?["lastHeartbeatTime"], now: now) ?? Self.seconds(since: node[path: ["metadata", "creationTimestamp"]], now: now) ?? 0
        var taints = node[path: ["spec", "taints"]]?.arrayValue ?? []
        let managed = [Self.unreachable, Self.notReady] + Self.pressureTaints.map(\.taint)
        let before = taints
        taints.removeAll { managed.contains($0["key"]?.stringValue ?? "") }
        let stamp = ObjectMeta.timestamp(now)
        func taint(_ key: String, _ effect: String) -> JSONValue {
            // An existing taint keeps the time it was added: eviction counts from it.
            let old = before.first { $0["key"]?.stringValue == key && $0["effect"]?.stringValue == effect }
            var value: JSONValue = ["key": .string(key), "effect": .string(effect)]
            if effect == "NoExecute" { value["timeAdded"] = old?["timeAdded"] ?? .string(stamp) }
            return value
        }
        var conditions = node[path: ["status", "conditions"]]?.arrayValue ?? []
        if silence > graceSeconds {
            taints += [taint(Self.unreachable, "NoSchedule"), taint(Self.unreachable, "NoExecute")]
            if ready?["status"]?.stringValue != "Unknown" {
                for index in conditions.indices where ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"].contains(conditions[index]["type"]?.stringValue ?? "") {
                    conditions[index]["status"] = "Unknown"
                    conditions[index]["reason"] = "NodeStatusUnknown"
                    conditions[index]["message"] = "Kubelet stopped posting node status."
                    conditions[index]["lastTransitionTime"] = .string(stamp)
                }
                _ = try await objects.mergePatch(nodeType, namespace: nil, name: key, patch: ["status": ["conditions": .array(conditions)]], subresource: "status")
                await events.record(node, reason: "NodeNotReady", message: "Node \(key) status is now: NodeNotReady")
            }
        } else if ready?["status"]?.stringValue == "False" {
            taints += [taint(Self.notReady, "NoSchedule"), taint(Self.notReady, "NoExecute")]
        }
        // TaintNodesByCondition: a pressure condition keeps new pods off the node.
        if silence <= graceSeconds {
            for (condition, key) in Self.pressureTaints
            where conditions.contains(where: { $0["type"]?.stringValue == condition && $0["status"]?.stringValue == "True" }) {
                taints.append(taint(key, "NoSchedule"))
            }
        }
        if taints != before {
            var patch: JSONValue = ["spec": ["taints": taints.isEmpty ? .null : .array(taints)]]
            patch[path: "metadata.resourceVersion"] = node[path: ["metadata", "resourceVersion"]]
            _ = try await objects.mergePatch(nodeType, namespace: nil, name: key, patch: patch)
        }
        try await evict(from: key, taints: taints, now: now)
        // Look again when the grace period would run out.
        let wait = max(1, graceSeconds - silence + 0.5)
        queue.add(key, after: .milliseconds(Int64(min(wait, graceSeconds + 1) * 1000)))
    }

    /// Evicts the pods that do not tolerate the node's NoExecute taints (or no longer do).
    private func evict(from node: String, taints: [JSONValue], now: Date) async throws {
        let noExecute = taints.filter { $0["effect"]?.stringValue == "NoExecute" }
        guard !noExecute.isEmpty else { return }
        var nextCheck: Double?
        for pod in pods.byIndex(SharedInformer.nodeNameIndex, node) where pod[path: ["metadata", "deletionTimestamp"]] == nil {
            let tolerations = pod[path: ["spec", "tolerations"]]?.arrayValue ?? []
            var deadline: Double? = .infinity
            for taint in noExecute {
                let matching = tolerations.filter { Self.tolerates($0, taint) }
                guard !matching.isEmpty else {
                    deadline = 0
                    break
                }
                // The shortest tolerationSeconds among the matching tolerations; none means forever.
                let limits = matching.compactMap { $0["tolerationSeconds"]?.integerValue }
                if let limit = limits.min() {
                    let elapsed = Self.seconds(since: taint["timeAdded"], now: now) ?? 0
                    deadline = min(deadline ?? .infinity, Double(limit) - elapsed)
                }
            }
            guard let remaining = deadline, remaining.isFinite else { continue }
            if remaining <= 0 {
                await events.record(pod, reason: "TaintManagerEviction", message: "Marking for deletion Pod \(pod[path: ["metadata", "namespace"]]?.stringValue ?? "")/\(pod[path: ["metadata", "name"]]?.stringValue ?? "")")
                _ = try? await objects.delete(
                    podType, namespace: pod[path: ["metadata", "namespace"]]?.stringValue, name: pod[path: ["metadata", "name"]]?.stringValue ?? "",
                    options: .init(uid: pod[path: ["metadata", "uid"]]?.stringValue))
            } else {
                nextCheck = min(nextCheck ?? remaining, remaining)
            }
        }
        // tolerationSeconds comes from the pod (up to Int64.max): look again within a day at most.
        if let nextCheck { queue.add(node, after: .milliseconds(Int64(min(nextCheck, 86_400) * 1000) + 100)) }
    }

    /// Whether a toleration tolerates a taint (key, operator, value, effect).
    static func tolerates(_ toleration: JSONValue, _ taint: JSONValue) -> Bool {
        if let effect = toleration["effect"]?.stringValue, !effect.isEmpty, effect != taint["effect"]?.stringValue { return false }
        let key = toleration["key"]?.stringValue ?? ""
        if !key.isEmpty, key != taint["key"]?.stringValue { return false }
        if toleration["operator"]?.stringValue == "Exists" { return true }
        guard !key.isEmpty else { return false }
        return (toleration["value"]?.stringValue ?? "") == (taint["value"]?.stringValue ?? "")
    }
}
