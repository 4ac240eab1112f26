/// Pods: template defaults, `serviceAccountName: default`, `Pending` phase and QoS class (the
/// ServiceAccount token volume comes from ``ServiceAccountAdmission``); the
/// spec is immutable apart from the fields upstream lets change.
struct PodStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        var spec = object["spec"] ?? [:]
        PodTemplate.defaultSpec(&spec)
        // A mirror pod (a node's static pod) has no service account, as the ServiceAccount
        // admission plugin leaves it.
        if object[path: ["metadata", "annotations", NodeRestriction.mirrorAnnotation]] == nil {
            if spec["serviceAccountName"] == nil { spec["serviceAccountName"] = spec["serviceAccount"] ?? "default" }
            spec["serviceAccount"] = spec["serviceAccountName"]
        }
        Self.addDefaultTolerations(&spec)
        object["spec"] = spec
        object["status"] = ["phase": "Pending", "qosClass": .string(Self.qosClass(spec))]
    }

    /// kube-apiserver's DefaultTolerationSeconds: every pod tolerates a not-ready or unreachable
    /// node for 300 s unless it says otherwise, so a brief node outage does not evict it.
    static func addDefaultTolerations(_ spec: inout JSONValue) {
        var tolerations = spec["tolerations"]?.arrayValue ?? []
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            let covered = tolerations.contains { toleration in
                let effect = toleration["effect"]?.stringValue ?? ""
                let tolerationKey = toleration["key"]?.stringValue ?? ""
                return (effect.isEmpty || effect == "NoExecute") && (tolerationKey == key || (tolerationKey.isEmpty && toleration["operator"] == "Exists"))
            }
            if !covered { tolerations.append(["key": .string(key), "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300]) }
        }
        spec["tolerations"] = .array(tolerations)
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        PodTemplate.validateSpec(object["spec"], path: "spec")
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes = validate(new)
        if Self.mutableMasked(new["spec"]) != Self.mutableMasked(old["spec"]) {
            causes.append(APIError.Cause(
                field: "spec", type: "FieldValueForbidden",
                message: "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"))
        }
        return causes
    }

    /// A finished pod stays finished (an evicted pod's node may still report it running).
    func validateStatusUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        guard let phase = old[path: ["status", "phase"]]?.stringValue, ["Succeeded", "Failed"].contains(phase),
            let next = new[path: ["status", "phase"]]?.stringValue, next != phase
        else { return [] }
        return [APIError.Cause(field: "status.phase", type: "FieldValueForbidden", message: "Forbidden: cannot transition from terminal phase \(phase) to \(next)")]
    }

    /// The spec with the fields that may change blanked out.
    static func mutableMasked(_ spec: JSONValue?) -> JSONValue? {
        guard var spec else { return nil }
        for key in ["containers", "initContainers"] {
            if let containers = spec[key]?.arrayValue {
                spec[key] = .array(containers.map { container in
                    var container = container
                    container["image"] = nil
                    return container
                })
            }
        }
        for key in ["activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"] { spec[key] = nil }
        return spec
    }

    /// Guaranteed when every container's CPU and memory requests equal their limits, BestEffort
    /// when no container sets any, else Burstable.
    static func qosClass(_ spec: JSONValue) -> String {
        let containers = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
        var any = false
        var guaranteed = true
        for container in containers {
            let limits = container[path: ["resources", "limits"]]?.objectValue ?? [:]
            var requests = container[path: ["resources", "requests"]]?.objectValue ?? [:]
            for (name, limit) in limits where requests[name] == nil { requests[name] = limit }
            if !limits.isEmpty || !requests.isEmpty { any = true }
            for resource in ["cpu", "memory"] {
                let request = requests[resource]?.stringValue.flatMap(Quantity.init)
                let limit = limits[resource]?.stringValue.flatMap(Quantity.init)
                if request == nil || limit == nil || request!.milliValue != limit!.milliValue { guaranteed = false }
            }
        }
        if !any { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
