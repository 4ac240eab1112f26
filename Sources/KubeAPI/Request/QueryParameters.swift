import Foundation

/// A request's query string, parsed as an HTML form as Go's `url.ParseQuery` does: `+` is a
/// space, percent-escapes are decoded, and every value of a repeated name is kept in order.
public struct QueryParameters: Sendable, Hashable {
    /// The most parameters read; the rest are ignored (a request line is bounded anyway).
    static let maxParameters = 256

    private var values: [String: [String]] = [:]

    /// Parses `query` (the part after `?`).
    public init(_ query: String) {
        var count = 0
        for pair in query.utf8.split(separator: UInt8(ascii: "&")) {
            count += 1
            if count > Self.maxParameters { break }
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            values[name, default: []].append(parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    /// Creates parameters from name/value pairs (for tests and internal callers).
    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { values[name, default: []].append(value) }
    }

    /// The first value of `name`, as Go's `Values.Get`.
    public subscript(_ name: String) -> String? { values[name]?.first }

    /// Every value of `name`, in order.
    public func all(_ name: String) -> [String] { values[name] ?? [] }

    /// Whether `name` was sent at all.
    public func contains(_ name: String) -> Bool { values[name] != nil }

    /// The boolean `name`, read as Go's `strconv.ParseBool` reads it (`1`, `t`, `true`, `TRUE`,
    /// `True` and their false forms); nil when absent.
    /// - Throws: ``APIError`` 400 with ParseBool's message for any other value.
    public func flag(_ name: String) throws -> Bool? {
        guard let value = self[name] else { return nil }
        switch value {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: throw APIError.badRequest("strconv.ParseBool: parsing \(APIError.quoted(String(value.prefix(64)))): invalid syntax")
        }
    }

    private static func decode(_ bytes: Substring.UTF8View.SubSequence) -> String {
        let text = String(Substring(bytes)).replacingOccurrences(of: "+", with: " ")
        return text.removingPercentEncoding ?? text
    }
}
