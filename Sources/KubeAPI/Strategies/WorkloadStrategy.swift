/// Deployments, ReplicaSets, StatefulSets, DaemonSets and ReplicationControllers: upstream's
/// defaults, a selector that must match the template's labels and may not change, and pod
/// template defaults and validation.
struct WorkloadStrategy: ResourceStrategy {
    enum Kind { case deployment, replicaSet, statefulSet, daemonSet, replicationController }
    let kind: Kind

    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        defaults(&object)
    }

    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) {
        defaults(&new)
    }

    private func defaults(_ object: inout JSONValue) {
        var spec = object["spec"] ?? [:]
        if kind != .daemonSet, spec["replicas"] == nil { spec["replicas"] = 1 }
        switch kind {
        case .deployment:
            if spec["strategy"] == nil { spec["strategy"] = ["type": "RollingUpdate"] }
            if spec[path: ["strategy", "type"]] == "RollingUpdate" {
                if spec[path: ["strategy", "rollingUpdate", "maxUnavailable"]] == nil { spec[path: "strategy.rollingUpdate.maxUnavailable"] = "25%" }
                if spec[path: ["strategy", "rollingUpdate", "maxSurge"]] == nil { spec[path: "strategy.rollingUpdate.maxSurge"] = "25%" }
            }
            if spec["revisionHistoryLimit"] == nil { spec["revisionHistoryLimit"] = 10 }
            if spec["progressDeadlineSeconds"] == nil { spec["progressDeadlineSeconds"] = 600 }
        case .statefulSet:
            if spec["podManagementPolicy"] == nil { spec["podManagementPolicy"] = "OrderedReady" }
            if spec["updateStrategy"] == nil { spec["updateStrategy"] = ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]] }
            if spec["revisionHistoryLimit"] == nil { spec["revisionHistoryLimit"] = 10 }
            if spec["persistentVolumeClaimRetentionPolicy"] == nil {
                spec["persistentVolumeClaimRetentionPolicy"] = ["whenDeleted": "Retain", "whenScaled": "Retain"]
            }
        case .daemonSet:
            if spec["updateStrategy"] == nil { spec["updateStrategy"] = ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 1, "maxSurge": 0]] }
            if spec["revisionHistoryLimit"] == nil { spec["revisionHistoryLimit"] = 10 }
        case .replicationController:
            if spec["selector"] == nil, let labels = spec[path: ["template", "metadata", "labels"]] { spec["selector"] = labels }
        case .replicaSet:
            break
        }
        if var template = spec["template"] {
            var podSpec = template["spec"] ?? [:]
            PodTemplate.defaultSpec(&podSpec)
            template["spec"] = podSpec
            spec["template"] = template
        }
        object["spec"] = spec
    }

    /// The selector's labels (matchLabels for apps kinds, the map itself for ReplicationControllers).
    private func selectorLabels(_ spec: JSONValue) -> [String: String]? {
        kind == .replicationController ? spec["selector"]?.stringMap : spec[path: ["selector", "matchLabels"]]?.stringMap
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        let spec = object["spec"] ?? [:]
        var causes: [APIError.Cause] = []
        if let replicas = spec["replicas"]?.integerValue, replicas < 0 {
            causes.append(APIError.Cause(field: "spec.replicas", message: "Invalid value: \(replicas): must be greater than or equal to 0"))
        }
        let labels = spec[path: ["template", "metadata", "labels"]]?.stringMap ?? [:]
        if spec["selector"] == nil {
            causes.append(APIError.Cause(field: "spec.selector", type: "FieldValueRequired", message: "Required value"))
        } else if kind != .replicationController, spec[path: ["selector", "matchExpressions"]] == nil, (selectorLabels(spec) ?? [:]).isEmpty {
            causes.append(APIError.Cause(field: "spec.selector", message: "Invalid value: \"null\": empty selector is invalid for deployment"))
        } else if let selector = selectorLabels(spec), !selector.allSatisfy({ labels[$0.key] == $0.value }) {
            let rendered = labels.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ", ")
            causes.append(APIError.Cause(field: "spec.template.metadata.labels", message: "Invalid value: map[string]string{\(rendered)}: `selector` does not match template `labels`"))
        }
        causes += PodTemplate.validateSpec(spec[path: ["template", "spec"]], path: "spec.template.spec", allowedRestartPolicies: ["Always"])
        return causes
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes = validate(new)
        if kind != .replicationController, new[path: ["spec", "selector"]] != old[path: ["spec", "selector"]] {
            causes.append(APIError.Cause(field: "spec.selector", message: "Invalid value: \(new[path: ["spec", "selector"]]?.jsonString ?? "null"): field is immutable"))
        }
        return causes
    }
}
