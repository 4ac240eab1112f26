import Yams

/// Reads a YAML request body (`application/yaml`) into a ``JSONValue``, with limits: nesting at
/// most `maxDepth` deep and at most `maxNodes` values in all, so that aliases cannot expand a
/// small document into a huge one.
struct YAMLBodyDecoder: Sendable {
    var maxDepth = 100
    var maxNodes = 200_000

    func decode(_ bytes: [UInt8]) throws -> JSONValue {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw APIError.badRequest("the body of the request could not be decoded as YAML: it is not UTF-8")
        }
        let root: Node?
        do {
            // Compose, not load: aliases stay references to one node, so a small document that
            // names a node many times cannot make the parser build a huge value; the budget
            // below stops the expansion while converting.
            root = try Yams.compose(yaml: text)
        } catch {
            throw APIError.badRequest("the body of the request could not be decoded as YAML: \(error)")
        }
        guard let root else { return .null }
        var budget = maxNodes
        return try convert(root, depth: 0, budget: &budget)
    }

    private func convert(_ node: Node, depth: Int, budget: inout Int) throws -> JSONValue {
        budget -= 1
        guard budget >= 0 else { throw APIError.badRequest("the body of the request could not be decoded as YAML: more than \(maxNodes) values") }
        guard depth <= maxDepth else { throw APIError.badRequest("the body of the request could not be decoded as YAML: nesting deeper than \(maxDepth)") }
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case Tag.Name.null: return .null
            case Tag.Name.bool: return node.bool.map { .bool($0) } ?? .string(scalar.string)
            case Tag.Name.int: return node.int.map { .integer(Int64($0)) } ?? .string(scalar.string)
            case Tag.Name.float: return node.float.map { $0.isFinite ? .double($0) : .string(scalar.string) } ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            for element in sequence { elements.append(try convert(element, depth: depth + 1, budget: &budget)) }
            return .array(elements)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                members[key.string ?? ""] = try convert(value, depth: depth + 1, budget: &budget)
            }
            return .object(members)
        case .alias:
            throw APIError.badRequest("the body of the request could not be decoded as YAML: unresolved alias")
        }
    }
}
