import Foundation
public import Logging

/// Keeps each ReplicaSet's (or ReplicationController's) pods at `spec.replicas`, as
/// kube-controller-manager's replicaset controller: it adopts matching orphan pods and releases
/// pods that no longer match, creates missing pods from the template (named `<set>-<suffix>`,
/// owned by the set), deletes surplus pods (unscheduled, pending, not ready and youngest first),
/// and reports replicas, fullyLabeledReplicas, readyReplicas, availableReplicas and
/// observedGeneration. Expectations keep it from acting twice on a cache that lags its writes.
public final class ReplicaSetController: Controller {
    public let name: String
    public let queue = WorkQueue<String>(name: "replicaset")
    let objects: ObjectStore
    let sets: SharedInformer
    let pods: SharedInformer
    let setType: ResourceType
    let podType: ResourceType
    let expectations = Expectations()
    let events: EventRecorder
    let logger: Logger
    /// Most pods created or deleted in one reconcile (kube's burstReplicas).
    static let burst = 500

    /// A controller for `setType` (replicasets or replicationcontrollers) over shared informers.
    public init(objects: ObjectStore, setType: ResourceType, sets: SharedInformer, pods: SharedInformer, logger: Logger) {
        self.objects = objects
        self.setType = setType
        self.sets = sets
        self.pods = pods
        self.podType = objects.registry.lookup(group: "", version: "v1", plural: "pods")!
        self.name = setType.plural == "replicasets" ? "replicaset-controller" : "replicationcontroller-controller"
        self.events = EventRecorder(objects: objects, component: name, logger: logger)
        self.logger = logger
        sets.addHandler { [queue, expectations] event in
            let key = SharedInformer.key(of: event.object)
            if case .deleted = event { expectations.forget(key) }
            queue.add(key)
        }
        pods.addHandler { [weak self] event in self?.podChanged(event) }
    }

    /// The controlling owner reference of `object` of `kind`, if any.
    static func controllerRef(_ object: JSONValue, kind: String? = nil) -> JSONValue? {
        (object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).first { ref in
            ref["controller"]?.boolValue == true && (kind == nil || ref["kind"]?.stringValue == kind)
        }
    }

    private func podChanged(_ event: InformerEvent) {
        let pod = event.object
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
        if let ref = Self.controllerRef(pod, kind: setType.kind), let name = ref["name"]?.stringValue {
            let key = namespace + "/" + name
            switch event {
            case .added: expectations.observedAdd(key)
            case .deleted: expectations.observedDelete(key)
            case .updated(let old, let new):
                // A pod marked for deletion counts as deleted for the expectation.
                if old[path: ["metadata", "deletionTimestamp"]] == nil, new[path: ["metadata", "deletionTimestamp"]] != nil { expectations.observedDelete(key) }
            }
            queue.add(key)
            if case .updated(let old, _) = event, let oldRef = Self.controllerRef(old, kind: setType.kind)?["name"]?.stringValue, oldRef != name {
                queue.add(namespace + "/" + oldRef)
            }
            return
        }
        // An orphan: any set whose selector matches may adopt it.
        guard case .deleted = event else {
            let labels = pod[path: ["metadata", "labels"]]?.stringMap ?? [:]
            for set in sets.byIndex(SharedInformer.namespaceIndex, namespace) where Self.selector(of: set)?.matches(labels) == true {
                queue.add(SharedInformer.key(of: set))
            }
            return
        }
    }

    /// The set's pod selector; nil (select nothing) when it is absent or invalid.
    static func selector(of set: JSONValue) -> LabelSelector? {
        let raw = set[path: ["spec", "selector"]]
        // ReplicationControllers carry a plain label map.
        if let map = raw?.stringMap, raw?["matchLabels"] == nil, raw?["matchExpressions"] == nil {
            guard !map.isEmpty else { return nil }
            return LabelSelector(structured: ["matchLabels": .object(map.mapValues { .string($0) })])
        }
        guard let selector = LabelSelector(structured: raw), !selector.isEmpty else { return nil }
        return selector
    }

