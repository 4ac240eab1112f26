/// The operator of a label selector requirement.
public enum SelectorOperator: String, Sendable, Hashable, CaseIterable {
    /// The label's value is in the list.
    case `in` = "In"
    /// The label is absent or its value is not in the list.
    case notIn = "NotIn"
    /// The label is present.
    case exists = "Exists"
    /// The label is absent.
    case doesNotExist = "DoesNotExist"
    /// The value, as an integer, is greater than the single listed value (node selectors only).
    case gt = "Gt"
    /// The value, as an integer, is less than the single listed value (node selectors only).
    case lt = "Lt"
}

/// One requirement of a selector: `key operator values`.
public struct SelectorRequirement: Sendable, Hashable {
    /// The label key (or, for node field selectors, the field name such as `metadata.name`).
    public var key: String
    /// How the value is compared.
    public var `operator`: SelectorOperator
    /// The values compared against.
    public var values: [String]

    /// A requirement.
    public init(key: String, operator: SelectorOperator, values: [String] = []) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }

    /// Whether `labels` satisfy this requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        let value = labels[key]
        switch `operator` {
        case .in: return value.map { values.contains($0) } ?? false
        case .notIn: return value.map { !values.contains($0) } ?? true
        case .exists: return value != nil
        case .doesNotExist: return value == nil
        case .gt, .lt:
            guard let value, let lhs = Int64(value), values.count == 1, let rhs = Int64(values[0]) else { return false }
            return `operator` == .gt ? lhs > rhs : lhs < rhs
        }
    }
}

/// A label selector: `matchLabels` and `matchExpressions`, all of which must hold, as workloads
/// and affinity terms carry it, or parsed from kubectl's string form
/// (`a=b,c!=d,e in (x,y),f notin (z),g,!h`).
///
/// An empty selector matches everything; a `nil` selector (where optional) matches nothing, as
/// upstream.
public struct LabelSelector: Sendable, Hashable {
    /// Labels that must be present with exactly these values.
    public var matchLabels: [String: String]
    /// Further requirements.
    public var matchExpressions: [SelectorRequirement]

    /// The most bytes a selector string may have.
    public static let maxTextBytes = 4096

    /// A selector.
    public init(matchLabels: [String: String] = [:], matchExpressions: [SelectorRequirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// Parses kubectl's string form; the empty string selects everything. `a=b` and `a==b` become
    /// `a In (b)`, `a!=b` becomes `a NotIn (b)` (which, as upstream, matches objects without `a`).
    /// - Throws: ``KubeTypeError`` (``KubeTypeError/Code/invalidSelector``) naming the bad requirement.
    public init(parsing text: String) throws(KubeTypeError) {
        guard text.utf8.count <= Self.maxTextBytes else {
            throw KubeTypeError(.invalidSelector, "unable to parse requirement: the selector is longer than \(Self.maxTextBytes) bytes")
        }
        self.init()
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0 == " " }
            if rest.isEmpty { break }
            let (requirement, remainder) = try Self.requirement(rest)
            matchExpressions.append(requirement)
            rest = remainder.drop { $0 == " " }
            if rest.isEmpty { break }
            guard rest.first == "," else { throw Self.error("found '\(rest.prefix(1))', expected: ','") }
            rest = rest.dropFirst().drop { $0 == " " }
            guard !rest.isEmpty, rest.first != "," else { throw Self.error("found '\(rest.prefix(1))', expected: identifier after ','") }
        }
    }

    /// Whether `labels` satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        for (k, v) in matchLabels where labels[k] != v { return false }
        for r in matchExpressions where !r.matches(labels) { return false }
        return true
    }

    /// Whether the selector has no requirements (and so matches everything).
    public var isEmpty: Bool { matchLabels.isEmpty && matchExpressions.isEmpty }

    private static func error(_ detail: String) -> KubeTypeError {
        KubeTypeError(.invalidSelector, "unable to parse requirement: \(detail)")
    }

    private static func requirement(_ text: Substring) throws(KubeTypeError) -> (SelectorRequirement, Substring) {
        var rest = text
        if rest.first == "!" {
            rest = rest.dropFirst().drop { $0 == " " }
            let key = rest.prefix { !",! =(".contains($0) }
            try validateKey(key)
            return (SelectorRequirement(key: String(key), operator: .doesNotExist), rest.dropFirst(key.count))
        }
        let key = rest.prefix { !",!= (".contains($0) }
        try validateKey(key)
        rest = rest.dropFirst(key.count).drop { $0 == " " }
        if rest.isEmpty || rest.first == "," { return (SelectorRequirement(key: String(key), operator: .exists), rest) }
        for (op, selectorOperator) in [("==", SelectorOperator.in), ("!=", .notIn), ("=", .in)] where rest.hasPrefix(op) {
            rest = rest.dropFirst(op.count).drop { $0 == " " }
            let value = rest.prefix { !", ".contains($0) }
            try validateValue(value)
            return (SelectorRequirement(key: String(key), operator: selectorOperator, values: [String(value)]), rest.dropFirst(value.count))
        }
        for (op, selectorOperator) in [("notin", SelectorOperator.notIn), ("in", .in)] where rest.hasPrefix(op) {
            rest = rest.dropFirst(op.count).drop { $0 == " " }
            guard rest.first == "(", let close = rest.firstIndex(of: ")") else { throw error("found '\(rest.prefix(1))', expected: '('") }
            var values: [String] = []
            for value in rest[rest.index(after: rest.startIndex)..<close].split(separator: ",") {
                let trimmed = value.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
                try validateValue(Substring(trimmed))
                if !values.contains(String(trimmed)) { values.append(String(trimmed)) }
            }
            return (SelectorRequirement(key: String(key), operator: selectorOperator, values: values), rest[rest.index(after: close)...])
        }
        throw error("found '\(rest.prefix(8))', expected: in, notin, =, ==, !=")
    }

    /// Keys: at most 317 ASCII bytes of letters, digits and `-_./` (a DNS prefix and a name).
    private static func validateKey(_ key: Substring) throws(KubeTypeError) {
        guard !key.isEmpty, key.utf8.count <= 317, key.utf8.allSatisfy(Self.isKeyByte) else {
            throw error("invalid label key \"\(key)\"")
        }
    }

    /// Values: at most 63 ASCII bytes of letters, digits and `-_.`.
    private static func validateValue(_ value: Substring) throws(KubeTypeError) {
        guard value.utf8.count <= 63, value.utf8.allSatisfy({ Self.isKeyByte($0) && $0 != UInt8(ascii: "/") }) else {
            throw error("invalid label value: \"\(value)\"")
        }
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"): true
        default: false
        }
    }
}
