import Foundation
internal import Yams

/// Reads one YAML document (a request body, a kubeconfig, a scheduler configuration) into a
/// ``JSONValue``, with limits: nesting at most `maxDepth` deep and at most `maxNodes` values in
/// all, so that aliases cannot expand a small document into a huge one. Integers are read as
/// go-yaml reads them; anything else that is not JSON stays a string.
public struct YAMLValueDecoder: Sendable {
    /// The deepest nesting accepted. Default 100.
    public var maxDepth = 100
    /// The most values (scalars, sequences and mappings, aliases counted each time they are
    /// used) accepted. Default 200,000.
    public var maxNodes = 200_000

    /// A decoder with the default limits.
    public init() {}

    /// The document in `bytes` (UTF-8).
    /// - Throws: ``KubeTypeError`` with code `invalidYAML` and a one-line reason.
    public func decode(_ bytes: [UInt8]) throws(KubeTypeError) -> JSONValue {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw KubeTypeError(.invalidYAML, "it is not UTF-8")
        }
        let root: Node?
        do {
            // Compose, not load: aliases stay references to one node, so a small document that
            // names a node many times cannot make the parser build a huge value; the budget
            // below stops the expansion while converting.
            root = try Yams.compose(yaml: text)
        } catch {
            throw KubeTypeError(.invalidYAML, "\(error)")
        }
        guard let root else { return .null }
        var budget = maxNodes
        return try convert(root, depth: 0, budget: &budget)
    }

    /// A YAML integer as go-yaml reads one: decimal, or `0x`/`0o`/`0b`/leading-`0` radix forms,
    /// underscores allowed; nil for anything else (sexagesimal, out of range), which stays a string.
    static func integer(_ text: String) -> Int64? {
        var digits = Substring(text.replacingOccurrences(of: "_", with: ""))
        var sign = ""
        if let first = digits.first, first == "-" || first == "+" {
            sign = first == "-" ? "-" : ""
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, !digits.contains(":") else { return nil }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            return Int64(sign + digits.dropFirst(2), radix: radix)
        }
        if digits.count > 1, digits.hasPrefix("0") { return Int64(sign + digits.dropFirst(), radix: 8) }
        return Int64(sign + digits)
    }

    private func convert(_ node: Node, depth: Int, budget: inout Int) throws(KubeTypeError) -> JSONValue {
        budget -= 1
        guard budget >= 0 else { throw KubeTypeError(.invalidYAML, "more than \(maxNodes) values") }
        guard depth <= maxDepth else { throw KubeTypeError(.invalidYAML, "nesting deeper than \(maxDepth)") }
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case Tag.Name.null: return .null
            case Tag.Name.bool: return node.bool.map { .bool($0) } ?? .string(scalar.string)
            // Not Yams' own int construction: its YAML 1.1 sexagesimal form (`1:0:0:...`)
            // multiplies without overflow checks and traps on a dozen components.
            case Tag.Name.int: return Self.integer(scalar.string).map { .integer($0) } ?? .string(scalar.string)
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
            throw KubeTypeError(.invalidYAML, "unresolved alias")
        }
    }
}
