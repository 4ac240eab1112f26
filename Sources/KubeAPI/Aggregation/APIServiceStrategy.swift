/// Validation of apiregistration.k8s.io/v1 APIServices, as kube-aggregator's strategy: the name is
/// `<version>.<group>`, priorities are in range, and a remote service names its namespace, name
/// and a CA bundle unless TLS verification is explicitly skipped.
struct APIServiceStrategy: ResourceStrategy {
    func validate(_ object: JSONValue) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        let spec = object["spec"] ?? [:]
        let group = spec["group"]?.stringValue ?? ""
        let version = spec["version"]?.stringValue ?? ""
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        if name != "\(version).\(group)" {
            causes.append(.init(field: "metadata.name", message: "Invalid value: \(APIError.quoted(name)): must be `spec.version+\".\"+spec.group`: \(APIError.quoted("\(version).\(group)"))"))
        }
        if version.isEmpty || !ObjectMeta.isLabel(version) {
            causes.append(.init(field: "spec.version", message: "Invalid value: \(APIError.quoted(version)): a DNS-1035 label must consist of lower case alphanumeric characters or '-'"))
        }
        if !group.isEmpty, !ObjectMeta.isSubdomain(group) {
            causes.append(.init(field: "spec.group", message: "Invalid value: \(APIError.quoted(group)): a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'"))
        }
        let groupPriority = spec["groupPriorityMinimum"]?.integerValue ?? 0
        if !(1...20000).contains(groupPriority) {
            causes.append(.init(field: "spec.groupPriorityMinimum", message: "Invalid value: \(groupPriority): must be positive and less than 20000"))
        }
        let versionPriority = spec["versionPriority"]?.integerValue ?? 0
        if !(1...1000).contains(versionPriority) {
            causes.append(.init(field: "spec.versionPriority", message: "Invalid value: \(versionPriority): must be positive and less than 1000"))
        }
        if let service = spec["service"], service != .null {
            if (service["namespace"]?.stringValue ?? "").isEmpty {
                causes.append(.init(field: "spec.service.namespace", type: "FieldValueRequired", message: "Required value"))
            }
            if (service["name"]?.stringValue ?? "").isEmpty {
                causes.append(.init(field: "spec.service.name", type: "FieldValueRequired", message: "Required value"))
            }
            if let port = service["port"]?.integerValue, !(1...65535).contains(port) {
                causes.append(.init(field: "spec.service.port", message: "Invalid value: \(port): must be a valid port number"))
            }
            let insecure = spec["insecureSkipTLSVerify"] == true
            let bundle = spec["caBundle"]?.stringValue ?? ""
            if insecure, !bundle.isEmpty {
                causes.append(.init(field: "spec.insecureSkipTLSVerify", message: "Invalid value: true: may not be true if caBundle is present"))
            }
        } else if spec["caBundle"] != nil || spec["insecureSkipTLSVerify"] == true {
            causes.append(.init(field: "spec.service", type: "FieldValueRequired", message: "Required value: a local APIService takes no TLS settings"))
        }
        return causes
    }
}
