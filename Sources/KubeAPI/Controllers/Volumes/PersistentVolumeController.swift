import Foundation
public import Logging

/// Binds PersistentVolumeClaims to PersistentVolumes and keeps both phases true, as
/// kube-controller-manager's persistentvolume-binder: an unbound claim takes a volume pre-bound
/// to it, else (unless its class waits for the first consumer) the smallest Available volume that
/// matches; failing that, a class with a provisioner is asked for one (the storage-provisioner
/// annotations and an `ExternalProvisioning` event), a WaitForFirstConsumer class waits for the
/// scheduler's selected node. A bind writes the volume's claimRef and phase, then the claim's
/// volumeName, annotations, phase, capacity and access modes. A volume whose claim is gone is
/// `Released`; with policy `Delete`, its provisioner deletes it (``LocalPathProvisioner``).
/// Claims queue as `claim:<ns>/<name>`, volumes as `volume:<name>`.
public final class PersistentVolumeController: Controller {
    public let name = "persistentvolume-binder"
    public let queue = WorkQueue<String>(name: "claims")
    let objects: ObjectStore
    let claims: SharedInformer
    let volumes: SharedInformer
    let classes: SharedInformer
    let pods: SharedInformer
    let claimType: ResourceType
    let volumeType: ResourceType
    let events: EventRecorder
    let logger: Logger

    public init(objects: ObjectStore, claims: SharedInformer, volumes: SharedInformer, classes: SharedInformer, pods: SharedInformer, logger: Logger) {
        self.objects = objects
        self.claims = claims
        self.volumes = volumes
        self.classes = classes
        self.pods = pods
        self.claimType = objects.registry.lookup(group: "", version: "v1", plural: "persistentvolumeclaims")!
        self.volumeType = objects.registry.lookup(group: "", version: "v1", plural: "persistentvolumes")!
        self.events = EventRecorder(objects: objects, component: "persistentvolume-controller", logger: logger)
        self.logger = logger
        claims.addHandler { [queue] event in
            queue.add("claim:" + SharedInformer.key(of: event.object))
            // A claim that goes away (or names a volume) changes that volume's phase.
            if let volume = event.object[path: ["spec", "volumeName"]]?.stringValue, !volume.isEmpty { queue.add("volume:" + volume) }
        }
        volumes.addHandler { [queue] event in
            queue.add("volume:" + SharedInformer.key(of: event.object))
            if let reference = event.object[path: ["spec", "claimRef"]], let name = reference["name"]?.stringValue {
                queue.add("claim:" + (reference["namespace"]?.stringValue ?? "") + "/" + name)
            }
        }
        classes.addHandler { [weak self] _ in
            guard let self else { return }
            for claim in self.claims.list() where (claim[path: ["spec", "volumeName"]]?.stringValue ?? "").isEmpty {
                self.queue.add("claim:" + SharedInformer.key(of: claim))
            }
        }
        pods.addHandler { [weak self] event in
            // A pod appearing or being scheduled changes what a waiting claim reports.
            guard let self else { return }
            let namespace = event.object[path: ["metadata", "namespace"]]?.stringValue ?? ""
            for claim in VolumeBinding.claimNames(of: event.object) { self.queue.add("claim:" + namespace + "/" + claim) }
        }
    }

    public func reconcile(_ key: String) async throws {
        if key.hasPrefix("claim:") {
            guard let claim = claims.get(String(key.dropFirst(6))) else { return }
            try await syncClaim(claim)
        } else if key.hasPrefix("volume:") {
            guard let volume = volumes.get(String(key.dropFirst(7))) else { return }
            try await syncVolume(volume)
        }
    }

    // MARK: Claims

