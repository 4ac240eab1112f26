/// Nodes: `spec.podCIDR` and `spec.podCIDRs` are set once (by node IPAM) and then kept, as
/// kube-apiserver's node strategy: an update that leaves them out keeps them, one that changes
/// them is refused.
struct NodeStrategy: ResourceStrategy {
    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) {
        for key in ["podCIDR", "podCIDRs"] where new[path: ["spec", key]] == nil && old[path: ["spec", key]] != nil {
            var spec = new["spec"] ?? [:]
            spec[key] = old[path: ["spec", key]]
            new["spec"] = spec
        }
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        if let before = old[path: ["spec", "podCIDR"]]?.stringValue, !before.isEmpty, new[path: ["spec", "podCIDR"]]?.stringValue != before {
            causes.append(APIError.Cause(field: "spec.podCIDR", type: "FieldValueForbidden", message: "Forbidden: node updates may not change podCIDR except from \"\" to valid"))
        }
        if let before = old[path: ["spec", "podCIDRs"]], before != .array([]), new[path: ["spec", "podCIDRs"]] != before {
            causes.append(APIError.Cause(field: "spec.podCIDRs", type: "FieldValueForbidden", message: "Forbidden: node updates may only change podCIDR's from empty to valid"))
        }
        return causes
    }
}
