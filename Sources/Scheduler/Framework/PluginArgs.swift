/// A plugin's arguments from configuration: a JSON-like value any plugin can decode.
public indirect enum PluginArgs: Sendable, Hashable {
    /// A string.
    case string(String)
    /// An integer.
    case int(Int64)
    /// A floating-point number.
    case double(Double)
    /// A boolean.
    case bool(Bool)
    /// A list.
    case list([PluginArgs])
    /// A map.
    case map([String: PluginArgs])
    /// An explicit null.
    case null

    /// The value at `key` when this is a map.
    public subscript(key: String) -> PluginArgs? {
        if case .map(let m) = self { return m[key] }
        return nil
    }
    /// The string, if this is one.
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The integer, if this is one (or a whole double).
    public var int: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d: return Int64(exactly: d)
        default: return nil
        }
    }
    /// The number, if this is one.
    public var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    /// The boolean, if this is one.
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// The elements, if this is a list.
    public var list: [PluginArgs]? { if case .list(let l) = self { return l } else { return nil } }
    /// The entries, if this is a map.
    public var map: [String: PluginArgs]? { if case .map(let m) = self { return m } else { return nil } }
}
