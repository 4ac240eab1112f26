/// A label selector in kubectl's string form: `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
public struct LabelSelector: Sendable, Hashable {
    /// One requirement on one label.
    public enum Requirement: Sendable, Hashable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    /// The requirements, all of which must hold.
    public var requirements: [Requirement]

    /// Parses a selector; the empty string selects everything.
    /// - Throws: ``APIError`` 400 naming the bad requirement.
    public init(parsing text: String) throws {
        guard text.utf8.count <= 4096 else { throw APIError.badRequest("unable to parse requirement: the selector is longer than 4096 bytes") }
        requirements = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0 == " " }
            if rest.isEmpty { break }
            let (requirement, remainder) = try Self.requirement(rest)
            requirements.append(requirement)
            rest = remainder.drop { $0 == " " }
            if rest.isEmpty { break }
            guard rest.first == "," else { throw APIError.badRequest("unable to parse requirement: found '\(rest.prefix(1))', expected: ','") }
            rest = rest.dropFirst()
        }
    }

    /// A structured selector (`matchLabels` and `matchExpressions`, as workloads carry it);
    /// nil for an operator kube does not define. An absent or empty selector selects everything.
    public init?(structured selector: JSONValue?) {
        requirements = []
        guard let selector, selector != .null else { return }
        for (key, value) in (selector["matchLabels"]?.stringMap ?? [:]).sorted(by: { $0.key < $1.key }) {
            requirements.append(.equals(key, value))
        }
        for expression in selector["matchExpressions"]?.arrayValue ?? [] {
            guard let key = expression["key"]?.stringValue else { return nil }
            let values = Set((expression["values"]?.arrayValue ?? []).compactMap(\.stringValue))
            switch expression["operator"]?.stringValue {
            case "In": requirements.append(.isIn(key, values))
            case "NotIn": requirements.append(.notIn(key, values))
            case "Exists": requirements.append(.exists(key))
            case "DoesNotExist": requirements.append(.doesNotExist(key))
            default: return nil
            }
        }
    }

    /// Whether the selector has no requirement (it selects everything).
    public var isEmpty: Bool { requirements.isEmpty }

    /// Whether `labels` satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): labels[key] == value
            case .notEquals(let key, let value): labels[key] != value
            case .isIn(let key, let values): labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): labels[key].map { !values.contains($0) } ?? true
            case .exists(let key): labels[key] != nil
            case .doesNotExist(let key): labels[key] == nil
            }
        }
    }

    private static func requirement(_ text: Substring) throws -> (Requirement, Substring) {
        var rest = text
        if rest.first == "!" {
            rest = rest.dropFirst().drop { $0 == " " }
            let key = rest.prefix { !",! =(".contains($0) }
            try validateKey(key)
            return (.doesNotExist(String(key)), rest.dropFirst(key.count))
        }
        let key = rest.prefix { !",!= (".contains($0) }
        try validateKey(key)
        rest = rest.dropFirst(key.count).drop { $0 == " " }
        if rest.isEmpty || rest.first == "," { return (.exists(String(key)), rest) }
        for (op, make) in [("==", Requirement.equals), ("!=", Requirement.notEquals), ("=", Requirement.equals)] where rest.hasPrefix(op) {
            rest = rest.dropFirst(op.count).drop { $0 == " " }
            let value = rest.prefix { !", ".contains($0) }
            try validateValue(value)
            return (make(String(key), String(value)), rest.dropFirst(value.count))
        }
        for (op, isIn) in [("notin", false), ("in", true)] where rest.hasPrefix(op) {
            rest = rest.dropFirst(op.count).drop { $0 == " " }
            guard rest.first == "(", let close = rest.firstIndex(of: ")") else {
                throw APIError.badRequest("unable to parse requirement: found '\(rest.prefix(1))', expected: '('")
            }
            let values = rest[rest.index(after: rest.startIndex)..<close].split(separator: ",").map { $0.trimmingSpaces }
            for value in values { try validateValue(Substring(value)) }
            let set = Set(values)
            return (isIn ? .isIn(String(key), set) : .notIn(String(key), set), rest[rest.index(after: close)...])
        }
        throw APIError.badRequest("unable to parse requirement: found '\(rest.prefix(8))', expected: in, notin, =, ==, !=")
    }

    private static func validateKey(_ key: Substring) throws {
        guard !key.isEmpty, key.count <= 317, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }) else {
            throw APIError.badRequest("unable to parse requirement: invalid label key \"\(key)\"")
        }
    }

    private static func validateValue(_ value: Substring) throws {
        guard value.count <= 63, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw APIError.badRequest("unable to parse requirement: invalid label value: \"\(value)\"")
        }
    }
}

extension Substring {
    var trimmingSpaces: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}
