/// Defaults and validation of CustomResourceDefinitions, as apiextensions-apiserver's strategy:
/// the name is `<plural>.<group>`, exactly one version is stored, every version has a structural
/// schema whose root is an object, and group, names and scope stay as created.
struct CustomResourceDefinitionStrategy: ResourceStrategy {
    /// The finalizer that holds a deleted definition until its objects are gone.
    static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        Self.fillDefaults(&object)
        // As apiextensions-apiserver: a new definition's status is empty but for the stored
        // version, so clients reading it before the controller (the Python client requires
        // `acceptedNames`) see upstream's shape.
        var status: JSONValue = ["acceptedNames": ["plural": "", "kind": ""], "storedVersions": []]
        if let storage = object[path: ["spec", "versions"]]?.arrayValue?.first(where: { $0["storage"] == true })?["name"] {
            status["storedVersions"] = [storage]
        }
        object["status"] = status
        var finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        if !finalizers.contains(.string(Self.cleanupFinalizer)) { finalizers.append(.string(Self.cleanupFinalizer)) }
        object[path: "metadata.finalizers"] = .array(finalizers)
    }

    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) {
        Self.fillDefaults(&new)
    }

    static func fillDefaults(_ object: inout JSONValue) {
        guard var spec = object["spec"]?.objectValue else { return }
        if var names = spec["names"]?.objectValue {
            let kind = names["kind"]?.stringValue ?? ""
            if (names["singular"]?.stringValue ?? "").isEmpty { names["singular"] = .string(kind.lowercased()) }
            if (names["listKind"]?.stringValue ?? "").isEmpty, !kind.isEmpty { names["listKind"] = .string(kind + "List") }
            spec["names"] = .object(names)
        }
        if spec["conversion"] == nil { spec["conversion"] = ["strategy": "None"] }
        object["spec"] = .object(spec)
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        let spec = object["spec"] ?? [:]
        let group = spec["group"]?.stringValue ?? ""
        let plural = spec[path: ["names", "plural"]]?.stringValue ?? ""
        let kind = spec[path: ["names", "kind"]]?.stringValue ?? ""
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        if name != "\(plural).\(group)" {
            causes.append(.init(field: "metadata.name", message: "Invalid value: \(APIError.quoted(name)): must be spec.names.plural+\".\"+spec.group"))
        }
        if group.isEmpty {
            causes.append(.init(field: "spec.group", type: "FieldValueRequired", message: "Required value"))
        } else if !ObjectMeta.isSubdomain(group) || !group.contains(".") {
            causes.append(.init(field: "spec.group", message: "Invalid value: \(APIError.quoted(group)): should be a domain with at least one dot"))
        }
        if plural.isEmpty {
            causes.append(.init(field: "spec.names.plural", type: "FieldValueRequired", message: "Required value"))
        } else if !ObjectMeta.isLabel(plural) {
            causes.append(.init(field: "spec.names.plural", message: "Invalid value: \(APIError.quoted(plural)): a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"))
        }
        if kind.isEmpty { causes.append(.init(field: "spec.names.kind", type: "FieldValueRequired", message: "Required value")) }
        if let singular = spec[path: ["names", "singular"]]?.stringValue, !singular.isEmpty, !ObjectMeta.isLabel(singular) {
            causes.append(.init(field: "spec.names.singular", message: "Invalid value: \(APIError.quoted(singular)): a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"))
        }
        switch spec["scope"]?.stringValue {
        case "Namespaced", "Cluster": break
        case nil, "": causes.append(.init(field: "spec.scope", type: "FieldValueRequired", message: "Required value"))
        case let other?: causes.append(.init(field: "spec.scope", type: "FieldValueNotSupported", message: "Unsupported value: \(APIError.quoted(other)): supported values: \"Cluster\", \"Namespaced\""))
        }
        if let strategy = spec[path: ["conversion", "strategy"]]?.stringValue, strategy != "None" {
            causes.append(.init(field: "spec.conversion.strategy", type: "FieldValueNotSupported", message: "Unsupported value: \(APIError.quoted(strategy)): supported values: \"None\" (this server runs no conversion webhooks)"))
        }
        causes += versionCauses(spec["versions"]?.arrayValue ?? [])
        return causes
    }

    private func versionCauses(_ versions: [JSONValue]) -> [APIError.Cause] {
        guard !versions.isEmpty else { return [.init(field: "spec.versions", type: "FieldValueRequired", message: "Required value: must have exactly one version marked as storage version")] }
        var causes: [APIError.Cause] = []
        if versions.count(where: { $0["storage"] == true }) != 1 {
            causes.append(.init(field: "spec.versions", message: "Invalid value: \(APIError.quoted(versions.map { $0.jsonString }.joined(separator: ", ").prefix(200).description)): must have exactly one version marked as storage version"))
        }
        if !versions.contains(where: { $0["served"] == true }) {
            causes.append(.init(field: "spec.versions", message: "Invalid value: \(APIError.quoted("")): must serve at least one version"))
        }
        var seen = Set<String>()
        for (index, version) in versions.enumerated() {
            let path = "spec.versions[\(index)]"
            let name = version["name"]?.stringValue ?? ""
            if !ObjectMeta.isLabel(name) {
                causes.append(.init(field: "\(path).name", message: "Invalid value: \(APIError.quoted(name)): a DNS-1035 label must consist of lower case alphanumeric characters or '-'"))
            } else if !seen.insert(name).inserted {
                causes.append(.init(field: "spec.versions", type: "FieldValueDuplicate", message: "Duplicate value: \(APIError.quoted(name))"))
            }
            guard let schema = version[path: ["schema", "openAPIV3Schema"]] else {
                causes.append(.init(field: "\(path).schema.openAPIV3Schema", type: "FieldValueRequired", message: "Required value: schemas are required"))
                continue
            }
            if schema["type"] != "object" {
                causes.append(.init(field: "\(path).schema.openAPIV3Schema.type", message: "Invalid value: \(APIError.quoted(schema["type"]?.stringValue ?? "")): must be object at the root"))
            }
            causes += structuralCauses(schema, path: "\(path).schema.openAPIV3Schema", depth: 0)
            for (column, definition) in (version["additionalPrinterColumns"]?.arrayValue ?? []).enumerated() {
                if (definition["jsonPath"]?.stringValue).map({ JSONPathExpression(parsing: $0) == nil }) ?? true {
                    causes.append(.init(field: "\(path).additionalPrinterColumns[\(column)].jsonPath", message: "Invalid value: \(APIError.quoted(definition["jsonPath"]?.stringValue ?? "")): must be a simple json path starting with ."))
                }
            }
        }
        return causes
    }

    /// The structural-schema rules clients depend on: every specified field has a type, unless it
    /// preserves unknown fields or is int-or-string.
    private func structuralCauses(_ schema: JSONValue, path: String, depth: Int) -> [APIError.Cause] {
        guard depth < StructuralSchema.maxDepth else { return [.init(field: path, message: "Invalid value: \"...\": schema nested too deeply")] }
        var causes: [APIError.Cause] = []
        if let pattern = schema["pattern"]?.stringValue {
            do {
                _ = try SchemaPattern(pattern)
            } catch {
                causes.append(.init(field: "\(path).pattern", message: "Invalid value: \(APIError.quoted(pattern)): \(error.message)"))
            }
        }
        for (name, property) in (schema["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let child = "\(path).properties[\(name)]"
            if property["type"] == nil, property["x-kubernetes-int-or-string"] != true, property["x-kubernetes-preserve-unknown-fields"] != true {
                causes.append(.init(field: "\(child).type", type: "FieldValueRequired", message: "Required value: must not be empty for specified object fields"))
            }
            causes += structuralCauses(property, path: child, depth: depth + 1)
        }
        if let items = schema["items"], items.objectValue != nil {
            if items["type"] == nil, items["x-kubernetes-int-or-string"] != true, items["x-kubernetes-preserve-unknown-fields"] != true {
                causes.append(.init(field: "\(path).items.type", type: "FieldValueRequired", message: "Required value: must not be empty for specified array items"))
            }
            causes += structuralCauses(items, path: "\(path).items", depth: depth + 1)
        }
        if let additional = schema["additionalProperties"], additional.objectValue != nil {
            causes += structuralCauses(additional, path: "\(path).additionalProperties", depth: depth + 1)
        }
        return causes
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes = validate(new)
        for field in ["group", "scope"] where new[path: ["spec", field]] != old[path: ["spec", field]] {
            causes.append(.init(field: "spec.\(field)", message: "Invalid value: \(SchemaValidator.describe(new[path: ["spec", field]] ?? .null)): field is immutable"))
        }
        return causes
    }

    /// The `x-kubernetes-validations` rules of a definition's schemas, which this server does not
    /// evaluate (there is no maintained CEL implementation for Swift): one warning per version.
    func warnings(for object: JSONValue) -> [String] {
        (object[path: ["spec", "versions"]]?.arrayValue ?? []).compactMap { version in
            let count = Self.celRules(in: version[path: ["schema", "openAPIV3Schema"]] ?? .null, depth: 0)
            guard count > 0 else { return nil }
            return "version \(version["name"]?.stringValue ?? ""): \(count) x-kubernetes-validations rule(s) are stored but not evaluated: this server has no CEL evaluator"
        }
    }

    private static func celRules(in schema: JSONValue, depth: Int) -> Int {
        guard depth < StructuralSchema.maxDepth, let members = schema.objectValue else { return 0 }
        var count = members["x-kubernetes-validations"]?.arrayValue?.count ?? 0
        for (key, value) in members where key != "x-kubernetes-validations" && key != "default" && key != "enum" && key != "example" {
            if case .object(let children) = value, key == "properties" {
                for child in children.values { count += celRules(in: child, depth: depth + 1) }
            } else if key == "items" || key == "additionalProperties" || key == "not" {
                count += celRules(in: value, depth: depth + 1)
            } else if let list = value.arrayValue, ["allOf", "anyOf", "oneOf"].contains(key) {
                for child in list { count += celRules(in: child, depth: depth + 1) }
            }
        }
        return count
    }
}
