/// How server-side apply treats a value, from the OpenAPI extensions of its schema (kube-openapi's
/// `schemaconv`): `x-kubernetes-list-type` and `-list-map-keys`, or failing those the patch
/// strategy and merge key; `x-kubernetes-map-type`. A value without a schema is "untyped": its
/// object members are tracked one by one and its lists are atomic, as for custom resources.
enum FieldShape {
    /// A scalar, or anything owned as a whole (atomic lists, maps and structs).
    case atomic
    /// An object tracked member by member: `properties` give the schemas of known members,
    /// `values` the schema of the others (nil: untyped).
    case object(properties: [String: JSONValue], values: JSONValue?)
    /// A list of scalars tracked by value.
    case set
    /// A list of objects tracked by the values of `keys`; `items` is their schema.
    case map(keys: [String], items: JSONValue?)

    /// The shape of a value whose schema is `schema` (nil: untyped), looked up in `schemas`.
    static func of(_ value: JSONValue, schema: JSONValue?, in schemas: SchemaRegistry) -> FieldShape {
        guard let schema = schemas.resolve(schema) else {
            if case .object = value { return .object(properties: [:], values: nil) }
            return .atomic
        }
        switch value {
        case .object:
            if schema["x-kubernetes-map-type"] == "atomic" { return .atomic }
            let properties = schema["properties"]?.objectValue ?? [:]
            let additional = schema["additionalProperties"]
            let values: JSONValue? = additional?.objectValue == nil ? nil : additional
            if properties.isEmpty, values == nil, schema["type"] == "object", schema["x-kubernetes-preserve-unknown-fields"] == nil,
                schema["additionalProperties"] == nil
            {
                // An object with no declared members at all (RawExtension): untyped.
                return .object(properties: [:], values: nil)
            }
            if properties.isEmpty, values == nil, schema["type"] != "object" { return .atomic }
            return .object(properties: properties, values: values)
        case .array:
            let items = schema["items"]
            switch schema["x-kubernetes-list-type"]?.stringValue {
            case "set": return .set
            case "map":
                let keys = schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
                return keys.isEmpty ? .atomic : .map(keys: keys, items: items)
            case "atomic": return .atomic
            default: break
            }
            let strategy = (schema["x-kubernetes-patch-strategy"]?.stringValue ?? "").split(separator: ",")
            guard strategy.contains("merge") else { return .atomic }
            if let key = schema["x-kubernetes-patch-merge-key"]?.stringValue { return .map(keys: [key], items: items) }
            return .set
        default:
            return .atomic
        }
    }

    /// The schema of member `key` of an `.object` shape.
    static func member(_ key: String, properties: [String: JSONValue], values: JSONValue?) -> JSONValue? {
        properties[key] ?? values
    }

    /// The path element of `item` in a list-map keyed by `keys`, or nil when it lacks a key field
    /// (list-maps default a missing key only for a few fields; such an item is not tracked).
    static func keyElement(_ item: JSONValue, keys: [String], items schema: JSONValue?, in schemas: SchemaRegistry) -> String? {
        var fields: [(String, JSONValue)] = []
        for key in keys {
            if let value = item[key], value != .null {
                fields.append((key, value))
            } else if let fallback = keyDefault(key, items: schema, in: schemas) {
                fields.append((key, fallback))
            } else if keys.count == 1 {
                return nil
            }
        }
        return FieldPathElement.key(fields)
    }

    /// Defaults of list-map key fields the Go types declare (`+default="TCP"`) but the OpenAPI v2
    /// definitions do not carry; a key left out of an applied item takes its default, so an
    /// applied port without a protocol names the stored TCP port.
    private static let keyDefaults: [String: JSONValue] = [
        "io.k8s.api.core.v1.ContainerPort/protocol": "TCP",
        "io.k8s.api.core.v1.ServicePort/protocol": "TCP",
    ]

    private static func keyDefault(_ key: String, items schema: JSONValue?, in schemas: SchemaRegistry) -> JSONValue? {
        if let ref = schema?["$ref"]?.stringValue, let name = ref.split(separator: "/").last, let value = keyDefaults["\(name)/\(key)"] {
            return value
        }
        return schemas.resolve(schemas.resolve(schema)?["properties"]?[key])?["default"]
    }
}
