import Foundation

/// A field selector: `metadata.name=x,spec.nodeName!=`, on dotted paths of the object.
public struct FieldSelector: Sendable, Hashable {
    /// One requirement: the field at `path` equals (or not) `value`.
    public struct Requirement: Sendable, Hashable {
        public var path: [String]
        public var value: String
        public var equal: Bool
    }

    /// The requirements, all of which must hold.
    public var requirements: [Requirement]

    /// The longest selector accepted, in bytes, and the most requirements.
    static let maxLength = 4096
    static let maxRequirements = 64

    /// Parses a selector; the empty string selects everything.
    public init(parsing text: String) throws {
        guard text.utf8.count <= Self.maxLength else { throw APIError.badRequest("invalid selector: longer than \(Self.maxLength) bytes") }
        let terms = text.split(separator: ",")
        guard terms.count <= Self.maxRequirements else { throw APIError.badRequest("invalid selector: more than \(Self.maxRequirements) requirements") }
        requirements = try terms.map { term in
            let term = String(term)
            for (op, equal) in [("!=", false), ("==", true), ("=", true)] {
                if let range = term.range(of: op) {
                    let field = String(term[..<range.lowerBound]).trimmingCharacters(in: " ")
                    guard !field.isEmpty else { break }
                    return Requirement(
                        path: field.split(separator: ".").map(String.init),
                        value: String(term[range.upperBound...]).trimmingCharacters(in: " "), equal: equal)
                }
            }
            throw APIError.badRequest("invalid selector: '\(text)'; can't understand '\(term)'")
        }
    }

    /// The name an exact `metadata.name=<name>` requirement selects, as kube-apiserver reads a
    /// single-object list or watch for authorization; nil when there is none.
    public var exactName: String? {
        let names = requirements.filter { $0.path == ["metadata", "name"] && $0.equal }.map(\.value)
        return names.count == 1 && !names[0].isEmpty ? names[0] : nil
    }

    /// Whether `object` satisfies every requirement. A missing field counts as the empty string.
    public func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { requirement in
            let actual: String
            switch object[path: requirement.path] {
            case .string(let text): actual = text
            case .bool(let flag): actual = flag ? "true" : "false"
            case .integer(let number): actual = String(number)
            default: actual = ""
            }
            return (actual == requirement.value) == requirement.equal
        }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
