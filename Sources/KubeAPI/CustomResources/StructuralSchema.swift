/// Pruning and defaulting of custom resources by their structural `openAPIV3Schema`, as
/// apiextensions-apiserver does on every write: fields the schema does not declare are dropped
/// (unless `x-kubernetes-preserve-unknown-fields`), `default`s fill absent fields, and embedded
/// resources (`x-kubernetes-embedded-resource`) keep their `apiVersion`, `kind` and `metadata`.
enum StructuralSchema {
    /// The deepest value walked; deeper values are kept as they are.
    static let maxDepth = 64

    /// `value` without the fields `schema` does not declare, and the paths of those fields
    /// (`spec.replica`, `spec.items[0].x`). At the root, `apiVersion`, `kind` and `metadata` are kept.
    static func prune(_ value: JSONValue, schema: JSONValue?) -> (JSONValue, unknown: [String]) {
        guard let schema else { return (value, []) }
        var unknown: [String] = []
        let pruned = prune(value, schema: schema, path: "", root: true, unknown: &unknown, depth: 0)
        return (pruned, unknown)
    }

    private static func prune(_ value: JSONValue, schema: JSONValue, path: String, root: Bool, unknown: inout [String], depth: Int) -> JSONValue {
        guard depth < maxDepth else { return value }
        switch value {
        case .object(let members):
            let preserve = schema["x-kubernetes-preserve-unknown-fields"] == true
            let properties = schema["properties"]?.objectValue ?? [:]
            let additional = schema["additionalProperties"]
            let embedded = root || schema["x-kubernetes-embedded-resource"] == true
            var kept: [String: JSONValue] = [:]
            for key in members.keys.sorted() {
                let member = members[key]!
                let child = path.isEmpty ? key : "\(path).\(key)"
                if root, ["apiVersion", "kind", "metadata"].contains(key) {
                    // The registry fills and checks the object's own type and metadata.
                    kept[key] = member
                } else if let property = properties[key] {
                    kept[key] = prune(member, schema: property, path: child, root: false, unknown: &unknown, depth: depth + 1)
                } else if embedded, ["apiVersion", "kind", "metadata"].contains(key) {
                    kept[key] = key == "metadata" && !root ? embeddedMetadata(member) : member
                } else if let additional, additional.objectValue != nil {
                    kept[key] = prune(member, schema: additional, path: child, root: false, unknown: &unknown, depth: depth + 1)
                } else if preserve || additional == true {
                    kept[key] = member
                } else {
                    unknown.append(child)
                }
            }
            return .object(kept)
        case .array(let elements):
            guard let items = schema["items"], items.objectValue != nil else { return value }
            return .array(elements.enumerated().map { index, element in
                prune(element, schema: items, path: "\(path)[\(index)]", root: false, unknown: &unknown, depth: depth + 1)
            })
        default:
            return value
        }
    }

    /// The metadata of an embedded resource: only the fields a new object may set.
    private static func embeddedMetadata(_ value: JSONValue) -> JSONValue {
        guard let members = value.objectValue else { return value }
        return .object(members.filter { ["name", "namespace", "generateName", "labels", "annotations", "finalizers"].contains($0.key) })
    }

    /// `value` with every absent field that has a `default` in `schema` filled in (also `null`
    /// in a field that is not `nullable`), in objects that exist, as the apiserver defaults.
    static func applyDefaults(_ value: JSONValue, schema: JSONValue?, depth: Int = 0) -> JSONValue {
        guard let schema, depth < maxDepth else { return value }
        switch value {
        case .object(var members):
            if let properties = schema["properties"]?.objectValue {
                for (key, property) in properties {
                    if let fallback = property["default"], members[key] == nil || (members[key] == .null && property["nullable"] != true) {
                        members[key] = fallback
                    }
                }
                for (key, member) in members {
                    if let property = properties[key] { members[key] = applyDefaults(member, schema: property, depth: depth + 1) }
                }
            } else if let additional = schema["additionalProperties"], additional.objectValue != nil {
                for (key, member) in members { members[key] = applyDefaults(member, schema: additional, depth: depth + 1) }
            }
            return .object(members)
        case .array(let elements):
            guard let items = schema["items"], items.objectValue != nil else { return value }
            return .array(elements.map { applyDefaults($0, schema: items, depth: depth + 1) })
        default:
            return value
        }
    }
}