    private func syncClaim(_ claim: JSONValue) async throws {
        let volumeName = claim[path: ["spec", "volumeName"]]?.stringValue ?? ""
        if volumeName.isEmpty {
            try await syncUnboundClaim(claim)
            return
        }
        guard let volume = volumes.get(volumeName) else {
            if claim[path: ["status", "phase"]]?.stringValue != "Lost" {
                try await setClaimPhase(claim, "Lost")
                await events.record(claim, type: "Warning", reason: "ClaimLost", message: "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
            }
            return
        }
        let reference = volume[path: ["spec", "claimRef"]]
        let claimUID = claim[path: ["metadata", "uid"]]?.stringValue ?? ""
        if reference == nil || reference == .null || (VolumeBinding.isPreBound(volume, to: claim) && (reference?["uid"]?.stringValue ?? "").isEmpty) {
            // The claim names the volume but the volume does not point back yet: finish the bind.
            try await bind(volume, claim)
        } else if reference?["uid"]?.stringValue == claimUID {
            if !VolumeBinding.isFullyBound(claim) || claim[path: ["status", "phase"]]?.stringValue != "Bound" { try await bind(volume, claim) }
        } else {
            await events.record(claim, type: "Warning", reason: "ClaimMisbound", message: "Two claims are bound to the same volume, this one is bound incorrectly")
        }
    }

    private func syncUnboundClaim(_ claim: JSONValue) async throws {
        let className = VolumeBinding.className(claim)
        let storageClass = className.isEmpty ? nil : classes.get(className)
        let delayed = VolumeBinding.waitsForFirstConsumer(storageClass)
        if let volume = findVolume(for: claim, delayed: delayed) {
            try await bind(volume, claim)
            return
        }
        if claim[path: ["status", "phase"]]?.stringValue != "Pending" { try await setClaimPhase(claim, "Pending") }
        if className.isEmpty {
            await events.record(claim, reason: "FailedBinding", message: "no persistent volumes available for this claim and no storage class is set")
            return
        }
        guard let storageClass else {
            await events.record(claim, type: "Warning", reason: "ProvisioningFailed", message: "storageclass.storage.k8s.io \"\(className)\" not found")
            return
        }
        let annotations = claim[path: ["metadata", "annotations"]]?.stringMap ?? [:]
        if delayed, (annotations[VolumeBinding.selectedNode] ?? "").isEmpty {
            let waiting = waitingReason(claim)
            await events.record(claim, reason: waiting.reason, message: waiting.message)
            return
        }
        let provisioner = storageClass["provisioner"]?.stringValue ?? ""
        guard provisioner != "kubernetes.io/no-provisioner" else {
            await events.record(claim, reason: "FailedBinding", message: "no persistent volumes available for this claim and no storage class is set")
            return
        }
        guard annotations[VolumeBinding.storageProvisioner] != provisioner || annotations[VolumeBinding.betaStorageProvisioner] != provisioner else { return }
        var updated = claim
        VolumeBinding.annotate(&updated, VolumeBinding.storageProvisioner, provisioner)
        VolumeBinding.annotate(&updated, VolumeBinding.betaStorageProvisioner, provisioner)
        let stored = try await objects.update(claimType, namespace: namespace(claim), name: name(claim), body: updated)
        await events.record(
            stored, reason: "ExternalProvisioning",
            message: "Waiting for a volume to be created either by the external provisioner '\(provisioner)' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.")
    }

    /// `WaitForFirstConsumer` while no pod uses the claim, `WaitForPodScheduled` while its pods wait.
    private func waitingReason(_ claim: JSONValue) -> (reason: String, message: String) {
        let claimName = name(claim)
        let waiting = pods.byIndex(SharedInformer.namespaceIndex, namespace(claim))
            .filter { VolumeBinding.claimNames(of: $0).contains(claimName) && ($0[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty }
            .compactMap { $0[path: ["metadata", "name"]]?.stringValue }.sorted()
        if waiting.isEmpty { return ("WaitForFirstConsumer", "waiting for first consumer to be created before binding") }
        if waiting.count == 1 { return ("WaitForPodScheduled", "waiting for pod \(waiting[0]) to be scheduled") }
        return ("WaitForPodScheduled", "waiting for pods \(waiting.joined(separator: ",")) to be scheduled")
    }

    /// A volume pre-bound to `claim`, else (not for delayed claims: the scheduler picks those) the
    /// smallest Available one that matches.
    private func findVolume(for claim: JSONValue, delayed: Bool) -> JSONValue? {
        let all = volumes.list().filter { $0[path: ["metadata", "deletionTimestamp"]] == nil }
        if let preBound = all.first(where: { VolumeBinding.isPreBound($0, to: claim) && VolumeBinding.matches($0, claim: claim) }) { return preBound }
        guard !delayed else { return nil }
        return all.filter { volume in
            let reference = volume[path: ["spec", "claimRef"]]
            return (reference == nil || reference == .null) && volume[path: ["status", "phase"]]?.stringValue == "Available" && VolumeBinding.matches(volume, claim: claim)
        }.min { VolumeBinding.capacityBytes($0) < VolumeBinding.capacityBytes($1) }
    }

    /// kube's four writes: volume claimRef, volume phase, claim volumeName and annotations, claim status.
    private func bind(_ volume: JSONValue, _ claim: JSONValue) async throws {
        let volumeName = name(volume)
        var current = volume
        let reference: JSONValue = [
            "kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": .string(namespace(claim)), "name": .string(name(claim)),
            "uid": claim[path: ["metadata", "uid"]] ?? "", "resourceVersion": claim[path: ["metadata", "resourceVersion"]] ?? "",
        ]
        let pointsHere = volume[path: ["spec", "claimRef", "uid"]] == claim[path: ["metadata", "uid"]]
        if !pointsHere {
            var updated = volume
            updated[path: "spec.claimRef"] = reference
            if !VolumeBinding.isPreBound(volume, to: claim) { VolumeBinding.annotate(&updated, VolumeBinding.boundByController, "yes") }
            current = try await objects.update(volumeType, namespace: nil, name: volumeName, body: updated)
        }
        if current[path: ["status", "phase"]]?.stringValue != "Bound" {
            current = try await objects.mergePatch(volumeType, namespace: nil, name: volumeName, patch: ["status": ["phase": "Bound"]], subresource: "status")
        }
        var updatedClaim = claim
        let needsName = (claim[path: ["spec", "volumeName"]]?.stringValue ?? "") != volumeName
        if needsName || claim[path: ["metadata", "annotations", VolumeBinding.bindCompleted]] == nil {
            if needsName {
                updatedClaim[path: "spec.volumeName"] = .string(volumeName)
                VolumeBinding.annotate(&updatedClaim, VolumeBinding.boundByController, "yes")
            }
            VolumeBinding.annotate(&updatedClaim, VolumeBinding.bindCompleted, "yes")
            updatedClaim = try await objects.update(claimType, namespace: namespace(claim), name: name(claim), body: updatedClaim)
        }
        if updatedClaim[path: ["status", "phase"]]?.stringValue != "Bound" {
            var status: JSONValue = ["phase": "Bound", "accessModes": current[path: ["spec", "accessModes"]] ?? []]
            status["capacity"] = current[path: ["spec", "capacity"]] ?? [:]
            _ = try await objects.mergePatch(claimType, namespace: namespace(claim), name: name(claim), patch: ["status": status], subresource: "status")
            logger.debug("claim bound", metadata: ["claim": "\(namespace(claim))/\(name(claim))", "volume": "\(volumeName)"])
        }
    }

    private func setClaimPhase(_ claim: JSONValue, _ phase: String) async throws {
        _ = try await objects.mergePatch(claimType, namespace: namespace(claim), name: name(claim), patch: ["status": ["phase": .string(phase)]], subresource: "status")
    }

    // MARK: Volumes

    private func syncVolume(_ volume: JSONValue) async throws {
        let phase = volume[path: ["status", "phase"]]?.stringValue ?? ""
        guard let reference = volume[path: ["spec", "claimRef"]], reference != .null else {
            if phase != "Available" { try await setVolumePhase(volume, "Available") }
            return
        }
        let referenceUID = reference["uid"]?.stringValue ?? ""
        if referenceUID.isEmpty {
            // Pre-bound by the user (or the scheduler); the claim's sync finishes the bind.
            if phase != "Available" { try await setVolumePhase(volume, "Available") }
            return
        }
        let claimKey = (reference["namespace"]?.stringValue ?? "") + "/" + (reference["name"]?.stringValue ?? "")
        let claim = claims.get(claimKey)
        guard let claim, claim[path: ["metadata", "uid"]]?.stringValue == referenceUID else {
            // The claim is gone (or replaced): Released, then reclaimed.
            if phase != "Released", phase != "Failed" { try await setVolumePhase(volume, "Released") }
            try await reclaim(volume)
            return
        }
        let claimVolume = claim[path: ["spec", "volumeName"]]?.stringValue ?? ""
        if claimVolume.isEmpty {
            queue.add("claim:" + claimKey)  // binding in progress: the claim's sync completes it
            return
        }
        if claimVolume == name(volume) {
            if phase != "Bound" { try await setVolumePhase(volume, "Bound") }
        } else if volume[path: ["metadata", "annotations", VolumeBinding.boundByController]] != nil {
            // The claim went to another volume: give this one back.
            var updated = volume
            updated[path: "spec.claimRef"] = nil
            VolumeBinding.annotate(&updated, VolumeBinding.boundByController, nil)
            _ = try await objects.update(volumeType, namespace: nil, name: name(volume), body: updated)
            try await setVolumePhase(volume, "Available")
        }
    }

    /// What happens to a released volume: `Retain` keeps it; `Delete` is its provisioner's job
    /// (``LocalPathProvisioner`` for its own); with no provisioner, or `Recycle`, it fails as in kube.
    private func reclaim(_ volume: JSONValue) async throws {
        let policy = volume[path: ["spec", "persistentVolumeReclaimPolicy"]]?.stringValue ?? "Retain"
        let provisioner = volume[path: ["metadata", "annotations", VolumeBinding.provisionedBy]]?.stringValue
        switch policy {
        case "Delete" where provisioner == LocalPathProvisioner.name:
            return
        case "Delete", "Recycle":
            guard volume[path: ["status", "phase"]]?.stringValue != "Failed" else { return }
            let message = policy == "Delete"
                ? "error getting deleter volume plugin for volume \"\(name(volume))\": no deletable volume plugin matched"
                : "No recycler plugin found for the volume!"
            _ = try await objects.mergePatch(volumeType, namespace: nil, name: name(volume), patch: ["status": ["phase": "Failed", "message": .string(message)]], subresource: "status")
            await events.record(volume, type: "Warning", reason: policy == "Delete" ? "VolumeFailedDelete" : "VolumeFailedRecycle", message: message)
        default:
            return
        }
    }

    private func setVolumePhase(_ volume: JSONValue, _ phase: String) async throws {
        _ = try await objects.mergePatch(volumeType, namespace: nil, name: name(volume), patch: ["status": ["phase": .string(phase), "message": .null]], subresource: "status")
    }

    private func name(_ object: JSONValue) -> String { object[path: ["metadata", "name"]]?.stringValue ?? "" }
    private func namespace(_ object: JSONValue) -> String { object[path: ["metadata", "namespace"]]?.stringValue ?? "" }
}
