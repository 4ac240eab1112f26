import KubeAPI
import Scheduler

/// Reads the scheduler's model from API objects (unstructured JSON): the seam between the
/// registry and the Scheduler library, which knows nothing of the API server.
enum SchedulerObjects {
    static func strings(_ value: JSONValue?) -> [String: String] { value?.stringMap ?? [:] }

    static func resources(_ value: JSONValue?) -> ResourceList {
        var list: ResourceList = [:]
        for (name, quantity) in value?.objectValue ?? [:] {
            if let text = quantity.stringValue ?? quantity.integerValue.map(String.init), let parsed = try? Quantity(parsing: text) { list[name] = parsed }
        }
        return list
    }

    static func requirement(_ value: JSONValue) -> SelectorRequirement? {
        guard let key = value["key"]?.stringValue, let op = value["operator"]?.stringValue.flatMap(SelectorOperator.init(rawValue:)) else { return nil }
        return SelectorRequirement(key: key, operator: op, values: (value["values"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    static func labelSelector(_ value: JSONValue?) -> LabelSelector? {
        guard let value, value != .null else { return nil }
        return LabelSelector(
            matchLabels: strings(value["matchLabels"]), matchExpressions: (value["matchExpressions"]?.arrayValue ?? []).compactMap(requirement))
    }

    static func nodeSelectorTerm(_ value: JSONValue) -> NodeSelectorTerm {
        NodeSelectorTerm(
            matchExpressions: (value["matchExpressions"]?.arrayValue ?? []).compactMap(requirement),
            matchFields: (value["matchFields"]?.arrayValue ?? []).compactMap(requirement))
    }

    static func podAffinityTerm(_ value: JSONValue) -> PodAffinityTerm {
        PodAffinityTerm(
            labelSelector: labelSelector(value["labelSelector"]), namespaces: (value["namespaces"]?.arrayValue ?? []).compactMap(\.stringValue),
            namespaceSelector: labelSelector(value["namespaceSelector"]), topologyKey: value["topologyKey"]?.stringValue ?? "")
    }

    static func podAffinity(_ value: JSONValue?) -> PodAffinity? {
        guard let value else { return nil }
        return PodAffinity(
            required: (value["requiredDuringSchedulingIgnoredDuringExecution"]?.arrayValue ?? []).map(podAffinityTerm),
            preferred: (value["preferredDuringSchedulingIgnoredDuringExecution"]?.arrayValue ?? []).map {
                WeightedPodAffinityTerm(weight: Int32(clamping: $0["weight"]?.integerValue ?? 0), term: podAffinityTerm($0["podAffinityTerm"] ?? [:]))
            })
    }

    static func affinity(_ value: JSONValue?) -> Affinity? {
        guard let value, value != .null else { return nil }
        var node: NodeAffinity?
        if let nodeAffinity = value["nodeAffinity"] {
            let required = nodeAffinity[path: ["requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]]?.arrayValue
            node = NodeAffinity(
                required: required.map { NodeSelector(terms: $0.map(nodeSelectorTerm)) },
                preferred: (nodeAffinity["preferredDuringSchedulingIgnoredDuringExecution"]?.arrayValue ?? []).map {
                    PreferredSchedulingTerm(weight: Int32(clamping: $0["weight"]?.integerValue ?? 0), preference: nodeSelectorTerm($0["preference"] ?? [:]))
                })
        }
        return Affinity(nodeAffinity: node, podAffinity: podAffinity(value["podAffinity"]), podAntiAffinity: podAffinity(value["podAntiAffinity"]))
    }

    static func container(_ value: JSONValue) -> Container {
        // Requests default to limits, as the API server defaults them.
        var requests = resources(value[path: ["resources", "limits"]])
        requests.merge(resources(value[path: ["resources", "requests"]])) { $1 }
        return Container(
            name: value["name"]?.stringValue ?? "", image: value["image"]?.stringValue ?? "", requests: requests,
            ports: (value["ports"]?.arrayValue ?? []).map {
                ContainerPort(
                    hostPort: Int32(clamping: $0["hostPort"]?.integerValue ?? 0), containerPort: Int32(clamping: $0["containerPort"]?.integerValue ?? 0),
                    protocol: $0["protocol"]?.stringValue ?? "TCP", hostIP: $0["hostIP"]?.stringValue ?? "")
            })
    }

    static func pod(_ object: JSONValue) -> Pod {
        let spec = object["spec"] ?? [:]
        let metadata = object["metadata"] ?? [:]
        let tolerations = (spec["tolerations"]?.arrayValue ?? []).map { value in
            Toleration(
                key: value["key"]?.stringValue ?? "", operator: value["operator"]?.stringValue == "Exists" ? .exists : .equal,
                value: value["value"]?.stringValue ?? "", effect: value["effect"]?.stringValue.flatMap(TaintEffect.init(rawValue:)))
        }
        let spread = (spec["topologySpreadConstraints"]?.arrayValue ?? []).map { value in
            TopologySpreadConstraint(
                maxSkew: Int32(clamping: value["maxSkew"]?.integerValue ?? 1), topologyKey: value["topologyKey"]?.stringValue ?? "",
                whenUnsatisfiable: value["whenUnsatisfiable"]?.stringValue == "ScheduleAnyway" ? .scheduleAnyway : .doNotSchedule,
                labelSelector: labelSelector(value["labelSelector"]), minDomains: value["minDomains"]?.integerValue.map { Int32(clamping: $0) },
                nodeAffinityPolicy: value["nodeAffinityPolicy"]?.stringValue == "Ignore" ? .ignore : .honor,
                nodeTaintsPolicy: value["nodeTaintsPolicy"]?.stringValue == "Honor" ? .honor : .ignore,
                matchLabelKeys: (value["matchLabelKeys"]?.arrayValue ?? []).compactMap(\.stringValue))
        }
        let nodeName = spec["nodeName"]?.stringValue
        let nominated = object[path: ["status", "nominatedNodeName"]]?.stringValue
        let name = metadata["name"]?.stringValue ?? ""
        let namespace = metadata["namespace"]?.stringValue ?? "default"
        let schedulerName = spec["schedulerName"]?.stringValue ?? defaultSchedulerName
        let priority = Int32(clamping: spec["priority"]?.integerValue ?? 0)
        let preemption: PreemptionPolicy = spec["preemptionPolicy"]?.stringValue == "Never" ? .never : .preemptLowerPriority
        let containers = (spec["containers"]?.arrayValue ?? []).map(container)
        let initContainers = (spec["initContainers"]?.arrayValue ?? []).map(container)
        let gates = (spec["schedulingGates"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        return Pod(
            name: name, namespace: namespace, uid: metadata["uid"]?.stringValue, labels: strings(metadata["labels"]),
            annotations: strings(metadata["annotations"]), schedulerName: schedulerName, priority: priority, preemptionPolicy: preemption,
            nodeName: nodeName?.isEmpty == false ? nodeName : nil, nominatedNodeName: nominated?.isEmpty == false ? nominated : nil,
            containers: containers, initContainers: initContainers, overhead: resources(spec["overhead"]), nodeSelector: strings(spec["nodeSelector"]),
            affinity: affinity(spec["affinity"]), tolerations: tolerations, topologySpreadConstraints: spread, schedulingGates: gates,
            terminating: metadata["deletionTimestamp"] != nil, volumeClaims: VolumeBinding.claimNames(of: object))
    }

    static func node(_ object: JSONValue) -> Node {
        let taints = (object[path: ["spec", "taints"]]?.arrayValue ?? []).compactMap { value -> Taint? in
            guard let key = value["key"]?.stringValue, let effect = value["effect"]?.stringValue.flatMap(TaintEffect.init(rawValue:)) else { return nil }
            return Taint(key: key, value: value["value"]?.stringValue ?? "", effect: effect)
        }
        let images = (object[path: ["status", "images"]]?.arrayValue ?? []).map {
            ContainerImage(names: ($0["names"]?.arrayValue ?? []).compactMap(\.stringValue), sizeBytes: $0["sizeBytes"]?.integerValue ?? 0)
        }
        return Node(
            name: object[path: ["metadata", "name"]]?.stringValue ?? "", labels: strings(object[path: ["metadata", "labels"]]),
            annotations: strings(object[path: ["metadata", "annotations"]]), taints: taints,
            unschedulable: object[path: ["spec", "unschedulable"]]?.boolValue == true, capacity: resources(object[path: ["status", "capacity"]]),
            allocatable: resources(object[path: ["status", "allocatable"]]), images: images)
    }

    static func disruptionBudget(_ object: JSONValue) -> PodDisruptionBudget? {
        guard let selector = labelSelector(object[path: ["spec", "selector"]]) else { return nil }
        return PodDisruptionBudget(
            name: object[path: ["metadata", "name"]]?.stringValue ?? "", namespace: object[path: ["metadata", "namespace"]]?.stringValue ?? "default",
            selector: selector, disruptionsAllowed: Int32(clamping: object[path: ["status", "disruptionsAllowed"]]?.integerValue ?? 0))
    }
}
