/// Writes of custom resources, as apiextensions-apiserver makes them: the object is pruned to its
/// structural schema, defaulted, validated against it, and stored in the definition's storage
/// version (`None` conversion: only `apiVersion` differs between versions).
struct CustomResourceStrategy: ResourceStrategy {
    let group: String
    let info: CustomResourceInfo

    init(type: ResourceType, info: CustomResourceInfo) {
        self.group = type.group
        self.info = info
    }

    private func normalized(_ object: inout JSONValue) {
        object = StructuralSchema.prune(object, schema: info.schema).0
        object = StructuralSchema.applyDefaults(object, schema: info.schema)
        object["apiVersion"] = .string("\(group)/\(info.storageVersion)")
    }

    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        normalized(&object)
    }

    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) {
        normalized(&new)
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        guard let schema = info.schema else { return [] }
        var body = object
        // Metadata is checked as ObjectMeta by the registry, not by the schema.
        body["metadata"] = nil
        body["apiVersion"] = nil
        body["kind"] = nil
        return SchemaValidator().validate(body, schema: Self.withoutTypeMeta(schema), path: "")
    }

    func validateStatusUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        validate(new)
    }

    /// The schema without requirements on `apiVersion`, `kind` and `metadata`, which the
    /// registry fills and checks itself.
    private static func withoutTypeMeta(_ schema: JSONValue) -> JSONValue {
        var result = schema
        if let required = schema["required"]?.arrayValue {
            result["required"] = .array(required.filter { !["apiVersion", "kind", "metadata"].contains($0.stringValue ?? "") })
        }
        if var properties = schema["properties"]?.objectValue {
            for key in ["apiVersion", "kind", "metadata"] { properties[key] = nil }
            result["properties"] = .object(properties)
        }
        return result
    }
}
