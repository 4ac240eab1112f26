import Crypto
import Foundation

/// `/openapi/v3`: an index of group-versions and, for each, an OpenAPI 3.0 document generated
/// from the served types: their paths and operations (with `x-kubernetes-action`,
/// `x-kubernetes-group-version-kind` and the `fieldValidation` parameter) and the schemas they
/// use, from the schema registry. `kubectl explain` reads these.
struct OpenAPIV3: Sendable {
    /// Serialised documents by path, e.g. `api/v1`, `apis/apps/v1`.
    let documents: [String: [UInt8]]
    /// The index document.
    let index: [UInt8]

    /// The documents of the built-in kinds, built once.
    static let builtIn = OpenAPIV3(registry: .builtIn, schemas: .kubernetes)

    /// The documents of `registry`'s kinds: the built-in ones as built once, custom kinds'
    /// group-versions generated from their definitions' schemas.
    static func current(_ registry: ResourceRegistry) -> OpenAPIV3 {
        let custom = registry.types.filter { $0.custom != nil }
        guard !custom.isEmpty else { return builtIn }
        return OpenAPIV3(registry: ResourceRegistry(types: custom), schemas: .kubernetes, base: builtIn)
    }

    init(registry: ResourceRegistry, schemas: SchemaRegistry, base: OpenAPIV3? = nil) {
        var groupVersions: [(String, String)] = []
        for type in registry.types where !groupVersions.contains(where: { $0 == (type.group, type.version) }) {
            groupVersions.append((type.group, type.version))
        }
        var documents: [String: [UInt8]] = base?.documents ?? [:]
        var paths: [String: JSONValue] = base.flatMap { try? JSONParser().parse($0.index) }?["paths"]?.objectValue ?? [:]
        for (group, version) in groupVersions {
            let key = group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
            let bytes = Self.document(registry.types.filter { $0.group == group && $0.version == version }, schemas: schemas).serialized()
            documents[key] = bytes
            let hash = SHA512.hash(data: bytes).prefix(32).map { String(format: "%02X", $0) }.joined()
            paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(hash)")]
        }
        self.documents = documents
        self.index = JSONValue.object(["paths": .object(paths)]).serialized()
    }

    static func document(_ types: [ResourceType], schemas: SchemaRegistry) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        var roots: [String] = ["io.k8s.apimachinery.pkg.apis.meta.v1.Status", "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"]
        var custom: [String: JSONValue] = [:]
        for type in types where !type.isVirtual {
            guard let definition = schemas.definitionName(for: type) ?? customDefinition(type, into: &custom) else { continue }
            roots.append(definition)
            let listDefinition = schemas.byKind["\(type.group)/\(type.version)/\(type.kind)List"]
            if let listDefinition { roots.append(listDefinition) }
            let gvk: JSONValue = ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)]
            let root = type.group.isEmpty ? "/api/\(type.version)" : "/apis/\(type.group)/\(type.version)"
            let collection = root + (type.namespaced ? "/namespaces/{namespace}" : "") + "/\(type.plural)"
            func operation(_ id: String, _ action: String, _ schema: String?, body: Bool, validation: Bool) -> JSONValue {
                var op: JSONValue = [
                    "operationId": .string(id), "tags": .array([.string(type.group.isEmpty ? "core_\(type.version)" : "\(type.group)_\(type.version)")]),
                    "x-kubernetes-action": .string(action), "x-kubernetes-group-version-kind": gvk,
                    "responses": ["200": ["description": "OK", "content": ["application/json": ["schema": schema.map { ["$ref": .string("#/components/schemas/\($0)")] } ?? [:]]]]],
                ]
                var parameters: [JSONValue] = []
                if validation {
                    parameters.append(["name": "fieldValidation", "in": "query", "schema": ["type": "string", "uniqueItems": true],
                                       "description": "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn or Strict."])
                    parameters.append(["name": "dryRun", "in": "query", "schema": ["type": "string", "uniqueItems": true]])
                    parameters.append(["name": "fieldManager", "in": "query", "schema": ["type": "string", "uniqueItems": true]])
                }
                if !parameters.isEmpty { op["parameters"] = .array(parameters) }
                if body {
                    let contentTypes = action == "patch" ? ["application/merge-patch+json"] : ["application/json"]
                    let bodySchema: JSONValue = action == "patch" ? ["$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"] : ["$ref": .string("#/components/schemas/\(definition)")]
                    op["requestBody"] = ["required": true, "content": .object(Dictionary(uniqueKeysWithValues: contentTypes.map { ($0, ["schema": bodySchema]) }))]
                }
                return op
            }
            let kind = type.kind
            paths[collection] = [
                "get": operation("list\(kind)", "list", listDefinition, body: false, validation: false),
                "post": operation("create\(kind)", "post", definition, body: true, validation: true),
                "delete": operation("deleteCollection\(kind)", "deletecollection", "io.k8s.apimachinery.pkg.apis.meta.v1.Status", body: false, validation: false),
            ]
            paths[collection + "/{name}"] = [
                "get": operation("read\(kind)", "get", definition, body: false, validation: false),
                "put": operation("replace\(kind)", "put", definition, body: true, validation: true),
                "patch": operation("patch\(kind)", "patch", definition, body: true, validation: true),
                "delete": operation("delete\(kind)", "delete", definition, body: false, validation: false),
            ]
        }
        var schemasOut: [String: JSONValue] = [:]
        var pending = roots
        while let name = pending.popLast() {
            guard schemasOut[name] == nil, let definition = custom[name] ?? schemas.definitions[name] else { continue }
            var references: [String] = []
            schemasOut[name] = rewriteReferences(definition, collecting: &references)
            pending += references
        }
        return [
            "openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.0+k3s-daas"],
            "paths": .object(paths), "components": ["schemas": .object(schemasOut)],
        ]
    }

    /// The definition of a custom kind, named as kube-apiserver names it (the group reversed:
    /// `io.cert-manager.v1.Certificate`), from its schema with `metadata` as ObjectMeta.
    private static func customDefinition(_ type: ResourceType, into custom: inout [String: JSONValue]) -> String? {
        guard let info = type.custom else { return nil }
        let name = type.group.split(separator: ".").reversed().joined(separator: ".") + ".\(type.version).\(type.kind)"
        var schema = info.schema ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        var properties = schema["properties"]?.objectValue ?? [:]
        properties["apiVersion"] = ["type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."]
        properties["kind"] = ["type": "string", "description": "Kind is a string value representing the REST resource this object represents."]
        properties["metadata"] = ["$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "description": "Standard object's metadata."]
        schema["properties"] = .object(properties)
        schema["x-kubernetes-group-version-kind"] = [["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)]]
        custom[name] = schema
        return name
    }

    /// Rewrites `#/definitions/X` to `#/components/schemas/X`, noting every X.
    static func rewriteReferences(_ value: JSONValue, collecting references: inout [String]) -> JSONValue {
        switch value {
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (key, member) in members {
                if key == "$ref", let ref = member.stringValue, ref.hasPrefix("#/definitions/") {
                    let name = String(ref.dropFirst("#/definitions/".count))
                    references.append(name)
                    out[key] = .string("#/components/schemas/\(name)")
                } else {
                    out[key] = rewriteReferences(member, collecting: &references)
                }
            }
            return .object(out)
        case .array(let elements):
            return .array(elements.map { rewriteReferences($0, collecting: &references) })
        default:
            return value
        }
    }
}
