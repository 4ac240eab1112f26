import Foundation
public import Logging

/// Rolls Deployments out through ReplicaSets, as kube-controller-manager's deployment
/// controller: the ReplicaSet whose template matches the Deployment's is the new one (created
/// with a `pod-template-hash` label when none matches), the others are old; RollingUpdate scales
/// them within `maxSurge` and `maxUnavailable`, Recreate scales the old ones to zero first.
/// Revisions are kept in `deployment.kubernetes.io/revision` (a rollback to an old template
/// bumps that ReplicaSet to the newest revision), old ReplicaSets beyond
/// `revisionHistoryLimit` are deleted, `spec.paused` stops the rollout but not scaling, and the
/// status carries what `kubectl rollout status` reads: observedGeneration, replicas,
/// updatedReplicas, readyReplicas, availableReplicas, unavailableReplicas, and the Available and
/// Progressing conditions (with ProgressDeadlineExceeded after `progressDeadlineSeconds`).
public final class DeploymentController: Controller {
    public let name = "deployment-controller"
    public let queue = WorkQueue<String>(name: "deployment")
    let objects: ObjectStore
    let deployments: SharedInformer
    let replicaSets: SharedInformer
    let pods: SharedInformer
    let deploymentType: ResourceType
    let replicaSetType: ResourceType
    let events: EventRecorder
    let logger: Logger

    static let revisionAnnotation = "deployment.kubernetes.io/revision"
    static let revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
    static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
    static let hashLabel = "pod-template-hash"

    public init(objects: ObjectStore, deployments: SharedInformer, replicaSets: SharedInformer, pods: SharedInformer, logger: Logger) {
        self.objects = objects
        self.deployments = deployments
        self.replicaSets = replicaSets
        self.pods = pods
        self.deploymentType = objects.registry.lookup(group: "apps", version: "v1", plural: "deployments")!
        self.replicaSetType = objects.registry.lookup(group: "apps", version: "v1", plural: "replicasets")!
        self.events = EventRecorder(objects: objects, component: "deployment-controller", logger: logger)
        self.logger = logger
        deployments.addHandler { [queue] event in queue.add(SharedInformer.key(of: event.object)) }
        replicaSets.addHandler { [weak self] event in self?.replicaSetChanged(event.object) }
        // Recreate waits for old pods to be gone.
        pods.addHandler { [weak self] event in
            guard case .deleted = event, let self else { return }
            self.podDeleted(event.object)
        }
    }

    private func replicaSetChanged(_ set: JSONValue) {
        let namespace = set[path: ["metadata", "namespace"]]?.stringValue ?? ""
        if let ref = ReplicaSetController.controllerRef(set, kind: "Deployment"), let name = ref["name"]?.stringValue {
            queue.add(namespace + "/" + name)
            return
        }
        let labels = set[path: ["metadata", "labels"]]?.stringMap ?? [:]
        for deployment in deployments.byIndex(SharedInformer.namespaceIndex, namespace)
        where LabelSelector(structured: deployment[path: ["spec", "selector"]])?.matches(labels) == true {
            queue.add(SharedInformer.key(of: deployment))
        }
    }

    private func podDeleted(_ pod: JSONValue) {
        guard let setRef = ReplicaSetController.controllerRef(pod, kind: "ReplicaSet"), let setName = setRef["name"]?.stringValue else { return }
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
        if let set = replicaSets.get(namespace + "/" + setName), let ref = ReplicaSetController.controllerRef(set, kind: "Deployment"),
            let name = ref["name"]?.stringValue
        {
            queue.add(namespace + "/" + name)
        }
    }

    // MARK: Reconcile

