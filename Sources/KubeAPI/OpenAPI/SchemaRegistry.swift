import Foundation

/// The OpenAPI definitions of the Kubernetes types, indexed by group/version/kind: the basis of
/// strict field validation, pruning of unknown fields and the `/openapi/v3` documents.
///
/// Loaded from `definitions.json`, which `scripts/generate-openapi-definitions.py` extracts
/// from the Kubernetes OpenAPI spec.
public final class SchemaRegistry: Sendable {
    /// Definitions by name, e.g. `io.k8s.api.apps.v1.Deployment`.
    let definitions: [String: JSONValue]
    /// Definition names by `group/version/Kind` (group empty for core).
    let byKind: [String: String]

    /// Builds a registry from a `{"definitions": {...}}` document.
    init(document: JSONValue) {
        let definitions = document["definitions"]?.objectValue ?? [:]
        var byKind: [String: String] = [:]
        for (name, definition) in definitions {
            for gvk in definition["x-kubernetes-group-version-kind"]?.arrayValue ?? [] {
                let key = "\(gvk["group"]?.stringValue ?? "")/\(gvk["version"]?.stringValue ?? "")/\(gvk["kind"]?.stringValue ?? "")"
                // Prefer the type's own package over shared ones (DeleteOptions is listed by many groups).
                if byKind[key] == nil || !name.hasPrefix("io.k8s.apimachinery") { byKind[key] = name }
            }
        }
        self.definitions = definitions
        self.byKind = byKind
    }

    /// The registry of the built-in Kubernetes types, loaded once.
    public static let kubernetes: SchemaRegistry = {
        guard let url = Bundle.module.url(forResource: "definitions", withExtension: "json"),
            let data = try? Data(contentsOf: url), let document = try? JSONParser(maxDepth: 200).parse(data)
        else { return SchemaRegistry(document: [:]) }
        return SchemaRegistry(document: document)
    }()

    /// The definition name of `type`, if the spec has it.
    func definitionName(for type: ResourceType) -> String? {
        byKind["\(type.group)/\(type.version)/\(type.kind)"]
    }

    /// The schema `schema` refers to (following `$ref`).
    func resolve(_ schema: JSONValue?) -> JSONValue? {
        guard let schema else { return nil }
        if let ref = schema["$ref"]?.stringValue, let name = ref.split(separator: "/").last {
            return definitions[String(name)]
        }
        if let allOf = schema["allOf"]?.arrayValue, allOf.count == 1 { return resolve(allOf[0]) }
        return schema
    }

    /// Removes the fields of `object` that its schema does not define.
    /// - Returns: the object without them, and their paths (`spec.replica`, `spec.containers[0].imagex`).
    func prune(_ object: JSONValue, type: ResourceType) -> (JSONValue, unknown: [String]) {
        guard let name = definitionName(for: type), let schema = definitions[name] else { return (object, []) }
        var unknown: [String] = []
        let pruned = prune(object, schema: schema, path: "", unknown: &unknown, depth: 0)
        return (pruned, unknown)
    }

    private func prune(_ value: JSONValue, schema: JSONValue?, path: String, unknown: inout [String], depth: Int) -> JSONValue {
        guard depth < 64, let schema = resolve(schema), schema["x-kubernetes-preserve-unknown-fields"] != true else { return value }
        switch value {
        case .object(let members):
            guard let properties = schema["properties"]?.objectValue else {
                if let additional = schema["additionalProperties"], case .object = additional {
                    return .object(members.mapValues { prune($0, schema: additional, path: path, unknown: &unknown, depth: depth + 1) })
                }
                return value
            }
            var kept: [String: JSONValue] = [:]
            for key in members.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard let property = properties[key] else {
                    unknown.append(child)
                    continue
                }
                kept[key] = prune(members[key]!, schema: property, path: child, unknown: &unknown, depth: depth + 1)
            }
            return .object(kept)
        case .array(let elements):
            guard let items = schema["items"] else { return value }
            return .array(elements.enumerated().map { index, element in
                prune(element, schema: items, path: "\(path)[\(index)]", unknown: &unknown, depth: depth + 1)
            })
        default:
            return value
        }
    }
}
