/// kube-apiserver's validation of the parts of a PodSpec beyond containers: volumes and volume
/// mounts, probes, and affinity, with its field paths and messages.
enum PodSpecValidation {
    /// Every volume source field of core/v1 Volume.
    static let volumeSources = [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi", "glusterfs",
        "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap",
        "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi",
        "ephemeral", "image",
    ]

    /// Volumes: names, one source each, the required name of each referenced object. Returns the
    /// causes and the valid volume names.
    static func volumes(_ spec: JSONValue, path: String) -> ([APIError.Cause], Set<String>) {
        var causes: [APIError.Cause] = []
        var names = Set<String>()
        for (index, volume) in (spec["volumes"]?.arrayValue ?? []).enumerated() {
            let field = "\(path).volumes[\(index)]"
            let name = volume["name"]?.stringValue ?? ""
            if name.isEmpty {
                causes.append(.init(field: "\(field).name", type: "FieldValueRequired", message: "Required value"))
            } else if !ObjectMeta.isLabel(name) {
                causes.append(.init(field: "\(field).name", message: "Invalid value: \"\(name)\": \(ObjectMeta.labelMessage)"))
            } else if !names.insert(name).inserted {
                causes.append(.init(field: "\(field).name", type: "FieldValueDuplicate", message: "Duplicate value: \"\(name)\""))
            }
            let sources = volumeSources.filter { volume[$0] != nil && volume[$0] != .null }
            if sources.isEmpty {
                causes.append(.init(field: field, type: "FieldValueRequired", message: "Required value: must specify a volume type"))
            }
            for extra in sources.dropFirst() {
                causes.append(.init(field: "\(field).\(extra)", type: "FieldValueForbidden", message: "Forbidden: may not specify more than 1 volume type"))
            }
            for (source, key) in [("secret", "secretName"), ("configMap", "name"), ("persistentVolumeClaim", "claimName"), ("hostPath", "path")]
            where volume[source] != nil && (volume[path: [source, key]]?.stringValue ?? "").isEmpty {
                causes.append(.init(field: "\(field).\(source).\(key)", type: "FieldValueRequired", message: "Required value"))
            }
        }
        return (causes, names)
    }