    public func reconcile(_ key: String) async throws {
        guard let deployment = deployments.get(key), deployment[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let namespace = deployment[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let uid = deployment[path: ["metadata", "uid"]]?.stringValue ?? ""
        guard let selector = LabelSelector(structured: deployment[path: ["spec", "selector"]]), !selector.isEmpty else { return }
        // Claim: owned sets, and orphans whose labels match (adopted).
        var sets: [JSONValue] = []
        for set in replicaSets.byIndex(SharedInformer.namespaceIndex, namespace) {
            let ref = ReplicaSetController.controllerRef(set)
            let labels = set[path: ["metadata", "labels"]]?.stringMap ?? [:]
            if ref?["uid"]?.stringValue == uid {
                sets.append(set)
            } else if ref == nil, selector.matches(labels), set[path: ["metadata", "deletionTimestamp"]] == nil {
                var patch: JSONValue = ["metadata": ["ownerReferences": [ReplicaSetController.ownerReference(deployment, type: deploymentType)]]]
                patch[path: "metadata.resourceVersion"] = set[path: ["metadata", "resourceVersion"]]
                if let adopted = try? await objects.mergePatch(replicaSetType, namespace: namespace, name: Self.name(set), patch: patch) { sets.append(adopted) }
            }
        }
        let template = deployment[path: ["spec", "template"]] ?? [:]
        var newSet = sets.first { Self.templatesEqual($0[path: ["spec", "template"]], template) }
        let oldSets = sets.filter { Self.name($0) != newSet.map(Self.name) }
        let paused = deployment[path: ["spec", "paused"]]?.boolValue == true

        if paused {
            // Scaling still happens while paused: the new (or the newest) set follows spec.replicas.
            if let target = newSet ?? oldSets.max(by: { Self.revision($0) < Self.revision($1) }) {
                let desired = Self.replicas(deployment)
                if Self.replicas(target) != desired, oldSets.allSatisfy({ Self.replicas($0) == 0 || Self.name($0) == Self.name(target) }) {
                    _ = try await scale(target, to: desired, deployment: deployment)
                }
            }
            try await syncStatus(deployment, newSet: newSet, oldSets: oldSets, paused: true)
            return
        }

        let maxOldRevision = oldSets.map(Self.revision).max() ?? 0
        if let existing = newSet {
            newSet = try await ensureRevision(existing, deployment: deployment, after: maxOldRevision)
        } else {
            newSet = try await createNewSet(deployment, revision: maxOldRevision + 1, oldSets: oldSets)
        }
        guard let current = newSet else { return }
        try await annotateDeployment(deployment, revision: Self.revision(current))

        switch deployment[path: ["spec", "strategy", "type"]]?.stringValue ?? "RollingUpdate" {
        case "Recreate":
            try await recreate(deployment, newSet: current, oldSets: oldSets)
        default:
            try await rollingUpdate(deployment, newSet: current, oldSets: oldSets)
        }
        try await cleanUp(deployment, oldSets: oldSets)
        try await syncStatus(deployment, newSet: replicaSets.get(namespace + "/" + Self.name(current)) ?? current, oldSets: oldSets, paused: false)
    }

    // MARK: Helpers on objects

    static func name(_ object: JSONValue) -> String { object[path: ["metadata", "name"]]?.stringValue ?? "" }
    static func replicas(_ object: JSONValue) -> Int64 { object[path: ["spec", "replicas"]]?.integerValue ?? 1 }
    static func revision(_ set: JSONValue) -> Int64 {
        set[path: ["metadata", "annotations", revisionAnnotation]]?.stringValue.flatMap { Int64($0) } ?? 0
    }
    static func statusInt(_ object: JSONValue?, _ key: String) -> Int64 { object?[path: ["status", key]]?.integerValue ?? 0 }

    /// Whether a set's pod template is the Deployment's, ignoring the pod-template-hash label.
    static func templatesEqual(_ setTemplate: JSONValue?, _ template: JSONValue) -> Bool {
        guard var lhs = setTemplate else { return false }
        var rhs = template
        for side in [0, 1] {
            var value = side == 0 ? lhs : rhs
            var labels = value[path: ["metadata", "labels"]]?.objectValue ?? [:]
            labels[hashLabel] = nil
            value[path: "metadata.labels"] = labels.isEmpty ? nil : .object(labels)
            if value[path: ["metadata"]]?.objectValue?.isEmpty == true { value["metadata"] = nil }
            if side == 0 { lhs = value } else { rhs = value }
        }
        return withoutNulls(lhs) == withoutNulls(rhs)
    }

    /// `value` without null members, as a typed decode would read it (clients send
    /// `creationTimestamp: null` in templates).
    static func withoutNulls(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members): .object(members.filter { $0.value != .null }.mapValues(withoutNulls))
        case .array(let elements): .array(elements.map(withoutNulls))
        default: value
        }
    }

