/// `fieldValidation`, as kube-apiserver applies it to write bodies: `Strict` refuses fields the
/// schema does not define (400), `Warn` (the default) drops them with a `Warning` header each,
/// `Ignore` drops them silently.
enum FieldValidation {
    /// `body` with unknown fields pruned, and the warnings to send.
    static func apply(_ body: JSONValue, type: ResourceType, query: QueryParameters) throws -> (JSONValue, [String]) {
        let mode = query["fieldValidation"] ?? "Warn"
        guard ["Strict", "Warn", "Ignore"].contains(mode) else {
            throw APIError.badRequest("fieldValidation must be one of \"Ignore\", \"Warn\" or \"Strict\", got \(APIError.quoted(String(mode.prefix(100))))")
        }
        let (pruned, unknown) = type.custom.map { StructuralSchema.prune(body, schema: $0.schema) } ?? SchemaRegistry.kubernetes.prune(body, type: type)
        guard !unknown.isEmpty else { return (body, []) }
        let messages = unknown.map { "unknown field \"\($0)\"" }
        switch mode {
        case "Strict":
            throw APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): strict decoding error: \(messages.joined(separator: ", "))")
        case "Ignore":
            return (pruned, [])
        default:
            return (pruned, messages)
        }
    }
}
