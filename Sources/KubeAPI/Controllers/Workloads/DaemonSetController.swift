import Foundation
public import Logging

/// Runs one pod of each DaemonSet on every eligible node, as kube-controller-manager's daemonset
/// controller: a node is eligible when it matches the pod's nodeSelector and required node
/// affinity and every NoSchedule/NoExecute taint is tolerated (daemon pods tolerate the node
/// condition taints and `unschedulable`, as upstream adds). Each pod is pinned with node
/// affinity on `metadata.name` and placed by the scheduler; pods on nodes no longer eligible,
/// and extra pods, are deleted. A RollingUpdate replaces out-of-date pods (those whose
/// `controller-revision-hash` is not the template's) at most `maxUnavailable` (default 1) at a
/// time; OnDelete replaces them only when they are deleted. Each template is kept as a
/// ControllerRevision (``ControllerHistory``: `kubectl rollout history/undo`). The status carries
/// what `kubectl rollout status` reads.
public final class DaemonSetController: Controller {
    public let name = "daemonset-controller"
    public let queue = WorkQueue<String>(name: "daemonset")
    let objects: ObjectStore
    let daemonSets: SharedInformer
    let nodes: SharedInformer
    let pods: SharedInformer
    let daemonSetType: ResourceType
    let podType: ResourceType
    let expectations = Expectations()
    let history: ControllerHistory
    let events: EventRecorder
    let logger: Logger

    static let hashLabel = "controller-revision-hash"
    /// The tolerations upstream adds to every daemon pod.
    static let tolerations: [JSONValue] = [
        ["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"],
        ["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"],
        ["key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"],
        ["key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"],
        ["key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"],
        ["key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"],
    ]

    public init(objects: ObjectStore, daemonSets: SharedInformer, nodes: SharedInformer, pods: SharedInformer, revisions: SharedInformer, logger: Logger) {
        self.objects = objects
        self.daemonSets = daemonSets
        self.nodes = nodes
        self.pods = pods
        self.daemonSetType = objects.registry.lookup(group: "apps", version: "v1", plural: "daemonsets")!
        self.podType = objects.registry.lookup(group: "", version: "v1", plural: "pods")!
        self.history = ControllerHistory(objects: objects, revisions: revisions, ownerType: daemonSetType)
        self.events = EventRecorder(objects: objects, component: "daemonset-controller", logger: logger)
        self.logger = logger
        daemonSets.addHandler { [queue, expectations] event in
            let key = SharedInformer.key(of: event.object)
            if case .deleted = event { expectations.forget(key) }
            queue.add(key)
        }
        nodes.addHandler { [weak self] _ in
            guard let self else { return }
            for set in self.daemonSets.list() { self.queue.add(SharedInformer.key(of: set)) }
        }
        pods.addHandler { [queue, expectations] event in
            guard let ref = ReplicaSetController.controllerRef(event.object, kind: "DaemonSet"), let name = ref["name"]?.stringValue else { return }
            let key = (event.object[path: ["metadata", "namespace"]]?.stringValue ?? "") + "/" + name
            if case .added = event { expectations.observedAdd(key) }
            if case .deleted = event { expectations.observedDelete(key) }
            queue.add(key)
        }
    }