    /// kube's pod-template-hash: FNV-1a over the template, written with the safe alphabet.
    static func templateHash(_ template: JSONValue, collisionCount: Int64) -> String {
        var hash: UInt32 = 0x811c_9dc5
        for byte in template.serialized() + Array(String(collisionCount).utf8) { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(String(hash).utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    /// maxSurge and maxUnavailable as counts: surge rounds up, unavailable down; both zero means
    /// one unavailable, as upstream.
    static func surgeAndUnavailable(_ deployment: JSONValue) -> (surge: Int64, unavailable: Int64) {
        let desired = replicas(deployment)
        func resolve(_ value: JSONValue?, roundUp: Bool) -> Int64 {
            IntOrPercent.resolve(value, total: desired, roundUp: roundUp) ?? IntOrPercent.resolve("25%", total: desired, roundUp: roundUp)!
        }
        let rolling = deployment[path: ["spec", "strategy", "rollingUpdate"]]
        var surge = resolve(rolling?["maxSurge"], roundUp: true)
        var unavailable = resolve(rolling?["maxUnavailable"], roundUp: false)
        if surge == 0, unavailable == 0 { unavailable = 1 }
        unavailable = min(unavailable, desired)
        surge = max(surge, 0)
        return (surge, unavailable)
    }

    // MARK: Sets

    private func createNewSet(_ deployment: JSONValue, revision: Int64, oldSets: [JSONValue]) async throws -> JSONValue? {
        let namespace = deployment[path: ["metadata", "namespace"]]?.stringValue
        let collisions = deployment[path: ["status", "collisionCount"]]?.integerValue ?? 0
        var template = deployment[path: ["spec", "template"]] ?? [:]
        let hash = Self.templateHash(template, collisionCount: collisions)
        var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels[Self.hashLabel] = .string(hash)
        template[path: "metadata.labels"] = .object(labels)
        var selector = deployment[path: ["spec", "selector"]] ?? [:]
        var matchLabels = selector["matchLabels"]?.objectValue ?? [:]
        matchLabels[Self.hashLabel] = .string(hash)
        selector["matchLabels"] = .object(matchLabels)
        let (surge, _) = Self.surgeAndUnavailable(deployment)
        let desired = Self.replicas(deployment)
        // A new set starts at what the strategy allows now; the rollout scales it from there.
        let existingTotal = oldSets.reduce(Int64(0)) { $0 + Self.replicas($1) }
        let recreate = deployment[path: ["spec", "strategy", "type"]]?.stringValue == "Recreate"
        let initial = recreate ? (existingTotal == 0 ? desired : 0) : max(0, min(desired, desired + surge - existingTotal))
        var annotations = (deployment[path: ["metadata", "annotations"]]?.objectValue ?? [:]).filter { !$0.key.hasPrefix("deployment.kubernetes.io/") && $0.key != "kubectl.kubernetes.io/last-applied-configuration" }
        annotations[Self.revisionAnnotation] = .string(String(revision))
        annotations[Self.desiredReplicasAnnotation] = .string(String(desired))
        annotations[Self.maxReplicasAnnotation] = .string(String(desired + surge))
        let body: JSONValue = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": [
                "name": .string(Self.name(deployment) + "-" + hash), "namespace": .string(namespace ?? ""), "labels": .object(labels),
                "annotations": .object(annotations), "ownerReferences": [ReplicaSetController.ownerReference(deployment, type: deploymentType)],
            ],
            "spec": [
                "replicas": .integer(initial), "minReadySeconds": deployment[path: ["spec", "minReadySeconds"]] ?? 0, "selector": selector,
                "template": template,
            ],
        ]
        do {
            let created = try await objects.create(replicaSetType, namespace: namespace, body: body)
            await events.record(deployment, reason: "ScalingReplicaSet", message: "Scaled up replica set \(Self.name(created)) from 0 to \(initial)")
            return created
        } catch let error as APIError where error.code == 409 {
            // The name is taken by a set with another template (a hash collision): bump
            // collisionCount so the next attempt hashes differently.
            if let existing = try? await objects.get(replicaSetType, namespace: namespace, name: Self.name(deployment) + "-" + hash),
                !Self.templatesEqual(existing[path: ["spec", "template"]], deployment[path: ["spec", "template"]] ?? [:])
            {
                var status = deployment["status"] ?? [:]
                status["collisionCount"] = .integer(collisions + 1)
                var updated = deployment
                updated["status"] = status
                _ = try await objects.update(deploymentType, namespace: namespace, name: Self.name(deployment), body: updated, subresource: "status")
            }
            throw error
        }
    }

    /// The new set carries the newest revision: a rollback to an old template moves that set's
    /// revision past every other (remembering the old number in revision-history).
    private func ensureRevision(_ set: JSONValue, deployment: JSONValue, after maxOld: Int64) async throws -> JSONValue {
        let current = Self.revision(set)
        let (surge, _) = Self.surgeAndUnavailable(deployment)
        let desired = Self.replicas(deployment)
        var annotations = set[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        var changed = false
        if current <= maxOld {
            if current > 0 {
                let history = annotations[Self.revisionHistoryAnnotation]?.stringValue.map { $0 + "," } ?? ""
                annotations[Self.revisionHistoryAnnotation] = .string(history + String(current))
            }
            annotations[Self.revisionAnnotation] = .string(String(maxOld + 1))
            changed = true
        }
        for (key, value) in [(Self.desiredReplicasAnnotation, String(desired)), (Self.maxReplicasAnnotation, String(desired + surge))]
        where annotations[key]?.stringValue != value {
            annotations[key] = .string(value)
            changed = true
        }
        // The deployment's own annotations (change-cause...) follow it to the set, as upstream.
        for (key, value) in deployment[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        where !key.hasPrefix("deployment.kubernetes.io/") && key != "kubectl.kubernetes.io/last-applied-configuration" && annotations[key] != value {
            annotations[key] = value
            changed = true
        }
        let minReady = deployment[path: ["spec", "minReadySeconds"]] ?? 0
        guard changed || set[path: ["spec", "minReadySeconds"]] ?? 0 != minReady else { return set }
        var patch: JSONValue = ["metadata": ["annotations": .object(annotations)], "spec": ["minReadySeconds": minReady]]
        patch[path: "metadata.resourceVersion"] = set[path: ["metadata", "resourceVersion"]]
        return try await objects.mergePatch(replicaSetType, namespace: set[path: ["metadata", "namespace"]]?.stringValue, name: Self.name(set), patch: patch)
    }

    private func annotateDeployment(_ deployment: JSONValue, revision: Int64) async throws {
        guard deployment[path: ["metadata", "annotations", Self.revisionAnnotation]]?.stringValue != String(revision) else { return }
        var patch: JSONValue = ["metadata": ["annotations": [Self.revisionAnnotation: .string(String(revision))]]]
        patch[path: "metadata.resourceVersion"] = deployment[path: ["metadata", "resourceVersion"]]
        _ = try await objects.mergePatch(deploymentType, namespace: deployment[path: ["metadata", "namespace"]]?.stringValue, name: Self.name(deployment), patch: patch)
    }

    /// Sets a set's replicas (and its desired/max annotations); records the scaling event.
    @discardableResult
    private func scale(_ set: JSONValue, to replicas: Int64, deployment: JSONValue) async throws -> JSONValue {
        let from = Self.replicas(set)
        guard from != replicas else { return set }
        let (surge, _) = Self.surgeAndUnavailable(deployment)
        var patch: JSONValue = [
            "spec": ["replicas": .integer(replicas)],
            "metadata": ["annotations": [
                Self.desiredReplicasAnnotation: .string(String(Self.replicas(deployment))), Self.maxReplicasAnnotation: .string(String(Self.replicas(deployment) + surge)),
            ]],
        ]
        patch[path: "metadata.resourceVersion"] = set[path: ["metadata", "resourceVersion"]]
        let updated = try await objects.mergePatch(replicaSetType, namespace: set[path: ["metadata", "namespace"]]?.stringValue, name: Self.name(set), patch: patch)
        await events.record(
            deployment, reason: "ScalingReplicaSet", message: "Scaled \(replicas > from ? "up" : "down") replica set \(Self.name(set)) from \(from) to \(replicas)")
        return updated
    }

    // MARK: Strategies

    private func rollingUpdate(_ deployment: JSONValue, newSet: JSONValue, oldSets: [JSONValue]) async throws {
        let desired = Self.replicas(deployment)
        let (surge, maxUnavailable) = Self.surgeAndUnavailable(deployment)
        var newSet = newSet
        var oldSets = oldSets
        // Scale up the new set within maxSurge.
        let newReplicas = Self.replicas(newSet)
        let total = oldSets.reduce(newReplicas) { $0 + Self.replicas($1) }
        if newReplicas > desired {
            newSet = try await scale(newSet, to: desired, deployment: deployment)
        } else if newReplicas < desired {
            let room = desired + surge - total
            if room > 0 { newSet = try await scale(newSet, to: newReplicas + min(room, desired - newReplicas), deployment: deployment) }
        }
        // Scale down old sets within maxUnavailable: first their unavailable pods, then by availability.
        let oldTotal = oldSets.reduce(Int64(0)) { $0 + Self.replicas($1) }
        guard oldTotal > 0 else { return }
        let all = oldSets.reduce(Self.replicas(newSet)) { $0 + Self.replicas($1) }
        let minAvailable = desired - maxUnavailable
        let newUnavailable = max(0, Self.replicas(newSet) - Self.statusInt(newSet, "availableReplicas"))
        var budget = all - minAvailable - newUnavailable
        guard budget > 0 else { return }
        oldSets.sort { Self.revision($0) < Self.revision($1) }
        for index in oldSets.indices where budget > 0 {
            let replicas = Self.replicas(oldSets[index])
            let unhealthy = max(0, replicas - Self.statusInt(oldSets[index], "availableReplicas"))
            let cut = min(unhealthy, budget)
            if cut > 0 {
                oldSets[index] = try await scale(oldSets[index], to: replicas - cut, deployment: deployment)
                budget -= cut
            }
        }
        let available = oldSets.reduce(Self.statusInt(newSet, "availableReplicas")) { $0 + min(Self.statusInt($1, "availableReplicas"), Self.replicas($1)) }
        var scaleDown = min(available - minAvailable, budget)
        for set in oldSets where scaleDown > 0 {
            let replicas = Self.replicas(set)
            guard replicas > 0 else { continue }
            let cut = min(replicas, scaleDown)
            try await scale(set, to: replicas - cut, deployment: deployment)
            scaleDown -= cut
        }
    }

    private func recreate(_ deployment: JSONValue, newSet: JSONValue, oldSets: [JSONValue]) async throws {
        for set in oldSets where Self.replicas(set) > 0 { try await scale(set, to: 0, deployment: deployment) }
        // The new pods start only once every old pod is gone.
        let oldUIDs = Set(oldSets.compactMap { $0[path: ["metadata", "uid"]]?.stringValue })
        let remaining = oldUIDs.contains { !pods.byIndex(SharedInformer.ownerIndex, $0).isEmpty }
        if !remaining, Self.replicas(newSet) != Self.replicas(deployment) {
            try await scale(newSet, to: Self.replicas(deployment), deployment: deployment)
        }
    }

    /// Deletes old sets with no replicas beyond `revisionHistoryLimit` (default 10), oldest first.
    private func cleanUp(_ deployment: JSONValue, oldSets: [JSONValue]) async throws {
        let limit = Int(clamping: deployment[path: ["spec", "revisionHistoryLimit"]]?.integerValue ?? 10)
        let idle = oldSets.filter { Self.replicas($0) == 0 && Self.statusInt($0, "replicas") == 0 && $0[path: ["metadata", "deletionTimestamp"]] == nil }
            .sorted { Self.revision($0) < Self.revision($1) }
        guard idle.count > max(limit, 0) else { return }
        for set in idle.prefix(idle.count - max(limit, 0)) {
            _ = try? await objects.delete(
                replicaSetType, namespace: set[path: ["metadata", "namespace"]]?.stringValue, name: Self.name(set),
                options: .init(uid: set[path: ["metadata", "uid"]]?.stringValue))
        }
    }

    // MARK: Status

    private func syncStatus(_ deployment: JSONValue, newSet: JSONValue?, oldSets: [JSONValue], paused: Bool) async throws {
        let all = oldSets + (newSet.map { [$0] } ?? [])
        let desired = Self.replicas(deployment)
        let (_, maxUnavailable) = Self.surgeAndUnavailable(deployment)
        let replicas = all.reduce(Int64(0)) { $0 + Self.statusInt($1, "replicas") }
        let updated = Self.statusInt(newSet, "replicas")
        let ready = all.reduce(Int64(0)) { $0 + Self.statusInt($1, "readyReplicas") }
        let available = all.reduce(Int64(0)) { $0 + Self.statusInt($1, "availableReplicas") }
        var status = deployment["status"] ?? [:]
        status["observedGeneration"] = deployment[path: ["metadata", "generation"]] ?? 1
        status["replicas"] = .integer(replicas)
        status["updatedReplicas"] = .integer(updated)
        status["readyReplicas"] = .integer(ready)
        status["availableReplicas"] = .integer(available)
        status["unavailableReplicas"] = .integer(max(0, desired - available))
        for key in ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"] where status[key] == 0 { status[key] = nil }

        let now = ObjectMeta.timestamp(Date())
        var conditions = status["conditions"]?.arrayValue ?? []
        func set(_ type: String, _ value: String, reason: String, message: String) {
            let index = conditions.firstIndex { $0["type"]?.stringValue == type }
            let old = index.map { conditions[$0] }
            var condition: JSONValue = [
                "type": .string(type), "status": .string(value), "reason": .string(reason), "message": .string(message),
                "lastUpdateTime": .string(now), "lastTransitionTime": old?["status"]?.stringValue == value ? old?["lastTransitionTime"] ?? .string(now) : .string(now),
            ]
            // A condition that did not change keeps its update time, so status writes stay quiet.
            if let old, old["status"] == condition["status"], old["reason"] == condition["reason"], old["message"] == condition["message"] {
                condition = old
            }
            if let index { conditions[index] = condition } else { conditions.append(condition) }
        }
        let isAvailable = available >= desired - maxUnavailable
        set("Available", isAvailable ? "True" : "False", reason: isAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            message: isAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.")
        let setName = newSet.map(Self.name) ?? ""
        let complete = updated == desired && replicas == desired && available == desired && Self.statusInt(deployment, "observedGeneration") >= 0
        let progressing = conditions.first { $0["type"]?.stringValue == "Progressing" }
        if paused {
            set("Progressing", "Unknown", reason: "DeploymentPaused", message: "Deployment is paused")
        } else if complete {
            set("Progressing", "True", reason: "NewReplicaSetAvailable", message: "ReplicaSet \"\(setName)\" has successfully progressed.")
        } else if let deadline = deployment[path: ["spec", "progressDeadlineSeconds"]]?.integerValue ?? Optional(600),
            let last = progressing?["lastUpdateTime"].flatMap({ TableConvertor.seconds($0) }), progressing?["reason"]?.stringValue != "NewReplicaSetAvailable",
            progressing?["reason"]?.stringValue != "DeploymentResumed",
            Int64(Date().timeIntervalSince1970) - last > deadline, progressing?["status"]?.stringValue == "True"
        {
            set("Progressing", "False", reason: "ProgressDeadlineExceeded", message: "ReplicaSet \"\(setName)\" has timed out progressing.")
        } else if progressing?["reason"]?.stringValue != "ProgressDeadlineExceeded" {
            let message = "ReplicaSet \"\(setName)\" is progressing."
            // Progress (a changed replica count) moves lastUpdateTime; waiting does not.
            let moved = status["updatedReplicas"] != deployment[path: ["status", "updatedReplicas"]]
                || status["availableReplicas"] != deployment[path: ["status", "availableReplicas"]]
                || progressing?["message"]?.stringValue != message
            if moved || progressing == nil {
                if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == "Progressing" }) { conditions.remove(at: index) }
                set("Progressing", "True", reason: "ReplicaSetUpdated", message: message)
            }
            // Look again when the deadline would pass.
            if let deadline = deployment[path: ["spec", "progressDeadlineSeconds"]]?.integerValue ?? Optional(600), deadline > 0, deadline < 1 << 31 {
                queue.add(SharedInformer.key(of: deployment), after: .seconds(deadline + 1))
            }
        }
        status["conditions"] = .array(conditions)
        guard status != (deployment["status"] ?? [:]) else { return }
        var body = deployment
        body["status"] = status
        do {
            _ = try await objects.update(deploymentType, namespace: deployment[path: ["metadata", "namespace"]]?.stringValue, name: Self.name(deployment), body: body, subresource: "status")
        } catch let error as APIError where error.code == 404 {
            return
        }
    }
}