    public func reconcile(_ key: String) async throws {
        guard let set = sets.get(key) else {
            expectations.forget(key)
            return
        }
        let namespace = set[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let uid = set[path: ["metadata", "uid"]]?.stringValue ?? ""
        guard let selector = Self.selector(of: set) else { return }
        let deleting = set[path: ["metadata", "deletionTimestamp"]] != nil

        // Claim: owned pods that still match, plus orphans that match (adopted); release the rest.
        var owned: [JSONValue] = []
        for pod in pods.byIndex(SharedInformer.namespaceIndex, namespace) {
            let labels = pod[path: ["metadata", "labels"]]?.stringMap ?? [:]
            let ref = Self.controllerRef(pod)
            if ref?["uid"]?.stringValue == uid {
                if selector.matches(labels) || deleting {
                    owned.append(pod)
                } else {
                    _ = try? await setOwner(of: pod, to: nil)
                }
            } else if ref == nil, !deleting, selector.matches(labels), pod[path: ["metadata", "deletionTimestamp"]] == nil {
                if let adopted = try? await setOwner(of: pod, to: Self.ownerReference(set, type: setType)) { owned.append(adopted) }
            }
        }
        let active = owned.filter(Self.isActive)
        if !deleting, expectations.satisfied(key) {
            let desired = Int(clamping: set[path: ["spec", "replicas"]]?.integerValue ?? 1)
            let difference = active.count - desired
            if difference < 0 {
                try await createPods(min(-difference, Self.burst), for: set, key: key)
            } else if difference > 0 {
                try await deletePods(Array(Self.deletionOrder(active).prefix(min(difference, Self.burst))), key: key)
            }
        }
        try await updateStatus(set, active: active, owned: owned)
    }

    static func isActive(_ pod: JSONValue) -> Bool {
        let phase = pod[path: ["status", "phase"]]?.stringValue
        return pod[path: ["metadata", "deletionTimestamp"]] == nil && phase != "Succeeded" && phase != "Failed"
    }

    static func isReady(_ pod: JSONValue) -> Bool {
        (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
    }

    /// Whether `pod` has been ready for at least `minReadySeconds` at `now`.
    static func isAvailable(_ pod: JSONValue, minReadySeconds: Int64, now: Date) -> Bool {
        guard isReady(pod) else { return false }
        guard minReadySeconds > 0 else { return true }
        let ready = (pod[path: ["status", "conditions"]]?.arrayValue ?? []).first { $0["type"] == "Ready" }
        guard let text = ready?["lastTransitionTime"]?.stringValue, let since = TableConvertor.seconds(.string(text)) else { return false }
        return Int64(now.timeIntervalSince1970) - since >= minReadySeconds
    }

    /// Pods in the order the set deletes them: unscheduled, then pending, then not ready, then
    /// the most recently created.
    static func deletionOrder(_ pods: [JSONValue]) -> [JSONValue] {
        func rank(_ pod: JSONValue) -> (Int, Int, Int, String) {
            let unscheduled = (pod[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty ? 0 : 1
            let pending = pod[path: ["status", "phase"]]?.stringValue == "Pending" ? 0 : 1
            let ready = isReady(pod) ? 1 : 0
            return (unscheduled, pending, ready, pod[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "")
        }
        return pods.sorted { lhs, rhs in
            let (a, b) = (rank(lhs), rank(rhs))
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1 != b.1 { return a.1 < b.1 }
            if a.2 != b.2 { return a.2 < b.2 }
            return a.3 > b.3
        }
    }

    static func ownerReference(_ owner: JSONValue, type: ResourceType) -> JSONValue {
        [
            "apiVersion": .string(type.apiVersion), "kind": .string(type.kind), "name": owner[path: ["metadata", "name"]] ?? "",
            "uid": owner[path: ["metadata", "uid"]] ?? "", "controller": true, "blockOwnerDeletion": true,
        ]
    }

    /// Sets (or with nil removes) the pod's controller reference.
    @discardableResult
    private func setOwner(of pod: JSONValue, to reference: JSONValue?) async throws -> JSONValue {
        var refs = (pod[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).filter { $0["controller"]?.boolValue != true }
        if let reference { refs.append(reference) }
        var patch: JSONValue = ["metadata": ["ownerReferences": refs.isEmpty ? .null : .array(refs)]]
        patch[path: "metadata.resourceVersion"] = pod[path: ["metadata", "resourceVersion"]]
        return try await objects.mergePatch(
            podType, namespace: pod[path: ["metadata", "namespace"]]?.stringValue, name: pod[path: ["metadata", "name"]]?.stringValue ?? "", patch: patch)
    }

    private func createPods(_ count: Int, for set: JSONValue, key: String) async throws {
        let namespace = set[path: ["metadata", "namespace"]]?.stringValue
        let setName = set[path: ["metadata", "name"]]?.stringValue ?? ""
        var template = set[path: ["spec", "template"]] ?? [:]
        var metadata = template["metadata"]?.objectValue ?? [:]
        metadata["generateName"] = .string(setName + "-")
        metadata["name"] = nil
        metadata["ownerReferences"] = [Self.ownerReference(set, type: setType)]
        template["metadata"] = .object(metadata)
        template["apiVersion"] = "v1"
        template["kind"] = "Pod"
        let body = template
        expectations.expect(key, adds: count)
        var failure: (any Error)?
        // Slow start, as upstream: batches of 1, 2, 4... so a broken template fails fast.
        var created = 0
        var batch = 1
        while created < count, failure == nil {
            let size = min(batch, count - created)
            await withTaskGroup(of: (any Error)?.self) { group in
                for _ in 0..<size {
                    group.addTask {
                        do {
                            let pod = try await self.objects.create(self.podType, namespace: namespace, body: body)
                            // kube-controller-manager's pod control: one event per pod.
                            await self.events.record(set, reason: "SuccessfulCreate", message: "Created pod: \(DeploymentController.name(pod))")
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                for await error in group where error != nil {
                    self.expectations.observedAdd(key)
                    failure = failure ?? error
                }
            }
            created += size
            batch *= 2
        }
        // Creations never attempted will not be observed either.
        for _ in created..<count { expectations.observedAdd(key) }
        if let failure {
            await events.record(set, type: "Warning", reason: "FailedCreate", message: "Error creating: \(failure)")
            throw failure
        }
    }

    private func deletePods(_ victims: [JSONValue], key: String) async throws {
        expectations.expect(key, deletes: victims.count)
        for pod in victims {
            let name = DeploymentController.name(pod)
            do {
                try await objects.delete(
                    podType, namespace: pod[path: ["metadata", "namespace"]]?.stringValue, name: name, options: .init(uid: pod[path: ["metadata", "uid"]]?.stringValue))
                if let set = sets.get(key) { await events.record(set, reason: "SuccessfulDelete", message: "Deleted pod: \(name)") }
            } catch let error as APIError where error.code == 404 || error.code == 409 {
                expectations.observedDelete(key)
            }
        }
    }

    private func updateStatus(_ set: JSONValue, active: [JSONValue], owned: [JSONValue]) async throws {
        let templateLabels = set[path: ["spec", "template", "metadata", "labels"]]?.stringMap ?? [:]
        let minReady = set[path: ["spec", "minReadySeconds"]]?.integerValue ?? 0
        let now = Date()
        var status = set["status"] ?? [:]
        status["replicas"] = .integer(Int64(active.count))
        status["fullyLabeledReplicas"] = .integer(Int64(active.filter { pod in
            let labels = pod[path: ["metadata", "labels"]]?.stringMap ?? [:]
            return templateLabels.allSatisfy { labels[$0.key] == $0.value }
        }.count))
        status["readyReplicas"] = .integer(Int64(active.filter(Self.isReady).count))
        status["availableReplicas"] = .integer(Int64(active.filter { Self.isAvailable($0, minReadySeconds: minReady, now: now) }.count))
        status["observedGeneration"] = set[path: ["metadata", "generation"]] ?? 1
        for key in ["readyReplicas", "availableReplicas", "fullyLabeledReplicas"] where status[key] == 0 { status[key] = nil }
        guard status != (set["status"] ?? [:]) else { return }
        var updated = set
        updated["status"] = status
        do {
            _ = try await objects.update(
                setType, namespace: set[path: ["metadata", "namespace"]]?.stringValue, name: set[path: ["metadata", "name"]]?.stringValue ?? "",
                body: updated, subresource: "status")
        } catch let error as APIError where error.code == 404 {
            return
        }
        // Not yet available pods need another look once minReadySeconds have passed.
        if minReady > 0, active.contains(where: { Self.isReady($0) && !Self.isAvailable($0, minReadySeconds: minReady, now: now) }) {
            queue.add(SharedInformer.key(of: set), after: .seconds(minReady))
        }
    }
}
