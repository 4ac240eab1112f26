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

/// A label selector (`matchLabels` and `matchExpressions`, all of which must hold).
///
/// An empty selector matches everything; a `nil` selector (where optional) matches nothing, as
/// upstream.
public struct LabelSelector: Sendable, Hashable {
    /// Labels that must be present with exactly these values.
    public var matchLabels: [String: String]
    /// Further requirements.
    public var matchExpressions: [SelectorRequirement]

    /// A selector.
    public init(matchLabels: [String: String] = [:], matchExpressions: [SelectorRequirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// Whether `labels` satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        for (k, v) in matchLabels where labels[k] != v { return false }
        for r in matchExpressions where !r.matches(labels) { return false }
        return true
    }

    /// Whether the selector has no requirements (and so matches everything).
    public var isEmpty: Bool { matchLabels.isEmpty && matchExpressions.isEmpty }
}
