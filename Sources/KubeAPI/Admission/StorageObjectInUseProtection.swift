/// kube-apiserver's StorageObjectInUseProtection admission plugin: every new
/// PersistentVolumeClaim gets the `kubernetes.io/pvc-protection` finalizer and every new
/// PersistentVolume `kubernetes.io/pv-protection`, so neither disappears while in use (the
/// protection controllers remove them once nothing uses the object).
struct StorageObjectInUseProtection: AdmissionPlugin {
    /// The claim finalizer.
    static let claimFinalizer = "kubernetes.io/pvc-protection"
    /// The volume finalizer.
    static let volumeFinalizer = "kubernetes.io/pv-protection"

    func mutate(_ attributes: inout AdmissionAttributes) async throws {
        guard attributes.operation == .create, attributes.type.group.isEmpty, attributes.subresource == nil, var object = attributes.object else { return }
        let finalizer: String
        switch attributes.type.plural {
        case "persistentvolumeclaims": finalizer = Self.claimFinalizer
        case "persistentvolumes": finalizer = Self.volumeFinalizer
        default: return
        }
        var finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        guard !finalizers.contains(.string(finalizer)) else { return }
        finalizers.append(.string(finalizer))
        object[path: "metadata.finalizers"] = .array(finalizers)
        attributes.object = object
    }
}
