/// Encodes swagger 2.0 JSON schemas as gnostic `openapi_v2.Schema` messages, for the
/// `definitions` of `/openapi/v2` (field numbers from gnostic's OpenAPIv2.proto).
enum OpenAPIV2Schema {
    /// `Definitions{additional_properties: [NamedSchema]}` for every definition, sorted by name.
    static func definitions(_ definitions: [String: JSONValue]) -> [UInt8] {
        ProtobufWriter.message { writer in
            for name in definitions.keys.sorted() {
                writer.field(1, named(name, definitions[name]!))
            }
        }
    }

    private static func named(_ name: String, _ schema: JSONValue) -> [UInt8] {
        ProtobufWriter.message { named in
            named.field(1, name)
            named.field(2, encode(schema, depth: 0))
        }
    }

    /// One `Schema` message. Numeric bounds are left out: the Kubernetes definitions carry none.
    static func encode(_ schema: JSONValue, depth: Int) -> [UInt8] {
        guard depth < 64, let members = schema.objectValue else { return [] }
        return ProtobufWriter.message { writer in
            if let ref = members["$ref"]?.stringValue { writer.field(1, ref) }
            if let format = members["format"]?.stringValue { writer.field(2, format) }
            if let title = members["title"]?.stringValue { writer.field(3, title) }
            if let description = members["description"]?.stringValue { writer.field(4, description) }
            if let value = members["default"] { writer.field(5, any(value)) }
            for required in members["required"]?.arrayValue ?? [] {
                if let name = required.stringValue { writer.field(19, name) }
            }
            for value in members["enum"]?.arrayValue ?? [] { writer.field(20, any(value)) }
            switch members["additionalProperties"] {
            case .bool(let allowed)?:
                writer.field(21, ProtobufWriter.message { $0.field(2, int: allowed ? 1 : 0) })
            case let additional? where additional.objectValue != nil:
                writer.field(21, ProtobufWriter.message { $0.field(1, encode(additional, depth: depth + 1)) })
            default:
                break
            }
            if let type = members["type"]?.stringValue { writer.field(22, ProtobufWriter.message { $0.field(1, type) }) }
            if let items = members["items"] {
                writer.field(23, ProtobufWriter.message { $0.field(1, encode(items, depth: depth + 1)) })
            }
            for part in members["allOf"]?.arrayValue ?? [] { writer.field(24, encode(part, depth: depth + 1)) }
            if let properties = members["properties"]?.objectValue {
                writer.field(25, ProtobufWriter.message { list in
                    for name in properties.keys.sorted() {
                        list.field(1, ProtobufWriter.message { named in
                            named.field(1, name)
                            named.field(2, encode(properties[name]!, depth: depth + 1))
                        })
                    }
                })
            }
            for name in members.keys.sorted() where name.hasPrefix("x-") {
                writer.field(31, ProtobufWriter.message { named in
                    named.field(1, name)
                    named.field(2, any(members[name]!))
                })
            }
        }
    }

    /// `Any{yaml}`: JSON text is valid YAML, which is how gnostic carries free-form values.
    private static func any(_ value: JSONValue) -> [UInt8] {
        ProtobufWriter.message { $0.field(2, value.jsonString + "\n") }
    }
}
