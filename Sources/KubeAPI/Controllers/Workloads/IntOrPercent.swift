/// An `IntOrString` count or percentage (`3`, `"25%"`) resolved against a total, as upstream's
/// `GetScaledValueFromIntOrPercent`: percentages round up or down as the caller's field requires.
enum IntOrPercent {
    /// The count `value` names for `total`; nil when it is absent or not a count or percentage.
    static func resolve(_ value: JSONValue?, total: Int64, roundUp: Bool) -> Int64? {
        switch value {
        case .integer(let number)?: return max(0, number)
        case .string(let text)?:
            if let number = Int64(text) { return max(0, number) }
            guard text.utf8.last == UInt8(ascii: "%"), let percent = Int64(text.dropLast()), percent >= 0 else { return nil }
            let (product, overflow) = max(0, total).multipliedReportingOverflow(by: min(percent, 100))
            guard !overflow else { return total }
            return roundUp ? (product + 99) / 100 : product / 100
        default: return nil
        }
    }
}
