/// The annotations and rules the PV controller, the scheduler's VolumeBinding plugin, the
/// provisioner and the kubelet share about claims and volumes (kube's
/// `component-helpers/storage/volume`): one home, so each reads a claim the same way.
public enum VolumeBinding {
    /// On a claim: the node the scheduler chose for a WaitForFirstConsumer claim.
    public static let selectedNode = "volume.kubernetes.io/selected-node"
    /// On a claim: the provisioner asked to create its volume (and the legacy beta key).
    public static let storageProvisioner = "volume.kubernetes.io/storage-provisioner"
    /// The beta spelling of ``storageProvisioner``, still written and read.
    public static let betaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
    /// On a claim: the binder finished binding it.
    public static let bindCompleted = "pv.kubernetes.io/bind-completed"
    /// On a claim or volume: the controller (not the user) made the link.
    public static let boundByController = "pv.kubernetes.io/bound-by-controller"
    /// On a volume: the provisioner that created it.
    public static let provisionedBy = "pv.kubernetes.io/provisioned-by"

    /// Sets (or with nil removes) annotation `key` of `object` (keys hold dots, so no dotted path).
    public static func annotate(_ object: inout JSONValue, _ key: String, _ value: String?) {
        var annotations = object[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        annotations[key] = value.map { .string($0) }
        var metadata = object["metadata"] ?? [:]
        metadata["annotations"] = .object(annotations)
        object["metadata"] = metadata
    }

    /// A claim's or volume's class: `spec.storageClassName`, else the beta annotation, else "" (no class).
    public static func className(_ object: JSONValue) -> String {
        object[path: ["spec", "storageClassName"]]?.stringValue
            ?? object[path: ["metadata", "annotations", "volume.beta.kubernetes.io/storage-class"]]?.stringValue ?? ""
    }

    /// A volume's `spec.capacity.storage` in bytes (0 when unreadable).
    public static func capacityBytes(_ volume: JSONValue) -> Int64 {
        volume[path: ["spec", "capacity", "storage"]]?.stringValue.flatMap { Quantity($0)?.value } ?? 0
    }

    /// Whether `claim` names a volume and its binding completed (kube's `isPVCFullyBound`).
    public static func isFullyBound(_ claim: JSONValue) -> Bool {
        !(claim[path: ["spec", "volumeName"]]?.stringValue ?? "").isEmpty && claim[path: ["metadata", "annotations", bindCompleted]] != nil
    }

    /// Whether `storageClass` binds when the first pod is scheduled.
    public static func waitsForFirstConsumer(_ storageClass: JSONValue?) -> Bool {
        storageClass?["volumeBindingMode"]?.stringValue == "WaitForFirstConsumer"
    }

    /// The claim names a pod's volumes refer to.
    public static func claimNames(of pod: JSONValue) -> [String] {
        (pod[path: ["spec", "volumes"]]?.arrayValue ?? []).compactMap { $0[path: ["persistentVolumeClaim", "claimName"]]?.stringValue }
    }

    /// The storage a claim asks for, in bytes (0 when unreadable).
    public static func requestedBytes(_ claim: JSONValue) -> Int64 {
        claim[path: ["spec", "resources", "requests", "storage"]]?.stringValue.flatMap { Quantity($0)?.value } ?? 0
    }

    /// Whether `volume` can serve `claim` (kube's `FindMatchingVolume` checks other than node
    /// affinity): same class, enough capacity, the claim's access modes and volume mode, and the
    /// claim's selector matching the volume's labels.
    public static func matches(_ volume: JSONValue, claim: JSONValue) -> Bool {
        guard className(volume) == className(claim), capacityBytes(volume) >= requestedBytes(claim) else { return false }
        let offered = Set((volume[path: ["spec", "accessModes"]]?.arrayValue ?? []).compactMap(\.stringValue))
        let wanted = Set((claim[path: ["spec", "accessModes"]]?.arrayValue ?? []).compactMap(\.stringValue))
        guard wanted.isSubset(of: offered) else { return false }
        guard (volume[path: ["spec", "volumeMode"]]?.stringValue ?? "Filesystem") == (claim[path: ["spec", "volumeMode"]]?.stringValue ?? "Filesystem") else { return false }
        if let selector = claim[path: ["spec", "selector"]], selector != .null {
            guard let parsed = LabelSelector(structured: selector) else { return false }
            return parsed.matches(volume[path: ["metadata", "labels"]]?.stringMap ?? [:])
        }
        return true
    }

    /// Whether `volume`'s claim reference points at `claim` (by namespace and name, and by uid when it has one).
    public static func isPreBound(_ volume: JSONValue, to claim: JSONValue) -> Bool {
        guard let reference = volume[path: ["spec", "claimRef"]], reference != .null else { return false }
        guard reference["name"] == claim[path: ["metadata", "name"]], reference["namespace"] == claim[path: ["metadata", "namespace"]] else { return false }
        let uid = reference["uid"]?.stringValue ?? ""
        return uid.isEmpty || uid == claim[path: ["metadata", "uid"]]?.stringValue
    }
}
