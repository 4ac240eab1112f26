/// StorageClasses (storage.k8s.io/v1), defaulted and validated as kube-apiserver does: the
/// reclaim policy defaults to `Delete` and the binding mode to `Immediate`; a class needs a
/// provisioner; its provisioner, parameters, reclaim policy and binding mode never change.
struct StorageClassStrategy: ResourceStrategy {
    /// The annotation that marks the cluster's default class (and its beta spelling).
    static let defaultAnnotations = ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"]

    /// Whether `storageClass` is marked as a default class.
    static func isDefault(_ storageClass: JSONValue) -> Bool {
        defaultAnnotations.contains { storageClass[path: ["metadata", "annotations", $0]]?.stringValue == "true" }
    }

    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws { Self.defaults(&object) }

    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) { Self.defaults(&new) }

    private static func defaults(_ object: inout JSONValue) {
        if object["reclaimPolicy"] == nil { object["reclaimPolicy"] = "Delete" }
        if object["volumeBindingMode"] == nil { object["volumeBindingMode"] = "Immediate" }
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        if (object["provisioner"]?.stringValue ?? "").isEmpty {
            causes.append(APIError.Cause(field: "provisioner", type: "FieldValueRequired", message: "Required value"))
        }
        if let policy = object["reclaimPolicy"]?.stringValue, !["Delete", "Retain"].contains(policy) {
            causes.append(APIError.Cause(
                field: "reclaimPolicy", type: "FieldValueNotSupported", message: "Unsupported value: \(APIError.quoted(policy)): supported values: \"Delete\", \"Retain\""))
        }
        if let mode = object["volumeBindingMode"]?.stringValue, !["Immediate", "WaitForFirstConsumer"].contains(mode) {
            causes.append(APIError.Cause(
                field: "volumeBindingMode", type: "FieldValueNotSupported",
                message: "Unsupported value: \(APIError.quoted(mode)): supported values: \"Immediate\", \"WaitForFirstConsumer\""))
        }
        return causes
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes = validate(new)
        for key in ["parameters", "provisioner", "reclaimPolicy", "volumeBindingMode"] where new[key] != old[key] {
            causes.append(APIError.Cause(field: key, type: "FieldValueForbidden", message: "Forbidden: updates to \(key) are forbidden."))
        }
        return causes
    }
}
