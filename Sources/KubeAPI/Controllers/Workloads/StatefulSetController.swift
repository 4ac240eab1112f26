import Foundation
public import Logging

/// Runs StatefulSets, as kube-controller-manager's statefulset controller: pods have stable
/// names `<set>-<ordinal>` (hostname, and subdomain `serviceName`), each with its own
/// PersistentVolumeClaims from `volumeClaimTemplates` (`<template>-<set>-<ordinal>`, created once
/// and kept). With `podManagementPolicy: OrderedReady` (the default) ordinal N is created only
/// once 0..N-1 are Running and Ready, and scaling down removes the highest ordinal first, one at a
/// time; `Parallel` creates and deletes at once. RollingUpdate replaces pods whose
/// `controller-revision-hash` is out of date from the highest ordinal down to `partition`, one
/// at a time; OnDelete only when they are deleted. Each template is kept as a ControllerRevision
/// named by the revision (``ControllerHistory``: `kubectl rollout history/undo`). The status reports replicas, readyReplicas,
/// availableReplicas, currentReplicas, updatedReplicas and the current and update revisions.
public final class StatefulSetController: Controller {
    public let name = "statefulset-controller"
    public let queue = WorkQueue<String>(name: "statefulset")
    let objects: ObjectStore
    let sets: SharedInformer
    let pods: SharedInformer
    let setType: ResourceType
    let podType: ResourceType
    let claimType: ResourceType
    let history: ControllerHistory
    let events: EventRecorder
    let logger: Logger

    public init(objects: ObjectStore, sets: SharedInformer, pods: SharedInformer, revisions: SharedInformer, logger: Logger) {
        self.objects = objects
        self.sets = sets
        self.pods = pods
        self.setType = objects.registry.lookup(group: "apps", version: "v1", plural: "statefulsets")!
        self.podType = objects.registry.lookup(group: "", version: "v1", plural: "pods")!
        self.claimType = objects.registry.lookup(group: "", version: "v1", plural: "persistentvolumeclaims")!
        self.history = ControllerHistory(objects: objects, revisions: revisions, ownerType: setType)
        self.events = EventRecorder(objects: objects, component: "statefulset-controller", logger: logger)
        self.logger = logger
        sets.addHandler { [queue] event in queue.add(SharedInformer.key(of: event.object)) }
        pods.addHandler { [queue] event in
            guard let ref = ReplicaSetController.controllerRef(event.object, kind: "StatefulSet"), let name = ref["name"]?.stringValue else { return }
            queue.add((event.object[path: ["metadata", "namespace"]]?.stringValue ?? "") + "/" + name)
        }
    }

    static func ordinal(of pod: JSONValue, set: String) -> Int? {
        let name = DeploymentController.name(pod)
        guard name.hasPrefix(set + "-") else { return nil }
        return Int(name.dropFirst(set.count + 1))
    }

    static func isRunningAndReady(_ pod: JSONValue) -> Bool {
        pod[path: ["status", "phase"]]?.stringValue == "Running" && ReplicaSetController.isReady(pod)
    }

