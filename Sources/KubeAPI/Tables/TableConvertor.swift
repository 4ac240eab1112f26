import Foundation

/// Turns objects into the `meta.k8s.io/v1` Tables kubectl prints, with kube-apiserver's columns
/// for each built-in kind (and Name/Created At for kinds without their own printer).
enum TableConvertor {
    /// Whether an `Accept` header asks for a Table.
    static func wantsTable(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains { $0.contains("as=Table") && $0.contains("g=meta.k8s.io") }
    }

    /// A Table of `items` of `type`. `includeObject` is `None`, `Metadata` (default) or `Object`.
    static func table(_ type: ResourceType, items: [JSONValue], listMetadata: JSONValue, includeObject: String?, now: Int64 = Int64(Date().timeIntervalSince1970)) -> JSONValue {
        let columns = columns(for: type)
        let rows: [JSONValue] = items.map { item in
            var row: JSONValue = ["cells": .array(columns.map { $0.cell(item, now) })]
            switch includeObject ?? "Metadata" {
            case "None": break
            case "Object": row["object"] = item
            default:
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": item["metadata"] ?? [:]]
            }
            return row
        }
        var metadata: JSONValue = [:]
        for key in ["resourceVersion", "continue"] { metadata[key] = listMetadata[key] }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "columnDefinitions": .array(columns.map(\.definition)), "rows": .array(rows)]
    }

    // MARK: Columns

    static func columns(for type: ResourceType) -> [TableColumn] {
        let name = TableColumn(name: "Name", type: "string", format: "name") { object, _ in object[path: ["metadata", "name"]] ?? "" }
        let age = TableColumn(name: "Age", type: "string") { object, now in .string(Self.age(object, now)) }
        if let custom = type.custom { return [name] + printerColumns(custom.printerColumns, age: age) }
        switch (type.group, type.plural) {
        case ("", "pods"):
            return [
                name,
                TableColumn(name: "Ready", type: "string") { object, _ in
                    let statuses = object[path: ["status", "containerStatuses"]]?.arrayValue ?? []
                    let total = object[path: ["spec", "containers"]]?.arrayValue?.count ?? 0
                    return .string("\(statuses.filter { $0["ready"] == true }.count)/\(total)")
                },
                TableColumn(name: "Status", type: "string") { object, _ in .string(podStatus(object)) },
                TableColumn(name: "Restarts", type: "string") { object, _ in
                    let restarts = (object[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reduce(Int64(0)) { $0 + ($1["restartCount"]?.integerValue ?? 0) }
                    return .string(String(restarts))
                },
                age,
                TableColumn(name: "IP", type: "string", priority: 1) { object, _ in object[path: ["status", "podIP"]] ?? "<none>" },
                TableColumn(name: "Node", type: "string", priority: 1) { object, _ in object[path: ["spec", "nodeName"]] ?? "<none>" },
                TableColumn(name: "Nominated Node", type: "string", priority: 1) { object, _ in object[path: ["status", "nominatedNodeName"]] ?? "<none>" },
                TableColumn(name: "Readiness Gates", type: "string", priority: 1) { object, _ in
                    let gates = object[path: ["spec", "readinessGates"]]?.arrayValue ?? []
                    return gates.isEmpty ? "<none>" : .string("0/\(gates.count)")
                },
            ]
        case ("apps", "deployments"):
            return [
                name,
                TableColumn(name: "Ready", type: "string") { object, _ in .string("\(int(object, "status", "readyReplicas"))/\(int(object, "spec", "replicas", default: 1))") },
                TableColumn(name: "Up-to-date", type: "integer") { object, _ in .integer(int(object, "status", "updatedReplicas")) },
                TableColumn(name: "Available", type: "integer") { object, _ in .integer(int(object, "status", "availableReplicas")) },
                age,
            ] + workloadWide(template: ["spec", "template"])
        case ("apps", "replicasets"), ("", "replicationcontrollers"):
            return [
                name,
                TableColumn(name: "Desired", type: "integer") { object, _ in .integer(int(object, "spec", "replicas", default: 1)) },
                TableColumn(name: "Current", type: "integer") { object, _ in .integer(int(object, "status", "replicas")) },
                TableColumn(name: "Ready", type: "integer") { object, _ in .integer(int(object, "status", "readyReplicas")) },
                age,
            ] + workloadWide(template: ["spec", "template"])
        case ("apps", "statefulsets"):
            return [
                name,
                TableColumn(name: "Ready", type: "string") { object, _ in .string("\(int(object, "status", "readyReplicas"))/\(int(object, "spec", "replicas", default: 1))") },
                age,
            ] + workloadWide(template: ["spec", "template"]).dropLast()
        case ("apps", "daemonsets"):
            return [
                name,
                TableColumn(name: "Desired", type: "integer") { object, _ in .integer(int(object, "status", "desiredNumberScheduled")) },
                TableColumn(name: "Current", type: "integer") { object, _ in .integer(int(object, "status", "currentNumberScheduled")) },
                TableColumn(name: "Ready", type: "integer") { object, _ in .integer(int(object, "status", "numberReady")) },
                TableColumn(name: "Up-to-date", type: "integer") { object, _ in .integer(int(object, "status", "updatedNumberScheduled")) },
                TableColumn(name: "Available", type: "integer") { object, _ in .integer(int(object, "status", "numberAvailable")) },
                TableColumn(name: "Node Selector", type: "string") { object, _ in .string(pairs(object[path: ["spec", "template", "spec", "nodeSelector"]])) },
                age,
            ] + workloadWide(template: ["spec", "template"])
        case ("batch", "jobs"):
            return [
                name,
                TableColumn(name: "Status", type: "string") { object, _ in .string(jobStatus(object)) },
                TableColumn(name: "Completions", type: "string") { object, _ in
                    .string("\(int(object, "status", "succeeded"))/\(int(object, "spec", "completions", default: 1))")
                },
                TableColumn(name: "Duration", type: "string") { object, now in
                    guard let start = seconds(object[path: ["status", "startTime"]]) else { return "" }
                    let end = seconds(object[path: ["status", "completionTime"]]) ?? now
                    return .string(HumanDuration.format(seconds: end - start))
                },
                age,
            ] + workloadWide(template: ["spec", "template"])
        case ("batch", "cronjobs"):
            return [
                name,
                TableColumn(name: "Schedule", type: "string") { object, _ in object[path: ["spec", "schedule"]] ?? "" },
                TableColumn(name: "Timezone", type: "string") { object, _ in object[path: ["spec", "timeZone"]] ?? "<none>" },
                TableColumn(name: "Suspend", type: "boolean") { object, _ in object[path: ["spec", "suspend"]] ?? false },
                TableColumn(name: "Active", type: "integer") { object, _ in .integer(Int64(object[path: ["status", "active"]]?.arrayValue?.count ?? 0)) },
                TableColumn(name: "Last Schedule", type: "string") { object, now in
                    guard let last = seconds(object[path: ["status", "lastScheduleTime"]]) else { return "<none>" }
                    return .string(HumanDuration.format(seconds: now - last))
                },
                age,
            ] + workloadWide(template: ["spec", "jobTemplate", "spec", "template"])
        case ("autoscaling", "horizontalpodautoscalers"):
            // Both versions: a v1 object is read as its v2 form.
            @Sendable func v2(_ object: JSONValue) -> JSONValue {
                object["apiVersion"]?.stringValue == "autoscaling/v1" ? HorizontalPodAutoscalerConversion.toV2(object) : object
            }
            return [
                name,
                TableColumn(name: "Reference", type: "string") { object, _ in
                    .string("\(object[path: ["spec", "scaleTargetRef", "kind"]]?.stringValue ?? "")/\(object[path: ["spec", "scaleTargetRef", "name"]]?.stringValue ?? "")")
                },
                TableColumn(name: "Targets", type: "string") { object, _ in
                    let hpa = v2(object)
                    return .string(hpaTargets(hpa[path: ["spec", "metrics"]]?.arrayValue ?? [], hpa[path: ["status", "currentMetrics"]]?.arrayValue ?? []))
                },
                TableColumn(name: "MinPods", type: "string") { object, _ in text(object[path: ["spec", "minReplicas"]]) ?? "<unset>" },
                TableColumn(name: "MaxPods", type: "string") { object, _ in .integer(object[path: ["spec", "maxReplicas"]]?.integerValue ?? 0) },
                TableColumn(name: "Replicas", type: "string") { object, _ in .integer(object[path: ["status", "currentReplicas"]]?.integerValue ?? 0) },
                age,
            ]
        case ("", "services"):
            return [
                name,
                TableColumn(name: "Type", type: "string") { object, _ in object[path: ["spec", "type"]] ?? "ClusterIP" },
                TableColumn(name: "Cluster-IP", type: "string") { object, _ in object[path: ["spec", "clusterIP"]] ?? "<none>" },
                TableColumn(name: "External-IP", type: "string") { object, _ in
                    let ingress = (object[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []).compactMap { ($0["ip"] ?? $0["hostname"])?.stringValue }
                    let external = (object[path: ["spec", "externalIPs"]]?.arrayValue ?? []).compactMap(\.stringValue)
                    let all = external + ingress
                    if !all.isEmpty { return .string(all.joined(separator: ",")) }
                    return object[path: ["spec", "type"]] == "LoadBalancer" ? "<pending>" : "<none>"
                },
                TableColumn(name: "Port(s)", type: "string") { object, _ in
                    let ports = (object[path: ["spec", "ports"]]?.arrayValue ?? []).map { port -> String in
                        let base = "\(port["port"]?.integerValue ?? 0)"
                        let node = port["nodePort"]?.integerValue.map { ":\($0)" } ?? ""
                        return base + node + "/" + (port["protocol"]?.stringValue ?? "TCP")
                    }
                    return .string(ports.isEmpty ? "<none>" : ports.joined(separator: ","))
                },
                age,
                TableColumn(name: "Selector", type: "string", priority: 1) { object, _ in
                    let selector = pairs(object[path: ["spec", "selector"]])
                    return .string(selector.isEmpty ? "<none>" : selector)
                },
            ]
        case ("", "nodes"):
            return [
                name,
                TableColumn(name: "Status", type: "string") { object, _ in .string(nodeStatus(object)) },
                TableColumn(name: "Roles", type: "string") { object, _ in
                    let roles = (object[path: ["metadata", "labels"]]?.stringMap ?? [:]).keys
                        .filter { $0.hasPrefix("node-role.kubernetes.io/") }.map { String($0.dropFirst("node-role.kubernetes.io/".count)) }.sorted()
                    return .string(roles.isEmpty ? "<none>" : roles.joined(separator: ","))
                },
                age,
                TableColumn(name: "Version", type: "string") { object, _ in object[path: ["status", "nodeInfo", "kubeletVersion"]] ?? "" },
                TableColumn(name: "Internal-IP", type: "string", priority: 1) { object, _ in .string(address(object, "InternalIP")) },
                TableColumn(name: "External-IP", type: "string", priority: 1) { object, _ in .string(address(object, "ExternalIP")) },
                TableColumn(name: "OS-Image", type: "string", priority: 1) { object, _ in object[path: ["status", "nodeInfo", "osImage"]] ?? "<unknown>" },
                TableColumn(name: "Kernel-Version", type: "string", priority: 1) { object, _ in object[path: ["status", "nodeInfo", "kernelVersion"]] ?? "<unknown>" },
                TableColumn(name: "Container-Runtime", type: "string", priority: 1) { object, _ in object[path: ["status", "nodeInfo", "containerRuntimeVersion"]] ?? "<unknown>" },
            ]
        case ("", "namespaces"):
            return [name, TableColumn(name: "Status", type: "string") { object, _ in object[path: ["status", "phase"]] ?? "Active" }, age]
        case ("", "configmaps"):
            return [name, TableColumn(name: "Data", type: "integer") { object, _ in .integer(count(object["data"]) + count(object["binaryData"])) }, age]
        case ("", "secrets"):
            return [
                name,
                TableColumn(name: "Type", type: "string") { object, _ in object["type"] ?? "Opaque" },
                TableColumn(name: "Data", type: "integer") { object, _ in .integer(count(object["data"])) },
                age,
            ]
        case ("", "serviceaccounts"):
            return [name, TableColumn(name: "Secrets", type: "integer") { object, _ in .integer(Int64(object["secrets"]?.arrayValue?.count ?? 0)) }, age]
        case ("", "endpoints"):
            return [
                name,
                TableColumn(name: "Endpoints", type: "string") { object, _ in
                    var items: [String] = []
                    for subset in object["subsets"]?.arrayValue ?? [] {
                        for address in subset["addresses"]?.arrayValue ?? [] {
                            for port in subset["ports"]?.arrayValue ?? [] {
                                items.append("\(address["ip"]?.stringValue ?? ""):\(port["port"]?.integerValue ?? 0)")
                            }
                        }
                    }
                    if items.isEmpty { return "<none>" }
                    return .string(items.prefix(3).joined(separator: ",") + (items.count > 3 ? " + \(items.count - 3) more..." : ""))
                },
                age,
            ]
        case ("", "events"):
            return [
                TableColumn(name: "Last Seen", type: "string") { object, now in
                    let last = seconds(object["lastTimestamp"]) ?? seconds(object["eventTime"]) ?? seconds(object[path: ["metadata", "creationTimestamp"]])
                    return .string(last.map { HumanDuration.format(seconds: now - $0) } ?? "<unknown>")
                },
                TableColumn(name: "Type", type: "string") { object, _ in object["type"] ?? "" },
                TableColumn(name: "Reason", type: "string") { object, _ in object["reason"] ?? "" },
                TableColumn(name: "Object", type: "string") { object, _ in
                    .string("\((object[path: ["involvedObject", "kind"]]?.stringValue ?? "").lowercased())/\(object[path: ["involvedObject", "name"]]?.stringValue ?? "")")
                },
                TableColumn(name: "Message", type: "string") { object, _ in object["message"] ?? "" },
            ]
        case ("", "persistentvolumeclaims"):
            // Capacity and access modes show once the claim names its volume (kube's printer).
            @Sendable func bound(_ object: JSONValue) -> Bool { !(object[path: ["spec", "volumeName"]]?.stringValue ?? "").isEmpty }
            return [
                name,
                TableColumn(name: "Status", type: "string") { object, _ in .string(terminatingOr(object, object[path: ["status", "phase"]]?.stringValue ?? "")) },
                TableColumn(name: "Volume", type: "string") { object, _ in object[path: ["spec", "volumeName"]] ?? "" },
                TableColumn(name: "Capacity", type: "string") { object, _ in bound(object) ? object[path: ["status", "capacity", "storage"]] ?? "" : "" },
                TableColumn(name: "Access Modes", type: "string") { object, _ in bound(object) ? .string(accessModes(object[path: ["status", "accessModes"]])) : "" },
                TableColumn(name: "StorageClass", type: "string") { object, _ in object[path: ["spec", "storageClassName"]] ?? "" },
                TableColumn(name: "VolumeAttributesClass", type: "string") { object, _ in object[path: ["spec", "volumeAttributesClassName"]] ?? "<unset>" },
                age,
                TableColumn(name: "VolumeMode", type: "string", priority: 1) { object, _ in object[path: ["spec", "volumeMode"]] ?? "<unset>" },
            ]
        case ("", "persistentvolumes"):
            return [
                name,
                TableColumn(name: "Capacity", type: "string") { object, _ in object[path: ["spec", "capacity", "storage"]] ?? "" },
                TableColumn(name: "Access Modes", type: "string") { object, _ in .string(accessModes(object[path: ["spec", "accessModes"]])) },
                TableColumn(name: "Reclaim Policy", type: "string") { object, _ in object[path: ["spec", "persistentVolumeReclaimPolicy"]] ?? "Retain" },
                TableColumn(name: "Status", type: "string") { object, _ in .string(terminatingOr(object, object[path: ["status", "phase"]]?.stringValue ?? "")) },
                TableColumn(name: "Claim", type: "string") { object, _ in
                    guard let claim = object[path: ["spec", "claimRef", "name"]]?.stringValue else { return "" }
                    return .string("\(object[path: ["spec", "claimRef", "namespace"]]?.stringValue ?? "")/\(claim)")
                },
                TableColumn(name: "StorageClass", type: "string") { object, _ in object[path: ["spec", "storageClassName"]] ?? "" },
                TableColumn(name: "VolumeAttributesClass", type: "string") { object, _ in object[path: ["spec", "volumeAttributesClassName"]] ?? "<unset>" },
                TableColumn(name: "Reason", type: "string") { object, _ in object[path: ["status", "reason"]] ?? "" },
                age,
                TableColumn(name: "VolumeMode", type: "string", priority: 1) { object, _ in object[path: ["spec", "volumeMode"]] ?? "Filesystem" },
            ]
        case ("discovery.k8s.io", "endpointslices"):
            return [
                name,
                TableColumn(name: "AddressType", type: "string") { object, _ in object["addressType"] ?? "" },
                TableColumn(name: "Ports", type: "string") { object, _ in
                    let ports = (object["ports"]?.arrayValue ?? []).compactMap { $0["port"]?.integerValue.map(String.init) }
                    return .string(ports.isEmpty ? "<unset>" : ports.joined(separator: ","))
                },
                TableColumn(name: "Endpoints", type: "string") { object, _ in
                    let addresses = (object["endpoints"]?.arrayValue ?? []).flatMap { ($0["addresses"]?.arrayValue ?? []).compactMap(\.stringValue) }
                    if addresses.isEmpty { return "<unset>" }
                    return .string(addresses.prefix(3).joined(separator: ",") + (addresses.count > 3 ? " + \(addresses.count - 3) more..." : ""))
                },
                age,
            ]
        case ("apps", "controllerrevisions"):
            return [
                name,
                TableColumn(name: "Controller", type: "string") { object, _ in
                    guard let owner = (object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).first(where: { $0["controller"] == true }) else { return "<none>" }
                    let group = (owner["apiVersion"]?.stringValue ?? "").split(separator: "/").dropLast().first.map { ".\($0)" } ?? ""
                    return .string("\((owner["kind"]?.stringValue ?? "").lowercased())\(group)/\(owner["name"]?.stringValue ?? "")")
                },
                TableColumn(name: "Revision", type: "integer") { object, _ in object["revision"] ?? 0 },
                age,
            ]
        case ("coordination.k8s.io", "leases"):
            return [name, TableColumn(name: "Holder", type: "string") { object, _ in object[path: ["spec", "holderIdentity"]] ?? "" }, age]
        case ("rbac.authorization.k8s.io", "rolebindings"), ("rbac.authorization.k8s.io", "clusterrolebindings"):
            return [
                name,
                TableColumn(name: "Role", type: "string") { object, _ in
                    .string("\(object[path: ["roleRef", "kind"]]?.stringValue ?? "")/\(object[path: ["roleRef", "name"]]?.stringValue ?? "")")
                },
                age,
            ]
        case ("scheduling.k8s.io", "priorityclasses"):
            return [
                name,
                TableColumn(name: "Value", type: "integer") { object, _ in object["value"] ?? 0 },
                TableColumn(name: "Global-Default", type: "boolean") { object, _ in object["globalDefault"] ?? false },
                age,
                TableColumn(name: "PreemptionPolicy", type: "string") { object, _ in object["preemptionPolicy"] ?? "" },
            ]
        case ("apiregistration.k8s.io", "apiservices"):
            return [
                name,
                TableColumn(name: "Service", type: "string") { object, _ in
                    guard let service = object[path: ["spec", "service"]], service != .null else { return "Local" }
                    return .string("\(service["namespace"]?.stringValue ?? "")/\(service["name"]?.stringValue ?? "")")
                },
                TableColumn(name: "Available", type: "string") { object, _ in
                    guard let condition = object[path: ["status", "conditions"]]?.arrayValue?.first(where: { $0["type"] == "Available" }) else { return "Unknown" }
                    let status = condition["status"]?.stringValue ?? "Unknown"
                    return .string(status == "True" ? status : "\(status) (\(condition["reason"]?.stringValue ?? ""))")
                },
                age,
            ]
        case ("storage.k8s.io", "storageclasses"):
            return [
                TableColumn(name: "Name", type: "string", format: "name") { object, _ in
                    let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
                    return .string(StorageClassStrategy.isDefault(object) ? name + " (default)" : name)
                },
                TableColumn(name: "Provisioner", type: "string") { object, _ in object["provisioner"] ?? "" },
                TableColumn(name: "ReclaimPolicy", type: "string") { object, _ in object["reclaimPolicy"] ?? "Delete" },
                TableColumn(name: "VolumeBindingMode", type: "string") { object, _ in object["volumeBindingMode"] ?? "Immediate" },
                TableColumn(name: "AllowVolumeExpansion", type: "string") { object, _ in .string(object["allowVolumeExpansion"]?.boolValue == true ? "true" : "false") },
                age,
            ]
        case ("networking.k8s.io", "networkpolicies"):
            return [
                name,
                TableColumn(name: "Pod-Selector", type: "string") { object, _ in .string(selectorText(object[path: ["spec", "podSelector"]])) },
                age,
            ]
        case ("policy", "poddisruptionbudgets"):
            return [
                name,
                TableColumn(name: "Min Available", type: "string") { object, _ in text(object[path: ["spec", "minAvailable"]]) ?? "N/A" },
                TableColumn(name: "Max Unavailable", type: "string") { object, _ in text(object[path: ["spec", "maxUnavailable"]]) ?? "N/A" },
                TableColumn(name: "Allowed Disruptions", type: "integer") { object, _ in .integer(int(object, "status", "disruptionsAllowed")) },
                age,
            ]
        default:
            return [
                name,
                TableColumn(name: "Created At", type: "date") { object, _ in object[path: ["metadata", "creationTimestamp"]] ?? "" },
            ]
        }
    }

    // MARK: Cells

    /// kubectl's TARGETS of an autoscaler: `current/target` per metric (`cpu: 45%/80%`,
    /// `<unknown>` before a value is known), the first two and `+ N more...`.
    static func hpaTargets(_ specs: [JSONValue], _ statuses: [JSONValue]) -> String {
        guard !specs.isEmpty else { return "<none>" }
        func quantity(_ value: JSONValue?) -> String? {
            guard let text = value?.stringValue ?? value?.integerValue.map(String.init) else { return nil }
            return Quantity(text)?.description ?? text
        }
        var list: [String] = []
        for (index, spec) in specs.enumerated() {
            let status: JSONValue = index < statuses.count ? statuses[index] : [:]
            let type = spec["type"]?.stringValue ?? ""
            let member = type.prefix(1).lowercased() + type.dropFirst()
            let source = spec[member] ?? [:]
            let current = status[member]?["current"]
            let target = source["target"] ?? [:]
            switch type {
            case "Resource", "ContainerResource":
                let resource = source["name"]?.stringValue ?? ""
                if let average = quantity(target["averageValue"]) {
                    list.append("\(resource): \(quantity(current?["averageValue"]) ?? "<unknown>")/\(average)")
                } else {
                    let now = current?["averageUtilization"]?.integerValue.map { "\($0)%" } ?? "<unknown>"
                    let wanted = target["averageUtilization"]?.integerValue.map { "\($0)%" } ?? "<auto>"
                    list.append("\(resource): \(now)/\(wanted)")
                }
            case "Pods":
                list.append("\(quantity(current?["averageValue"]) ?? "<unknown>")/\(quantity(target["averageValue"]) ?? "")")
            case "Object", "External":
                if let average = quantity(target["averageValue"]) {
                    list.append("\(quantity(current?["averageValue"]) ?? "<unknown>")/\(average) (avg)")
                } else {
                    list.append("\(quantity(current?["value"]) ?? "<unknown>")/\(quantity(target["value"]) ?? "")")
                }
            default:
                list.append("<unknown type>")
            }
        }
        guard list.count > 2 else { return list.joined(separator: ", ") }
        return list.prefix(2).joined(separator: ", ") + " + \(list.count - 2) more..."
    }

    private static func workloadWide(template: [String]) -> [TableColumn] {
        [
            TableColumn(name: "Containers", type: "string", priority: 1) { object, _ in
                .string(containers(object, template).compactMap { $0["name"]?.stringValue }.joined(separator: ","))
            },
            TableColumn(name: "Images", type: "string", priority: 1) { object, _ in
                .string(containers(object, template).compactMap { $0["image"]?.stringValue }.joined(separator: ","))
            },
            TableColumn(name: "Selector", type: "string", priority: 1) { object, _ in
                let selector = object[path: ["spec", "selector", "matchLabels"]] ?? object[path: ["spec", "selector"]]
                let text = pairs(selector)
                return .string(text.isEmpty ? "<none>" : text)
            },
        ]
    }

    private static func containers(_ object: JSONValue, _ template: [String]) -> [JSONValue] {
        object[path: template + ["spec", "containers"]]?.arrayValue ?? []
    }

    static func age(_ object: JSONValue, _ now: Int64) -> String {
        guard let created = seconds(object[path: ["metadata", "creationTimestamp"]]) else { return "<unknown>" }
        return HumanDuration.format(seconds: now - created)
    }

    /// Unix seconds of an RFC 3339 timestamp.
    static func seconds(_ value: JSONValue?) -> Int64? {
        guard let text = value?.stringValue, text.count >= 20 else { return nil }
        let parts = text.prefix(19).split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        // Client-written timestamps (events) are checked field by field: a 16-digit year would
        // make a date whose seconds do not fit in Int64.
        guard parts.count == 6, (1...9999).contains(parts[0]), (1...12).contains(parts[1]), (1...31).contains(parts[2]),
            (0...23).contains(parts[3]), (0...59).contains(parts[4]), (0...60).contains(parts[5])
        else { return nil }
        var components = DateComponents()
        components.year = parts[0]
        components.month = parts[1]
        components.day = parts[2]
        components.hour = parts[3]
        components.minute = parts[4]
        components.second = parts[5]
        components.timeZone = utc.timeZone
        return utc.date(from: components).map { Int64($0.timeIntervalSince1970) }
    }

    /// The Gregorian calendar in UTC, built once: an Age cell is computed for every listed row.
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private static func int(_ object: JSONValue, _ first: String, _ second: String, default fallback: Int64 = 0) -> Int64 {
        object[path: [first, second]]?.integerValue ?? fallback
    }

    private static func count(_ value: JSONValue?) -> Int64 { Int64(value?.objectValue?.count ?? 0) }

    private static func text(_ value: JSONValue?) -> JSONValue? {
        switch value {
        case .integer(let number): .string(String(number))
        case .string(let text): .string(text)
        default: nil
        }
    }

    private static func pairs(_ value: JSONValue?) -> String {
        (value?.stringMap ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// `RWO,ROX` from access modes, as kubectl abbreviates them.
    /// Access modes as kubectl prints them: short names in a fixed order (RWO,ROX,RWX,RWOP).
    private static func accessModes(_ value: JSONValue?) -> String {
        let given = Set((value?.arrayValue ?? []).compactMap(\.stringValue))
        let order = [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
        return order.filter { given.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    /// A label selector as kubectl prints it (`FormatLabelSelector`): `<none>` when empty.
    static func selectorText(_ selector: JSONValue?) -> String {
        var parts = (selector?["matchLabels"]?.stringMap ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        for expression in selector?["matchExpressions"]?.arrayValue ?? [] {
            let key = expression["key"]?.stringValue ?? ""
            let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
            switch expression["operator"]?.stringValue {
            case "In": parts.append("\(key) in (\(values))")
            case "NotIn": parts.append("\(key) notin (\(values))")
            case "Exists": parts.append(key)
            case "DoesNotExist": parts.append("!" + key)
            default: continue
            }
        }
        return parts.isEmpty ? "<none>" : parts.joined(separator: ",")
    }

    /// `Terminating` for an object being deleted, else `status`.
    private static func terminatingOr(_ object: JSONValue, _ status: String) -> String {
        object[path: ["metadata", "deletionTimestamp"]] != nil ? "Terminating" : status
    }

    private static func address(_ node: JSONValue, _ type: String) -> String {
        (node[path: ["status", "addresses"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == type }?["address"]?.stringValue ?? "<none>"
    }

    /// The pod STATUS column, following kubectl's printer: Terminating, init progress,
    /// container waiting/terminated reasons, else the phase.
    static func podStatus(_ pod: JSONValue) -> String {
        var reason = pod[path: ["status", "reason"]]?.stringValue ?? pod[path: ["status", "phase"]]?.stringValue ?? "Pending"
        let initStatuses = pod[path: ["status", "initContainerStatuses"]]?.arrayValue ?? []
        let initCount = pod[path: ["spec", "initContainers"]]?.arrayValue?.count ?? 0
        var initializing = false
        for (index, status) in initStatuses.enumerated() {
            if status[path: ["state", "terminated", "exitCode"]]?.integerValue == 0 { continue }
            initializing = true
            if let terminated = status[path: ["state", "terminated"]] {
                reason = "Init:" + (terminated["reason"]?.stringValue ?? "ExitCode:\(terminated["exitCode"]?.integerValue ?? 0)")
            } else if let waiting = status[path: ["state", "waiting", "reason"]]?.stringValue, waiting != "PodInitializing" {
                reason = "Init:" + waiting
            } else {
                reason = "Init:\(index)/\(initCount)"
            }
            break
        }
        if !initializing {
            for status in (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reversed() {
                if let waiting = status[path: ["state", "waiting", "reason"]]?.stringValue, !waiting.isEmpty {
                    reason = waiting
                } else if let terminated = status[path: ["state", "terminated"]] {
                    reason = terminated["reason"]?.stringValue ?? "ExitCode:\(terminated["exitCode"]?.integerValue ?? 0)"
                }
            }
        }
        if pod[path: ["metadata", "deletionTimestamp"]] != nil {
            reason = pod[path: ["status", "reason"]]?.stringValue == "NodeLost" ? "Unknown" : "Terminating"
        }
        return reason
    }

    static func jobStatus(_ job: JSONValue) -> String {
        let conditions = job[path: ["status", "conditions"]]?.arrayValue ?? []
        func has(_ type: String) -> Bool { conditions.contains { $0["type"]?.stringValue == type && $0["status"] == "True" } }
        if has("Complete") { return "Complete" }
        if has("Failed") { return "Failed" }
        if job[path: ["metadata", "deletionTimestamp"]] != nil { return "Terminating" }
        if has("SuccessCriteriaMet") { return "SuccessCriteriaMet" }
        if has("FailureTarget") { return "FailureTarget" }
        if job[path: ["spec", "suspend"]] == true || has("Suspended") { return "Suspended" }
        return "Running"
    }

    static func nodeStatus(_ node: JSONValue) -> String {
        let ready = (node[path: ["status", "conditions"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == "Ready" }
        var status = ready?["status"] == "True" ? "Ready" : (ready == nil ? "Unknown" : "NotReady")
        if node[path: ["spec", "unschedulable"]] == true { status += ",SchedulingDisabled" }
        return status
    }
}
