/// Defaulting and validation of pod specs, shared by pods and every workload's template
/// (upstream `SetDefaults_PodSpec`, `SetDefaults_Container`, `ValidatePodSpec`).
enum PodTemplate {
    /// Fills the defaults of `spec` (a PodSpec), at `restartPolicy` unless it is set.
    static func defaultSpec(_ spec: inout JSONValue, restartPolicy: String? = "Always") {
        if spec["restartPolicy"] == nil, let restartPolicy { spec["restartPolicy"] = .string(restartPolicy) }
        if spec["dnsPolicy"] == nil { spec["dnsPolicy"] = "ClusterFirst" }
        if spec["schedulerName"] == nil { spec["schedulerName"] = "default-scheduler" }
        if spec["terminationGracePeriodSeconds"] == nil { spec["terminationGracePeriodSeconds"] = 30 }
        if spec["securityContext"] == nil { spec["securityContext"] = [:] }
        if spec["enableServiceLinks"] == nil { spec["enableServiceLinks"] = true }
        for key in ["containers", "initContainers"] {
            guard let containers = spec[key]?.arrayValue else { continue }
            spec[key] = .array(containers.map(defaultContainer))
        }
    }

    static func defaultContainer(_ container: JSONValue) -> JSONValue {
        var container = container
        if container["imagePullPolicy"] == nil, let image = container["image"]?.stringValue {
            container["imagePullPolicy"] = .string(pullPolicy(image))
        }
        if container["terminationMessagePath"] == nil { container["terminationMessagePath"] = "/dev/termination-log" }
        if container["terminationMessagePolicy"] == nil { container["terminationMessagePolicy"] = "File" }
        if container["resources"] == nil { container["resources"] = [:] }
        if let ports = container["ports"]?.arrayValue {
            container["ports"] = .array(ports.map { port in
                var port = port
                if port["protocol"] == nil { port["protocol"] = "TCP" }
                return port
            })
        }
        if var resources = container["resources"] {
            for key in ["requests", "limits"] {
                guard let values = resources[key]?.objectValue else { continue }
                resources[key] = .object(values.mapValues { value in
                    guard let text = value.stringValue ?? value.integerValue.map({ String($0) }), let quantity = Quantity(text) else { return value }
                    return .string(quantity.description)
                })
            }
            container["resources"] = resources
        }
        return container
    }

    /// `Always` for `:latest` or untagged images, else `IfNotPresent` (digests count as tags).
    static func pullPolicy(_ image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastComponent = image.split(separator: "/").last ?? Substring(image)
        guard let colon = lastComponent.lastIndex(of: ":") else { return "Always" }
        return lastComponent[lastComponent.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    /// Field errors of a PodSpec at `path` (e.g. `spec` or `spec.template.spec`).
    static func validateSpec(_ spec: JSONValue?, path: String, allowedRestartPolicies: [String] = ["Always", "OnFailure", "Never"]) -> [APIError.Cause] {
        guard let spec else { return [APIError.Cause(field: "\(path).containers", type: "FieldValueRequired", message: "Required value")] }
        var causes: [APIError.Cause] = []
        let containers = spec["containers"]?.arrayValue ?? []
        if containers.isEmpty { causes.append(APIError.Cause(field: "\(path).containers", type: "FieldValueRequired", message: "Required value")) }
        var names = Set<String>()
        let (volumeCauses, volumes) = PodSpecValidation.volumes(spec, path: path)
        causes += volumeCauses
        for (key, list) in [("initContainers", spec["initContainers"]?.arrayValue ?? []), ("containers", containers)] {
            for (index, container) in list.enumerated() {
                let field = "\(path).\(key)[\(index)]"
                causes += PodSpecValidation.volumeMounts(container, field: field, volumes: volumes)
                causes += PodSpecValidation.probes(container, field: field)
                let name = container["name"]?.stringValue ?? ""
                if name.isEmpty {
                    causes.append(APIError.Cause(field: "\(field).name", type: "FieldValueRequired", message: "Required value"))
                } else if !ObjectMeta.isLabel(name) {
                    causes.append(APIError.Cause(field: "\(field).name", message: "Invalid value: \"\(name)\": \(ObjectMeta.labelMessage)"))
                } else if !names.insert(name).inserted {
                    causes.append(APIError.Cause(field: "\(field).name", type: "FieldValueDuplicate", message: "Duplicate value: \"\(name)\""))
                }
                if (container["image"]?.stringValue ?? "").trimmingCharacters(in: " ").isEmpty {
                    causes.append(APIError.Cause(field: "\(field).image", type: "FieldValueRequired", message: "Required value"))
                }
                for (portIndex, port) in (container["ports"]?.arrayValue ?? []).enumerated() {
                    let portField = "\(field).ports[\(portIndex)]"
                    let number = port["containerPort"]?.integerValue ?? 0
                    if !(1...65535).contains(number) {
                        causes.append(APIError.Cause(field: "\(portField).containerPort", message: "Invalid value: \(number): must be between 1 and 65535, inclusive"))
                    }
                    if let proto = port["protocol"]?.stringValue, !["TCP", "UDP", "SCTP"].contains(proto) {
                        causes.append(APIError.Cause(field: "\(portField).protocol", type: "FieldValueNotSupported", message: "Unsupported value: \"\(proto)\": supported values: \"SCTP\", \"TCP\", \"UDP\""))
                    }
                }
                for kind in ["requests", "limits"] {
                    for (resource, value) in container[path: ["resources", kind]]?.objectValue ?? [:] {
                        let text = value.stringValue ?? value.integerValue.map { String($0) } ?? ""
                        if Quantity(text) == nil {
                            causes.append(APIError.Cause(field: "\(field).resources.\(kind)[\(resource)]", message: "Invalid value: \"\(text)\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))
                        }
                    }
                }
            }
        }
        causes += PodSpecValidation.affinity(spec, path: path)
        if let policy = spec["restartPolicy"]?.stringValue, !allowedRestartPolicies.contains(policy) {
            let supported = allowedRestartPolicies.map { "\"\($0)\"" }.joined(separator: ", ")
            causes.append(APIError.Cause(field: "\(path).restartPolicy", type: "FieldValueNotSupported", message: "Unsupported value: \"\(policy)\": supported values: \(supported)"))
        }
        return causes
    }
}