    /// A container's volume mounts: known volume, a mount path, unique mount paths.
    static func volumeMounts(_ container: JSONValue, field: String, volumes: Set<String>) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        var paths = Set<String>()
        for (index, mount) in (container["volumeMounts"]?.arrayValue ?? []).enumerated() {
            let mountField = "\(field).volumeMounts[\(index)]"
            let name = mount["name"]?.stringValue ?? ""
            if name.isEmpty {
                causes.append(.init(field: "\(mountField).name", type: "FieldValueRequired", message: "Required value"))
            } else if !volumes.contains(name) {
                causes.append(.init(field: "\(mountField).name", type: "FieldValueNotFound", message: "Not found: \"\(name)\""))
            }
            let mountPath = mount["mountPath"]?.stringValue ?? ""
            if mountPath.isEmpty {
                causes.append(.init(field: "\(mountField).mountPath", type: "FieldValueRequired", message: "Required value"))
            } else if !paths.insert(mountPath).inserted {
                causes.append(.init(field: "\(mountField).mountPath", message: "Invalid value: \"\(mountPath)\": must be unique"))
            }
        }
        return causes
    }

    /// A container's liveness, readiness and startup probes.
    static func probes(_ container: JSONValue, field: String) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        for kind in ["livenessProbe", "readinessProbe", "startupProbe"] {
            guard let probe = container[kind], probe != .null else { continue }
            let probeField = "\(field).\(kind)"
            let handlers = ["exec", "httpGet", "tcpSocket", "grpc"].filter { probe[$0] != nil && probe[$0] != .null }
            if handlers.isEmpty {
                causes.append(.init(field: probeField, type: "FieldValueRequired", message: "Required value: must specify a handler type"))
            }
            for extra in handlers.dropFirst() {
                causes.append(.init(field: "\(probeField).\(extra)", type: "FieldValueForbidden", message: "Forbidden: may not specify more than 1 handler type"))
            }
            for number in ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds"] {
                if let value = probe[number]?.integerValue, value < 0 {
                    causes.append(.init(field: "\(probeField).\(number)", message: "Invalid value: \(value): must be greater than or equal to 0"))
                }
            }
            if kind != "readinessProbe", let threshold = probe["successThreshold"]?.integerValue, threshold != 1 {
                causes.append(.init(field: "\(probeField).successThreshold", message: "Invalid value: \(threshold): must be 1"))
            }
            if probe["exec"] != nil, (probe[path: ["exec", "command"]]?.arrayValue ?? []).isEmpty {
                causes.append(.init(field: "\(probeField).exec.command", type: "FieldValueRequired", message: "Required value"))
            }
            for handler in ["httpGet", "tcpSocket", "grpc"] where probe[handler] != nil {
                causes += port(probe[path: [handler, "port"]], field: "\(probeField).\(handler).port", named: handler != "grpc")
            }
        }
        return causes
    }

    /// A probe port: a number in 1-65535 or (where allowed) an IANA service name.
    private static func port(_ value: JSONValue?, field: String, named: Bool) -> [APIError.Cause] {
        switch value {
        case nil, .null?:
            return [.init(field: field, type: "FieldValueRequired", message: "Required value")]
        case let value? where value.integerValue != nil:
            let number = value.integerValue!
            return (1...65535).contains(number) ? [] : [.init(field: field, message: "Invalid value: \(number): must be between 1 and 65535, inclusive")]
        case let value?:
            let name = value.stringValue ?? ""
            if let number = Int64(name) {
                return (1...65535).contains(number) ? [] : [.init(field: field, message: "Invalid value: \"\(name)\": must be between 1 and 65535, inclusive")]
            }
            let valid = named && (1...15).contains(name.count) && name.allSatisfy { ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "-" }
                && name.contains { $0.isLetter } && !name.hasPrefix("-") && !name.hasSuffix("-") && !name.contains("--")
            return valid ? [] : [.init(field: field, message: "Invalid value: \"\(name)\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")]
        }
    }

    /// Node affinity (selector terms and their operators) and pod (anti-)affinity (topology keys, weights).
    static func affinity(_ spec: JSONValue, path: String) -> [APIError.Cause] {
        guard let affinity = spec["affinity"], affinity != .null else { return [] }
        var causes: [APIError.Cause] = []
        let base = "\(path).affinity"
        if let node = affinity["nodeAffinity"] {
            let field = "\(base).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            if let required = node["requiredDuringSchedulingIgnoredDuringExecution"], required != .null {
                let terms = required["nodeSelectorTerms"]?.arrayValue ?? []
                if terms.isEmpty {
                    causes.append(.init(field: "\(field).nodeSelectorTerms", type: "FieldValueRequired", message: "Required value: must have at least one node selector term"))
                }
                for (index, term) in terms.enumerated() { causes += selectorTerm(term, field: "\(field).nodeSelectorTerms[\(index)]") }
            }
            for (index, preferred) in (node["preferredDuringSchedulingIgnoredDuringExecution"]?.arrayValue ?? []).enumerated() {
                let preferredField = "\(base).nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[\(index)]"
                causes += weight(preferred, field: preferredField)
                causes += selectorTerm(preferred["preference"] ?? [:], field: "\(preferredField).preference")
            }
        }
        for kind in ["podAffinity", "podAntiAffinity"] {
            guard let pod = affinity[kind] else { continue }
            for (index, term) in (pod["requiredDuringSchedulingIgnoredDuringExecution"]?.arrayValue ?? []).enumerated() {
                causes += topologyKey(term, field: "\(base).\(kind).requiredDuringSchedulingIgnoredDuringExecution[\(index)]")
            }
            for (index, weighted) in (pod["preferredDuringSchedulingIgnoredDuringExecution"]?.arrayValue ?? []).enumerated() {
                let field = "\(base).\(kind).preferredDuringSchedulingIgnoredDuringExecution[\(index)]"
                causes += weight(weighted, field: field)
                causes += topologyKey(weighted["podAffinityTerm"] ?? [:], field: "\(field).podAffinityTerm")
            }
        }
        return causes
    }

    private static func selectorTerm(_ term: JSONValue, field: String) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        for (list, keyIsLabel) in [("matchExpressions", true), ("matchFields", false)] {
            for (index, requirement) in (term[list]?.arrayValue ?? []).enumerated() {
                let requirementField = "\(field).\(list)[\(index)]"
                let key = requirement["key"]?.stringValue ?? ""
                if key.isEmpty {
                    causes.append(.init(field: "\(requirementField).key", type: "FieldValueRequired", message: "Required value"))
                } else if !keyIsLabel && key != "metadata.name" {
                    causes.append(.init(field: "\(requirementField).key", type: "FieldValueNotSupported", message: "Unsupported value: \"\(key)\": supported values: \"metadata.name\""))
                }
                let values = requirement["values"]?.arrayValue ?? []
                switch requirement["operator"]?.stringValue ?? "" {
                case "In", "NotIn":
                    if values.isEmpty {
                        causes.append(.init(field: "\(requirementField).values", type: "FieldValueRequired", message: "Required value: must be specified when `operator` is 'In' or 'NotIn'"))
                    }
                case "Exists", "DoesNotExist":
                    if !values.isEmpty {
                        causes.append(.init(field: "\(requirementField).values", type: "FieldValueForbidden", message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
                    }
                case "Gt", "Lt":
                    if values.count != 1 {
                        causes.append(.init(field: "\(requirementField).values", type: "FieldValueRequired", message: "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"))
                    }
                case let other:
                    causes.append(.init(
                        field: "\(requirementField).operator", type: "FieldValueNotSupported",
                        message: "Unsupported value: \"\(other)\": supported values: \"DoesNotExist\", \"Exists\", \"Gt\", \"In\", \"Lt\", \"NotIn\""))
                }
            }
        }
        return causes
    }

    private static func weight(_ item: JSONValue, field: String) -> [APIError.Cause] {
        let weight = item["weight"]?.integerValue ?? 0
        return (1...100).contains(weight) ? [] : [.init(field: "\(field).weight", message: "Invalid value: \(weight): must be in the range 1-100")]
    }

    private static func topologyKey(_ term: JSONValue, field: String) -> [APIError.Cause] {
        (term["topologyKey"]?.stringValue ?? "").isEmpty
            ? [.init(field: "\(field).topologyKey", type: "FieldValueRequired", message: "Required value: can not be empty")] : []
    }
}
