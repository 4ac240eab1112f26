import Foundation
public import Logging

/// kube-controller-manager's pv-protection controller: a PersistentVolume being deleted keeps its
/// `kubernetes.io/pv-protection` finalizer while it is `Bound`, and loses it once it is not.
public final class VolumeProtectionController: Controller {
    public let name = "pv-protection-controller"
    public let queue = WorkQueue<String>(name: "pvprotection")
    let objects: ObjectStore
    let volumes: SharedInformer
    let volumeType: ResourceType

    public init(objects: ObjectStore, volumes: SharedInformer, logger: Logger) {
        self.objects = objects
        self.volumes = volumes
        self.volumeType = objects.registry.lookup(group: "", version: "v1", plural: "persistentvolumes")!
        volumes.addHandler { [queue] event in
            if event.object[path: ["metadata", "deletionTimestamp"]] != nil { queue.add(SharedInformer.key(of: event.object)) }
        }
    }

    public func reconcile(_ key: String) async throws {
        guard let volume = volumes.get(key), volume[path: ["metadata", "deletionTimestamp"]] != nil,
            volume[path: ["status", "phase"]]?.stringValue != "Bound"
        else { return }
        let finalizers = volume[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        guard finalizers.contains(.string(StorageObjectInUseProtection.volumeFinalizer)) else { return }
        var updated = volume
        updated[path: "metadata.finalizers"] = .array(finalizers.filter { $0 != .string(StorageObjectInUseProtection.volumeFinalizer) })
        _ = try await objects.update(volumeType, namespace: nil, name: key, body: updated)
    }
}
