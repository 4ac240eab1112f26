/// A JSON value as Sui returns Move object contents and event payloads.
///
/// Numbers keep their text so u64/u128 values (which Sui sends as strings, and some as numbers)
/// lose no precision.
public indirect enum SuiValue: Sendable, Hashable {
    /// JSON null.
    case null
    /// true or false.
    case bool(Bool)
    /// A JSON number, kept as its literal text.
    case number(String)
    /// A JSON string.
    case string(String)
    /// A JSON array.
    case array([SuiValue])
    /// A JSON object; key order is not significant.
    case object([String: SuiValue])

    /// The member `key` of an object, or `nil`.
    public subscript(key: String) -> SuiValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The value as a u64, from either a JSON string (Sui's u64 form) or a JSON number.
    public var uint64: UInt64? {
        switch self {
        case .string(let text), .number(let text): return UInt64(text)
        default: return nil
        }
    }

    /// The value as a string, if it is one.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}
