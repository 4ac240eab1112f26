import Foundation
public import Logging

/// kube-controller-manager's pvc-protection controller: a PersistentVolumeClaim being deleted
/// keeps its `kubernetes.io/pvc-protection` finalizer while a scheduled pod that has not
/// finished uses it, and loses it (so the deletion completes) once none does.
public final class ClaimProtectionController: Controller {
    public let name = "pvc-protection-controller"
    public let queue = WorkQueue<String>(name: "pvcprotection")
    let objects: ObjectStore
    let claims: SharedInformer
    let pods: SharedInformer
    let claimType: ResourceType

    public init(objects: ObjectStore, claims: SharedInformer, pods: SharedInformer, logger: Logger) {
        self.objects = objects
        self.claims = claims
        self.pods = pods
        self.claimType = objects.registry.lookup(group: "", version: "v1", plural: "persistentvolumeclaims")!
        claims.addHandler { [queue] event in
            if event.object[path: ["metadata", "deletionTimestamp"]] != nil { queue.add(SharedInformer.key(of: event.object)) }
        }
        pods.addHandler { [queue] event in
            // A pod that finishes or goes away may free its claims.
            let namespace = event.object[path: ["metadata", "namespace"]]?.stringValue ?? ""
            for claim in VolumeBinding.claimNames(of: event.object) { queue.add(namespace + "/" + claim) }
        }
    }

    public func reconcile(_ key: String) async throws {
        guard let claim = claims.get(key), claim[path: ["metadata", "deletionTimestamp"]] != nil else { return }
        let finalizers = claim[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        guard finalizers.contains(.string(StorageObjectInUseProtection.claimFinalizer)) else { return }
        let namespace = claim[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let name = claim[path: ["metadata", "name"]]?.stringValue ?? ""
        if let user = Self.user(of: name, in: pods.byIndex(SharedInformer.namespaceIndex, namespace)) {
            throw RequeueRequest("claim \(key) is still used by pod \(user)")
        }
        var updated = claim
        updated[path: "metadata.finalizers"] = .array(finalizers.filter { $0 != .string(StorageObjectInUseProtection.claimFinalizer) })
        _ = try await objects.update(claimType, namespace: namespace, name: name, body: updated)
    }

    /// A scheduled pod that has not finished and uses claim `name`, if any.
    static func user(of name: String, in pods: [JSONValue]) -> String? {
        pods.first { pod in
            !(pod[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty && !["Succeeded", "Failed"].contains(pod[path: ["status", "phase"]]?.stringValue ?? "")
                && VolumeBinding.claimNames(of: pod).contains(name)
        }?[path: ["metadata", "name"]]?.stringValue
    }
}
