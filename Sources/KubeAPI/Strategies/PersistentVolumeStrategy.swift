/// PersistentVolumes (core/v1), defaulted and validated as kube-apiserver does: the reclaim
/// policy defaults to `Retain` and the volume mode to `Filesystem`; a volume needs access modes,
/// a `storage` capacity and exactly one volume source; a `local` volume needs node affinity. A
/// new volume starts `Pending` (the PV controller moves it on).
struct PersistentVolumeStrategy: ResourceStrategy {
    /// The access modes a volume or claim may name (`ReadWriteOncePod` since 1.22).
    static let accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
    /// The volume sources of core/v1 PersistentVolumeSpec.
    static let sources = [
        "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume", "flocker", "gcePersistentDisk",
        "glusterfs", "hostPath", "iscsi", "local", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO",
        "storageos", "vsphereVolume",
    ]

    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        Self.defaults(&object)
        object["status"] = ["phase": "Pending"]
    }

    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) { Self.defaults(&new) }

    private static func defaults(_ object: inout JSONValue) {
        if object[path: ["spec", "persistentVolumeReclaimPolicy"]] == nil { object[path: "spec.persistentVolumeReclaimPolicy"] = "Retain" }
        if object[path: ["spec", "volumeMode"]] == nil { object[path: "spec.volumeMode"] = "Filesystem" }
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        let spec = object["spec"] ?? [:]
        var causes = Self.validateAccessModes(spec["accessModes"], field: "spec.accessModes")
        if let storage = spec[path: ["capacity", "storage"]] {
            causes += Self.validateQuantity(storage, field: "spec.capacity[storage]")
        } else {
            causes.append(APIError.Cause(field: "spec.capacity", type: "FieldValueRequired", message: "Required value"))
        }
        let given = Self.sources.filter { spec[$0] != nil }
        if given.isEmpty {
            causes.append(APIError.Cause(field: "spec", type: "FieldValueRequired", message: "Required value: must specify a volume type"))
        } else if given.count > 1 {
            causes.append(APIError.Cause(field: "spec.\(given[1])", type: "FieldValueForbidden", message: "Forbidden: may not specify more than 1 volume type"))
        }
        if let hostPath = spec["hostPath"], (hostPath["path"]?.stringValue ?? "").isEmpty {
            causes.append(APIError.Cause(field: "spec.hostPath.path", type: "FieldValueRequired", message: "Required value"))
        }
        if let local = spec["local"] {
            if (local["path"]?.stringValue ?? "").isEmpty { causes.append(APIError.Cause(field: "spec.local.path", type: "FieldValueRequired", message: "Required value")) }
            if spec[path: ["nodeAffinity", "required"]] == nil {
                causes.append(APIError.Cause(field: "spec.nodeAffinity", type: "FieldValueRequired", message: "Required value: Local volume requires node affinity"))
            }
        }
        if let policy = spec["persistentVolumeReclaimPolicy"]?.stringValue, !["Delete", "Recycle", "Retain"].contains(policy) {
            causes.append(APIError.Cause(
                field: "spec.persistentVolumeReclaimPolicy", type: "FieldValueNotSupported",
                message: "Unsupported value: \(APIError.quoted(policy)): supported values: \"Delete\", \"Recycle\", \"Retain\""))
        }
        causes += Self.validateVolumeMode(spec["volumeMode"], field: "spec.volumeMode")
        return causes
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes = validate(new)
        // Only the binding and reclaim fields may change; the source and mode are fixed.
        for key in Self.sources + ["volumeMode"] where new[path: ["spec", key]] != old[path: ["spec", key]] {
            causes.append(APIError.Cause(field: "spec.\(key)", type: "FieldValueInvalid", message: "Invalid value: \(new[path: ["spec", key]]?.jsonString ?? "null"): field is immutable"))
        }
        if old[path: ["spec", "nodeAffinity"]] != nil, new[path: ["spec", "nodeAffinity"]] != old[path: ["spec", "nodeAffinity"]] {
            causes.append(APIError.Cause(field: "spec.nodeAffinity", type: "FieldValueInvalid", message: "Invalid value: \"object\": field is immutable"))
        }
        return causes
    }

    /// At least one access mode, each a known one (kube's messages).
    static func validateAccessModes(_ modes: JSONValue?, field: String) -> [APIError.Cause] {
        let modes = modes?.arrayValue ?? []
        guard !modes.isEmpty else { return [APIError.Cause(field: field, type: "FieldValueRequired", message: "Required value: at least 1 access mode is required")] }
        var causes: [APIError.Cause] = []
        for mode in modes where !accessModes.contains(mode.stringValue ?? "") {
            causes.append(APIError.Cause(
                field: field, type: "FieldValueNotSupported",
                message: "Unsupported value: \(APIError.quoted(mode.stringValue ?? "")): supported values: \(accessModes.map { "\"\($0)\"" }.joined(separator: ", "))"))
        }
        if modes.contains("ReadWriteOncePod"), modes.count > 1 {
            causes.append(APIError.Cause(field: field, type: "FieldValueForbidden", message: "Forbidden: may not use ReadWriteOncePod with other access modes"))
        }
        return causes
    }

    /// A storage quantity: parseable and not negative.
    static func validateQuantity(_ value: JSONValue, field: String) -> [APIError.Cause] {
        guard let text = value.stringValue ?? value.integerValue.map(String.init), let quantity = Quantity(text) else {
            return [APIError.Cause(field: field, message: "Invalid value: \(value.jsonString): quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
        }
        if quantity.milliValue < 0 { return [APIError.Cause(field: field, message: "Invalid value: \(APIError.quoted(text)): must be greater than or equal to 0")] }
        return []
    }

    /// `Filesystem` or `Block`, when given.
    static func validateVolumeMode(_ mode: JSONValue?, field: String) -> [APIError.Cause] {
        guard let mode, !["Block", "Filesystem"].contains(mode.stringValue ?? "") else { return [] }
        return [APIError.Cause(
            field: field, type: "FieldValueNotSupported", message: "Unsupported value: \(APIError.quoted(mode.stringValue ?? "")): supported values: \"Block\", \"Filesystem\"")]
    }
}
