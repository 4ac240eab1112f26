/// PriorityClasses (scheduling.k8s.io/v1), validated as kube-apiserver does: `preemptionPolicy`
/// defaults to `PreemptLowerPriority`; names starting `system-` are reserved for the two system
/// classes (with their values); other classes may not exceed 1,000,000,000; `value` and
/// `preemptionPolicy` cannot change. (Only one `globalDefault`: ``PriorityAdmission``.)
struct PriorityClassStrategy: ResourceStrategy {
    /// The most a class that is not a system class may have (`HighestUserDefinablePriority`).
    static let highestUserDefinable: Int64 = 1_000_000_000
    /// The system classes every cluster has, and their values.
    static let systemClasses: [(name: String, value: Int64, description: String)] = [
        ("system-node-critical", 2_000_001_000, "Used for system critical pods that must not be moved from their current node."),
        ("system-cluster-critical", 2_000_000_000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
    ]

    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        if object["preemptionPolicy"] == nil { object["preemptionPolicy"] = "PreemptLowerPriority" }
    }

    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) {
        if new["preemptionPolicy"] == nil { new["preemptionPolicy"] = old["preemptionPolicy"] }
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let value = object["value"]?.integerValue ?? 0
        if object["value"] != nil, object["value"]?.integerValue == nil || value < Int64(Int32.min) || value > Int64(Int32.max) {
            causes.append(APIError.Cause(field: "value", message: "Invalid value: \(object["value"]?.jsonString ?? ""): must be a 32-bit integer"))
        }
        if name.hasPrefix("system-") {
            if let known = Self.systemClasses.first(where: { $0.name == name }) {
                if known.value != value || object["globalDefault"]?.boolValue == true {
                    causes.append(APIError.Cause(
                        field: "metadata.name", type: "FieldValueForbidden",
                        message: "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: \(name) is a known system priority class, but its value (\(value)) or globalDefault does not match the expected one (\(known.value), false)"))
                }
            } else {
                causes.append(APIError.Cause(
                    field: "metadata.name", type: "FieldValueForbidden",
                    message: "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: \(name) is not a known system priority class"))
            }
        } else if value > Self.highestUserDefinable {
            causes.append(APIError.Cause(field: "value", type: "FieldValueForbidden", message: "Forbidden: maximum allowed value of a user defined priority is \(Self.highestUserDefinable)"))
        }
        if let policy = object["preemptionPolicy"]?.stringValue, !["Never", "PreemptLowerPriority"].contains(policy) {
            causes.append(APIError.Cause(
                field: "preemptionPolicy", type: "FieldValueNotSupported",
                message: "Unsupported value: \(APIError.quoted(policy)): supported values: \"Never\", \"PreemptLowerPriority\""))
        }
        return causes
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes = validate(new)
        if (new["value"]?.integerValue ?? 0) != (old["value"]?.integerValue ?? 0) {
            causes.append(APIError.Cause(field: "value", type: "FieldValueForbidden", message: "Forbidden: may not be changed in an update."))
        }
        if new["preemptionPolicy"] != old["preemptionPolicy"] {
            causes.append(APIError.Cause(field: "preemptionPolicy", type: "FieldValueInvalid", message: "Invalid value: \(APIError.quoted(new["preemptionPolicy"]?.stringValue ?? "")): field is immutable"))
        }
        return causes
    }
}
