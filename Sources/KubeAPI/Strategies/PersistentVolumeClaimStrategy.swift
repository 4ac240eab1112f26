/// PersistentVolumeClaims (core/v1), defaulted and validated as kube-apiserver does: the volume
/// mode defaults to `Filesystem`; a claim needs access modes and a `storage` request; a new claim
/// starts `Pending`. After creation the spec is fixed, except that the binder may fill an empty
/// `volumeName` and a default class may fill an unset `storageClassName`.
struct PersistentVolumeClaimStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        if object[path: ["spec", "volumeMode"]] == nil { object[path: "spec.volumeMode"] = "Filesystem" }
        object["status"] = ["phase": "Pending"]
    }

    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) {
        if new[path: ["spec", "volumeMode"]] == nil { new[path: "spec.volumeMode"] = old[path: ["spec", "volumeMode"]] }
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        let spec = object["spec"] ?? [:]
        var causes = PersistentVolumeStrategy.validateAccessModes(spec["accessModes"], field: "spec.accessModes")
        if let storage = spec[path: ["resources", "requests", "storage"]] {
            causes += PersistentVolumeStrategy.validateQuantity(storage, field: "spec.resources[storage]")
        } else {
            causes.append(APIError.Cause(field: "spec.resources[storage]", type: "FieldValueRequired", message: "Required value"))
        }
        causes += PersistentVolumeStrategy.validateVolumeMode(spec["volumeMode"], field: "spec.volumeMode")
        return causes
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes = validate(new)
        var newSpec = new["spec"] ?? [:]
        let oldSpec = old["spec"] ?? [:]
        if (oldSpec["volumeName"]?.stringValue ?? "").isEmpty { newSpec["volumeName"] = oldSpec["volumeName"] }
        if oldSpec["storageClassName"] == nil || oldSpec["storageClassName"] == .null { newSpec["storageClassName"] = oldSpec["storageClassName"] }
        if newSpec != oldSpec {
            causes.append(APIError.Cause(
                field: "spec", type: "FieldValueForbidden",
                message: "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
        }
        return causes
    }
}
