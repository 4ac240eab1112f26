/// A Kubernetes resource quantity (`500m`, `1.5`, `2Gi`, `1e3`), parsed exactly and written in
/// canonical form as kube-apiserver writes it.
///
/// The value is kept as `mantissa × 10^exponent` with an integer mantissa. Canonical form keeps
/// the format family of the input: binary suffixes (`Ki`…`Ei`) stay binary while the value is a
/// whole multiple of 1024, otherwise decimal suffixes (`n`, `u`, `m`, ``, `k`…`E`) with the
/// largest suffix that keeps the mantissa whole; `e` notation stays in `e` notation. Values below
/// one nano-unit round up, as upstream. Significant digits that fit in Int64 are kept exactly; longer
/// mantissas are refused rather than rounded.
///
/// Equality is by value, not spelling: `1` == `1000m` and `1Ki` == `1024`.
public struct Quantity: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    private enum Format: Sendable { case binarySI, decimalSI, decimalExponent }

    /// The value is `mantissa × 10^exponent`.
    private var mantissa: Int64
    private var exponent: Int
    private var format: Format

    private static let decimalSuffixes: [(String, Int)] = [("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18)]
    private static let binarySuffixes: [(String, Int)] = [("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40), ("Pi", 50), ("Ei", 60)]

    /// Parses `text` with Kubernetes' grammar: a signed decimal number and an optional binary-SI
    /// suffix (Ki…Ei), decimal-SI suffix (n, u, m, k, M, G, T, P, E) or decimal exponent (e3, E-2).
    /// - Throws: ``KubeTypeError`` with code ``KubeTypeError/Code/invalidQuantity`` and
    ///   kube-apiserver's message.
    public init(parsing text: String) throws(KubeTypeError) {
        guard let parsed = Quantity(text) else {
            throw KubeTypeError(.invalidQuantity, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        }
        self = parsed
    }

    /// A quantity of `milli` thousandths of a unit.
    public init(milli: Int64) {
        self.init(mantissa: milli, exponent: -3, format: .decimalSI)
        normalize()
    }

    /// A quantity of `units` whole units.
    public init(units: Int64) {
        self.init(mantissa: units, exponent: 0, format: .decimalSI)
        normalize()
    }

    /// Parses text known to be valid (a literal in code); invalid text is a programming error
    /// and traps. Use ``init(parsing:)`` or ``init(_:)`` for text from outside.
    public init(stringLiteral text: String) {
        guard let parsed = Quantity(text) else { preconditionFailure("not a quantity: \(text)") }
        self = parsed
    }

    /// A quantity of `value` whole units.
    public init(integerLiteral value: Int64) { self.init(units: value) }

    /// Equality is by value (mantissa and exponent are normalized), not by spelling.
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.mantissa == rhs.mantissa && lhs.exponent == rhs.exponent }

    /// Hashes the value, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(mantissa)
        hasher.combine(exponent)
    }

    /// Parses `text`; `nil` when it is not a quantity.
    public init?(_ text: String) {
        var rest = Substring(text)
        var negative = false
        if rest.first == "+" || rest.first == "-" {
            negative = rest.first == "-"
            rest = rest.dropFirst()
        }
        let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let suffix = String(rest.dropFirst(number.count))
        guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1 else { return nil }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        // On bytes, in linear time: a body may hold a quantity of a million zeros.
        let all = Array((String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")).utf8)
        var exponent = -(parts.count > 1 ? parts[1].utf8.count : 0)
        var start = all.startIndex
        while all.count - start > 1, all[start] == UInt8(ascii: "0") { start += 1 }
        // Drop trailing zeros into the exponent to keep the mantissa small.
        var end = all.endIndex
        while end - start > 1, all[end - 1] == UInt8(ascii: "0") {
            end -= 1
            exponent += 1
        }
        guard end - start <= 19, var mantissa = Int64(String(decoding: all[start..<end], as: UTF8.self)) else { return nil }  // what Int64 holds: every printed value re-parses
        if negative { mantissa = -mantissa }
        if let (_, power) = Self.binarySuffixes.first(where: { $0.0 == suffix }) {
            // Multiply by 2^power exactly while it fits.
            var value = mantissa
            for _ in 0..<power {
                let (doubled, overflow) = value.multipliedReportingOverflow(by: 2)
                guard !overflow else { return nil }
                value = doubled
            }
            self.init(mantissa: value, exponent: exponent, format: .binarySI)
            // A fractional binary quantity (1.5Gi) is reduced below.
        } else if let (_, power) = Self.decimalSuffixes.first(where: { $0.0 == suffix }) {
            self.init(mantissa: mantissa, exponent: exponent + power, format: .decimalSI)
        } else if suffix.first == "e" || suffix.first == "E", let power = Int(suffix.dropFirst()), (-40...40).contains(power) {
            self.init(mantissa: mantissa, exponent: exponent + power, format: .decimalExponent)
        } else {
            return nil
        }
        normalize()
        // Round values below one nano-unit up, as upstream.
        if self.exponent < -9 {
            let scale = -9 - self.exponent
            var divisor: Int64 = 1
            for _ in 0..<min(scale, 18) { divisor *= 10 }
            let (quotient, remainder) = self.mantissa.quotientAndRemainder(dividingBy: divisor)
            self.mantissa = quotient + (remainder > 0 ? 1 : (remainder < 0 ? -1 : 0))
            self.exponent = -9
            normalize()
        }
    }

    private init(mantissa: Int64, exponent: Int, format: Format) {
        self.mantissa = mantissa
        self.exponent = exponent
        self.format = format
    }

    private mutating func normalize() {
        if mantissa == 0 {
            exponent = 0
            return
        }
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
    }

    /// The value in milli-units, saturating.
    public var milliValue: Int64 { scaled(to: -3) }

    /// The value in whole units, rounded up, saturating.
    public var value: Int64 { scaled(to: 0) }

    private func scaled(to target: Int) -> Int64 {
        var result = mantissa
        var power = exponent - target
        while power > 0 {
            let (next, overflow) = result.multipliedReportingOverflow(by: 10)
            if overflow { return result > 0 ? .max : .min }
            result = next
            power -= 1
        }
        var roundUp = false
        while power < 0 {
            if result % 10 != 0 { roundUp = true }
            result /= 10
            power += 1
        }
        return roundUp && result >= 0 ? result + 1 : result
    }

    /// The canonical text.
    public var description: String {
        if mantissa == 0 { return "0" }
        switch format {
        case .binarySI where exponent >= 0:
            let whole = scaled(to: 0)
            if whole != .max, whole % 1024 == 0 {
                var value = whole
                var index = -1
                while value % 1024 == 0, index < Self.binarySuffixes.count - 1 {
                    value /= 1024
                    index += 1
                }
                return "\(value)\(Self.binarySuffixes[index].0)"
            }
            return decimalText()
        case .decimalExponent:
            var power = exponent
            var value = mantissa
            while power % 3 != 0 {
                guard let next = Self.timesTen(value) else { return exponentText }
                value = next
                power -= 1
            }
            return power == 0 ? "\(value)" : "\(value)e\(power)"
        default:
            return decimalText()
        }
    }

    /// `mantissa` e `exponent`: the form every value has, used when a suffix form would not fit.
    private var exponentText: String { exponent == 0 ? "\(mantissa)" : "\(mantissa)e\(exponent)" }

    /// `value × 10`, or nil when that overflows.
    private static func timesTen(_ value: Int64) -> Int64? {
        let (product, overflow) = value.multipliedReportingOverflow(by: 10)
        return overflow ? nil : product
    }

    private func decimalText() -> String {
        var power = exponent
        var value = mantissa
        // The smallest multiple of 3 not above the exponent, within the suffix range; a value
        // too large for the suffixes (more than 18 digits before E) keeps the exponent form.
        while (power % 3 != 0 || power < -9), power > -9 {
            guard let next = Self.timesTen(value) else { return exponentText }
            value = next
            power -= 1
        }
        while power > 18 {
            guard let next = Self.timesTen(value) else { return exponentText }
            value = next
            power -= 1
        }
        let suffix = Self.decimalSuffixes.first { $0.1 == power }?.0 ?? ""
        return "\(value)\(suffix)"
    }
}