    public func reconcile(_ key: String) async throws {
        guard let set = sets.get(key), set[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let setName = DeploymentController.name(set)
        let namespace = set[path: ["metadata", "namespace"]]?.stringValue
        let uid = set[path: ["metadata", "uid"]]?.stringValue ?? ""
        let replicas = Int(clamping: max(0, set[path: ["spec", "replicas"]]?.integerValue ?? 1))
        let parallel = set[path: ["spec", "podManagementPolicy"]]?.stringValue == "Parallel"
        let template = set[path: ["spec", "template"]] ?? [:]
        let hash = DeploymentController.templateHash(template, collisionCount: 0)
        let updateRevision = DeploymentController.name(try await history.ensureCurrent(set, hash: hash, extraLabels: ["controller.kubernetes.io/hash": hash]))
        var byOrdinal: [Int: JSONValue] = [:]
        for pod in pods.byIndex(SharedInformer.ownerIndex, uid) where ReplicaSetController.controllerRef(pod)?["uid"]?.stringValue == uid {
            if let ordinal = Self.ordinal(of: pod, set: setName) { byOrdinal[ordinal] = pod }
        }
        // Terminating or finished pods are waited for (and failed ones replaced).
        for (ordinal, pod) in byOrdinal where pod[path: ["metadata", "deletionTimestamp"]] == nil && ["Failed", "Succeeded"].contains(pod[path: ["status", "phase"]]?.stringValue ?? "") {
            try await delete(pod)
            byOrdinal[ordinal] = nil
        }

        var acted = false
        // Create missing pods (in order unless Parallel).
        for ordinal in 0..<replicas {
            if let pod = byOrdinal[ordinal] {
                if !parallel, !Self.isRunningAndReady(pod) || pod[path: ["metadata", "deletionTimestamp"]] != nil { acted = true; break }
                continue
            }
            try await createClaims(set, ordinal: ordinal)
            try await createPod(set, ordinal: ordinal, revision: updateRevision)
            acted = true
            if !parallel { break }
        }
        // Scale down: the highest ordinals beyond replicas go first.
        if !acted || parallel {
            let extra = byOrdinal.keys.filter { $0 >= replicas }.sorted(by: >)
            for ordinal in extra {
                guard let pod = byOrdinal[ordinal] else { continue }
                if pod[path: ["metadata", "deletionTimestamp"]] == nil { try await delete(pod) }
                acted = true
                if !parallel { break }
            }
        }
        // Rolling update, highest ordinal first, down to the partition, one at a time.
        if !acted, set[path: ["spec", "updateStrategy", "type"]]?.stringValue ?? "RollingUpdate" == "RollingUpdate" {
            let partition = Int(clamping: set[path: ["spec", "updateStrategy", "rollingUpdate", "partition"]]?.integerValue ?? 0)
            let ready = (0..<replicas).allSatisfy { byOrdinal[$0].map(Self.isRunningAndReady) ?? false }
            if ready, let target = (partition..<max(partition, replicas)).reversed().first(where: {
                byOrdinal[$0]?[path: ["metadata", "labels", DaemonSetController.hashLabel]]?.stringValue != updateRevision
            }), let pod = byOrdinal[target] {
                try await delete(pod)
            }
        }
        let currentRevision = try await updateStatus(set, byOrdinal: byOrdinal, replicas: replicas, updateRevision: updateRevision, namespace: namespace)
        let inUse = byOrdinal.values.compactMap { $0[path: ["metadata", "labels", DaemonSetController.hashLabel]]?.stringValue }
        try await history.prune(set, inUse: Set(inUse + [updateRevision, currentRevision]))
    }

    private func delete(_ pod: JSONValue) async throws {
        do {
            try await objects.delete(podType, namespace: pod[path: ["metadata", "namespace"]]?.stringValue, name: DeploymentController.name(pod),
                                     options: .init(uid: pod[path: ["metadata", "uid"]]?.stringValue))
        } catch let error as APIError where error.code == 404 {
            return
        }
    }

    private func createClaims(_ set: JSONValue, ordinal: Int) async throws {
        let namespace = set[path: ["metadata", "namespace"]]?.stringValue
        for template in set[path: ["spec", "volumeClaimTemplates"]]?.arrayValue ?? [] {
            guard let templateName = template[path: ["metadata", "name"]]?.stringValue else { continue }
            var claim = template
            claim["apiVersion"] = "v1"
            claim["kind"] = "PersistentVolumeClaim"
            var metadata = claim["metadata"]?.objectValue ?? [:]
            metadata["name"] = .string("\(templateName)-\(DeploymentController.name(set))-\(ordinal)")
            var labels = metadata["labels"]?.objectValue ?? [:]
            for (key, value) in set[path: ["spec", "selector", "matchLabels"]]?.objectValue ?? [:] { labels[key] = value }
            metadata["labels"] = .object(labels)
            claim["metadata"] = .object(metadata)
            claim["status"] = nil
            do {
                _ = try await objects.create(claimType, namespace: namespace, body: claim)
            } catch let error as APIError where error.code == 409 {
                continue  // kept from an earlier pod of this ordinal
            }
        }
    }

    private func createPod(_ set: JSONValue, ordinal: Int, revision: String) async throws {
        let setName = DeploymentController.name(set)
        let name = "\(setName)-\(ordinal)"
        var template = set[path: ["spec", "template"]] ?? [:]
        var metadata = template["metadata"]?.objectValue ?? [:]
        metadata["name"] = .string(name)
        metadata["ownerReferences"] = [ReplicaSetController.ownerReference(set, type: setType)]
        var labels = metadata["labels"]?.objectValue ?? [:]
        labels["statefulset.kubernetes.io/pod-name"] = .string(name)
        labels["apps.kubernetes.io/pod-index"] = .string(String(ordinal))
        labels[DaemonSetController.hashLabel] = .string(revision)
        metadata["labels"] = .object(labels)
        template["metadata"] = .object(metadata)
        var spec = template["spec"] ?? [:]
        spec["hostname"] = .string(name)
        if let service = set[path: ["spec", "serviceName"]]?.stringValue, !service.isEmpty { spec["subdomain"] = .string(service) }
        var volumes = spec["volumes"]?.arrayValue ?? []
        for claim in set[path: ["spec", "volumeClaimTemplates"]]?.arrayValue ?? [] {
            guard let claimName = claim[path: ["metadata", "name"]]?.stringValue else { continue }
            volumes.removeAll { $0["name"]?.stringValue == claimName }
            volumes.append(["name": .string(claimName), "persistentVolumeClaim": ["claimName": .string("\(claimName)-\(setName)-\(ordinal)")]])
        }
        if !volumes.isEmpty { spec["volumes"] = .array(volumes) }
        template["spec"] = spec
        template["apiVersion"] = "v1"
        template["kind"] = "Pod"
        do {
            _ = try await objects.create(podType, namespace: set[path: ["metadata", "namespace"]]?.stringValue, body: template)
            await events.record(set, reason: "SuccessfulCreate", message: "create Pod \(name) in StatefulSet \(setName) successful")
        } catch let error as APIError where error.code == 409 {
            return
        }
    }

    /// Writes the status if it changed; returns the current revision.
    @discardableResult
    private func updateStatus(_ set: JSONValue, byOrdinal: [Int: JSONValue], replicas: Int, updateRevision: String, namespace: String?) async throws -> String {
        let live = byOrdinal.values.filter { $0[path: ["metadata", "deletionTimestamp"]] == nil }
        let ready = live.filter(ReplicaSetController.isReady)
        let minReady = set[path: ["spec", "minReadySeconds"]]?.integerValue ?? 0
        let updated = live.filter { $0[path: ["metadata", "labels", DaemonSetController.hashLabel]]?.stringValue == updateRevision }
        var status = set["status"] ?? [:]
        let previousCurrent = status["currentRevision"]?.stringValue ?? updateRevision
        // The update is complete once every replica runs the update revision.
        let complete = updated.count == replicas && live.count == replicas
        let currentRevision = complete ? updateRevision : previousCurrent
        status["observedGeneration"] = set[path: ["metadata", "generation"]] ?? 1
        status["replicas"] = .integer(Int64(live.count))
        status["readyReplicas"] = .integer(Int64(ready.count))
        status["availableReplicas"] = .integer(Int64(live.filter { ReplicaSetController.isAvailable($0, minReadySeconds: minReady, now: Date()) }.count))
        status["currentReplicas"] = .integer(Int64(live.filter { $0[path: ["metadata", "labels", DaemonSetController.hashLabel]]?.stringValue == currentRevision }.count))
        status["updatedReplicas"] = .integer(Int64(updated.count))
        status["currentRevision"] = .string(currentRevision)
        status["updateRevision"] = .string(updateRevision)
        status["collisionCount"] = status["collisionCount"] ?? 0
        for key in ["readyReplicas", "availableReplicas", "currentReplicas", "updatedReplicas"] where status[key] == 0 { status[key] = nil }
        guard status != (set["status"] ?? [:]) else { return currentRevision }
        var body = set
        body["status"] = status
        do {
            _ = try await objects.update(setType, namespace: namespace, name: DeploymentController.name(set), body: body, subresource: "status")
        } catch let error as APIError where error.code == 404 {
            return currentRevision
        }
        return currentRevision
    }
}