    /// The node a daemon pod is for: its nodeName, or the node its affinity pins it to.
    static func targetNode(_ pod: JSONValue) -> String? {
        if let node = pod[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty { return node }
        let terms = pod[path: ["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]]?.arrayValue ?? []
        for term in terms {
            for field in term["matchFields"]?.arrayValue ?? [] where field["key"] == "metadata.name" {
                if let value = field["values"]?.arrayValue?.first?.stringValue { return value }
            }
        }
        return nil
    }

    /// Whether `node` should run a pod of `template`.
    static func eligible(_ node: JSONValue, template: JSONValue) -> Bool {
        guard node[path: ["metadata", "deletionTimestamp"]] == nil else { return false }
        let labels = node[path: ["metadata", "labels"]]?.stringMap ?? [:]
        let spec = template["spec"] ?? [:]
        for (key, value) in spec["nodeSelector"]?.stringMap ?? [:] where labels[key] != value { return false }
        if let terms = spec[path: ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]]?.arrayValue, !terms.isEmpty {
            let name = node[path: ["metadata", "name"]]?.stringValue ?? ""
            let matches = NodeSelectorTerms.match(terms, labels: labels, name: name)
            if !matches { return false }
        }
        let tolerations = (spec["tolerations"]?.arrayValue ?? []) + Self.tolerations
        for taint in node[path: ["spec", "taints"]]?.arrayValue ?? [] where ["NoSchedule", "NoExecute"].contains(taint["effect"]?.stringValue ?? "") {
            if !tolerations.contains(where: { NodeLifecycleController.tolerates($0, taint) }) { return false }
        }
        return true
    }

    public func reconcile(_ key: String) async throws {
        guard let set = daemonSets.get(key), set[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let uid = set[path: ["metadata", "uid"]]?.stringValue ?? ""
        let namespace = set[path: ["metadata", "namespace"]]?.stringValue
        let template = set[path: ["spec", "template"]] ?? [:]
        let hash = DeploymentController.templateHash(template, collisionCount: set[path: ["status", "collisionCount"]]?.integerValue ?? 0)
        let owned = pods.byIndex(SharedInformer.ownerIndex, uid).filter { ReplicaSetController.controllerRef($0)?["uid"]?.stringValue == uid && ReplicaSetController.isActive($0) }
        let revision = try await history.ensureCurrent(set, hash: hash, extraLabels: [Self.hashLabel: hash])
        var byNode: [String: [JSONValue]] = [:]
        for pod in owned { byNode[Self.targetNode(pod) ?? "", default: []].append(pod) }
        let eligibleNodes = nodes.list().filter { Self.eligible($0, template: template) }.compactMap { $0[path: ["metadata", "name"]]?.stringValue }
        let eligible = Set(eligibleNodes)

        if expectations.satisfied(key) {
            var create: [String] = []
            var delete: [JSONValue] = []
            for node in eligibleNodes {
                let onNode = byNode[node] ?? []
                if onNode.isEmpty { create.append(node) } else if onNode.count > 1 { delete += onNode.sorted { DeploymentController.name($0) < DeploymentController.name($1) }.dropFirst() }
            }
            for (node, pods) in byNode where !eligible.contains(node) { delete += pods }
            // Rolling update: replace out-of-date pods, at most maxUnavailable not available at once.
            if set[path: ["spec", "updateStrategy", "type"]]?.stringValue ?? "RollingUpdate" == "RollingUpdate" {
                let maxUnavailable = Self.maxUnavailable(set, desired: eligibleNodes.count)
                let current = eligibleNodes.compactMap { byNode[$0]?.first }
                let unavailable = eligibleNodes.count - current.filter(ReplicaSetController.isReady).count
                var budget = maxUnavailable - unavailable
                let outdated = current.filter { $0[path: ["metadata", "labels", Self.hashLabel]]?.stringValue != hash }
                // Not-ready out-of-date pods first: replacing them costs no availability.
                for pod in outdated where !ReplicaSetController.isReady(pod) { delete.append(pod) }
                for pod in outdated where ReplicaSetController.isReady(pod) && budget > 0 {
                    delete.append(pod)
                    budget -= 1
                }
            }
            expectations.expect(key, adds: create.count, deletes: delete.count)
            for node in create { try await createPod(set, on: node, hash: hash, key: key) }
            for pod in delete {
                let name = DeploymentController.name(pod)
                do {
                    try await objects.delete(podType, namespace: namespace, name: name, options: .init(uid: pod[path: ["metadata", "uid"]]?.stringValue))
                    await events.record(set, reason: "SuccessfulDelete", message: "Deleted pod: \(name)")
                } catch let error as APIError where error.code == 404 {
                    expectations.observedDelete(key)
                }
            }
        }
        try await updateStatus(set, eligible: eligibleNodes, byNode: byNode, hash: hash)
        let inUse = owned.compactMap { $0[path: ["metadata", "labels", Self.hashLabel]]?.stringValue }.map { ControllerHistory.revisionName(set, hash: $0) }
        try await history.prune(set, inUse: Set(inUse + [DeploymentController.name(revision)]))
    }

    static func maxUnavailable(_ set: JSONValue, desired: Int) -> Int {
        switch set[path: ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]] {
        case .integer(let value)?: return max(1, Int(clamping: value))
        case .string(let text)? where text.hasSuffix("%"):
            return max(1, desired * Int(clamping: max(0, min(Int64(text.dropLast()) ?? 0, 100))) / 100)
        default: return 1
        }
    }

    private func createPod(_ set: JSONValue, on node: String, hash: String, key: String) async throws {
        var template = set[path: ["spec", "template"]] ?? [:]
        var metadata = template["metadata"]?.objectValue ?? [:]
        metadata["generateName"] = .string(DeploymentController.name(set) + "-")
        metadata["ownerReferences"] = [ReplicaSetController.ownerReference(set, type: daemonSetType)]
        var labels = metadata["labels"]?.objectValue ?? [:]
        labels[Self.hashLabel] = .string(hash)
        metadata["labels"] = .object(labels)
        template["metadata"] = .object(metadata)
        var spec = template["spec"] ?? [:]
        spec[path: "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"] = [
            "nodeSelectorTerms": [["matchFields": [["key": "metadata.name", "operator": "In", "values": [.string(node)]]]]],
        ]
        var tolerations = spec["tolerations"]?.arrayValue ?? []
        for toleration in Self.tolerations where !tolerations.contains(toleration) { tolerations.append(toleration) }
        spec["tolerations"] = .array(tolerations)
        template["spec"] = spec
        template["apiVersion"] = "v1"
        template["kind"] = "Pod"
        let pod: JSONValue
        do {
            pod = try await objects.create(podType, namespace: set[path: ["metadata", "namespace"]]?.stringValue, body: template)
        } catch {
            expectations.observedAdd(key)
            await events.record(set, type: "Warning", reason: "FailedCreate", message: "Error creating: \(error)")
            throw error
        }
        await events.record(set, reason: "SuccessfulCreate", message: "Created pod: \(DeploymentController.name(pod))")
    }

    private func updateStatus(_ set: JSONValue, eligible: [String], byNode: [String: [JSONValue]], hash: String) async throws {
        let scheduled = eligible.filter { byNode[$0]?.isEmpty == false }
        let misscheduled = byNode.keys.filter { !eligible.contains($0) && !$0.isEmpty }
        let pods = eligible.compactMap { byNode[$0]?.first }
        let ready = pods.filter(ReplicaSetController.isReady)
        let minReady = set[path: ["spec", "minReadySeconds"]]?.integerValue ?? 0
        let available = pods.filter { ReplicaSetController.isAvailable($0, minReadySeconds: minReady, now: Date()) }
        var status = set["status"] ?? [:]
        status["desiredNumberScheduled"] = .integer(Int64(eligible.count))
        status["currentNumberScheduled"] = .integer(Int64(scheduled.count))
        status["numberMisscheduled"] = .integer(Int64(misscheduled.count))
        status["numberReady"] = .integer(Int64(ready.count))
        status["numberAvailable"] = available.isEmpty ? nil : .integer(Int64(available.count))
        status["numberUnavailable"] = eligible.count - available.count > 0 ? .integer(Int64(eligible.count - available.count)) : nil
        status["updatedNumberScheduled"] = .integer(Int64(pods.filter { $0[path: ["metadata", "labels", Self.hashLabel]]?.stringValue == hash }.count))
        status["observedGeneration"] = set[path: ["metadata", "generation"]] ?? 1
        guard status != (set["status"] ?? [:]) else { return }
        var body = set
        body["status"] = status
        do {
            _ = try await objects.update(daemonSetType, namespace: set[path: ["metadata", "namespace"]]?.stringValue, name: DeploymentController.name(set), body: body, subresource: "status")
        } catch let error as APIError where error.code == 404 {
            return
        }
    }
}
