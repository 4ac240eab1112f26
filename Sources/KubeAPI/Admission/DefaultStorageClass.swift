/// kube-apiserver's DefaultStorageClass admission plugin: a PersistentVolumeClaim created without
/// a class (no `spec.storageClassName` and no `volume.beta.kubernetes.io/storage-class`
/// annotation) gets the default StorageClass, the newest one if several are marked default.
/// An explicit `""` asks for no class and is left alone.
struct DefaultStorageClass: AdmissionPlugin {
    /// Reads the classes.
    let objects: ObjectStore

    /// The annotation that named a claim's class before `spec.storageClassName`.
    static let betaClassAnnotation = "volume.beta.kubernetes.io/storage-class"

    func mutate(_ attributes: inout AdmissionAttributes) async throws {
        guard attributes.operation == .create, attributes.type.group.isEmpty, attributes.type.plural == "persistentvolumeclaims",
            attributes.subresource == nil, var claim = attributes.object,
            claim[path: ["spec", "storageClassName"]] == nil || claim[path: ["spec", "storageClassName"]] == .null,
            claim[path: ["metadata", "annotations", Self.betaClassAnnotation]] == nil
        else { return }
        guard let name = try await Self.defaultClass(objects)?[path: ["metadata", "name"]] else { return }
        claim[path: "spec.storageClassName"] = name
        attributes.object = claim
    }

    /// The default class: among those marked default, the newest, then by name (kube's `GetDefaultClass`).
    static func defaultClass(_ objects: ObjectStore) async throws -> JSONValue? {
        guard let type = objects.registry.lookup(group: "storage.k8s.io", version: "v1", plural: "storageclasses") else { return nil }
        var options = ObjectStore.ListOptions()
        options.allowStale = true
        let classes = try await objects.list(type, namespace: nil, options: options)["items"]?.arrayValue ?? []
        return classes.filter(StorageClassStrategy.isDefault).max { a, b in
            let (createdA, createdB) = (a[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "", b[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "")
            if createdA != createdB { return createdA < createdB }
            return (a[path: ["metadata", "name"]]?.stringValue ?? "") > (b[path: ["metadata", "name"]]?.stringValue ?? "")
        }
    }
}
