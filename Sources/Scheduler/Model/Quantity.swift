/// A Kubernetes resource quantity ("500m", "1.5", "2Gi", "1e3", "100M"), parsed exactly.
///
/// The value is kept as an exact integer number of milli-units (rounded up, as Kubernetes'
/// `MilliValue()` does) and as whole units (rounded up, as `Value()` does). Parsing uses 128-bit
/// integer arithmetic, so "0.1" is exactly 100 milli-units and "1Ei" is exactly 2^60 units.
public struct Quantity: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// The value in thousandths of a unit, rounded up (CPU is usually read this way).
    public let milliValue: Int64
    /// The value in whole units, rounded up (memory and storage bytes, counts).
    public let value: Int64
    /// The text the quantity was parsed from (or its canonical form when built from a number).
    public let description: String

    /// Parses `text` with Kubernetes' grammar: a signed decimal number followed by an optional
    /// binary-SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), decimal-SI suffix (n, u, m, k, M, G, T, P, E)
    /// or decimal exponent (e3, E-2).
    /// - Throws: ``SchedulerError`` with code ``SchedulerError/Code/invalidQuantity``.
    public init(parsing text: String) throws(SchedulerError) {
        guard let parsed = Quantity.parse(text) else {
            throw SchedulerError(.invalidQuantity, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': \"\(text)\"")
        }
        self.milliValue = parsed.milli
        self.value = parsed.units
        self.description = text
    }

    /// A quantity of `milli` thousandths of a unit.
    public init(milli: Int64) {
        self.milliValue = milli
        self.value = milli >= 0 ? (milli + 999) / 1000 : milli / 1000
        self.description = milli % 1000 == 0 ? "\(milli / 1000)" : "\(milli)m"
    }

    /// A quantity of `units` whole units.
    public init(units: Int64) {
        self.milliValue = units.multipliedReportingOverflow(by: 1000).overflow ? Int64.max : units * 1000
        self.value = units
        self.description = "\(units)"
    }

    /// Parses a literal; an invalid literal is a programming error and traps.
    public init(stringLiteral text: String) {
        do { try self.init(parsing: text) } catch { preconditionFailure(error.message) }
    }

    /// A quantity of `value` whole units.
    public init(integerLiteral value: Int64) { self.init(units: value) }

    /// Equality is by value, not spelling: "1" == "1000m".
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.milliValue == rhs.milliValue && lhs.value == rhs.value }
    /// Hashes the value, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(milliValue); hasher.combine(value) }

    static func parse(_ text: String) -> (milli: Int64, units: Int64)? {
        var bytes = Array(text.utf8)[...]
        guard !bytes.isEmpty else { return nil }
        var negative = false
        if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") {
            negative = bytes.first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var seenPoint = false
        var seenDigit = false
        while let c = bytes.first, (c >= 48 && c <= 57) || c == UInt8(ascii: ".") {
            if c == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else {
                seenDigit = true
                digits.append(c - 48)
                if seenPoint { fractionDigits += 1 }
            }
            bytes = bytes.dropFirst()
        }
        guard seenDigit else { return nil }
        var exponent10 = -fractionDigits
        var exponent2 = 0
        let suffix = String(decoding: bytes, as: UTF8.self)
        switch suffix {
        case "": break
        case "Ki": exponent2 = 10
        case "Mi": exponent2 = 20
        case "Gi": exponent2 = 30
        case "Ti": exponent2 = 40
        case "Pi": exponent2 = 50
        case "Ei": exponent2 = 60
        case "n": exponent10 -= 9
        case "u": exponent10 -= 6
        case "m": exponent10 -= 3
        case "k": exponent10 += 3
        case "M": exponent10 += 6
        case "G": exponent10 += 9
        case "T": exponent10 += 12
        case "P": exponent10 += 15
        case "E": exponent10 += 18
        default:
            guard let first = suffix.first, first == "e" || first == "E", let e = Int(suffix.dropFirst()),
                  suffix.dropFirst().allSatisfy({ $0.isNumber || $0 == "-" || $0 == "+" }), (-999...999).contains(e)
            else { return nil }
            exponent10 += e
        }
        // Drop leading zeros; keep the mantissa small enough for 128-bit arithmetic.
        while digits.count > 1, digits.first == 0 { digits.removeFirst() }
        while digits.count > 1, digits.last == 0 { digits.removeLast(); exponent10 += 1 }
        guard digits.count <= 36 else { return nil }
        var mantissa: Int128 = 0
        for d in digits { mantissa = mantissa * 10 + Int128(d) }
        guard let milli = scaled(mantissa, exponent10: exponent10 + 3, exponent2: exponent2, negative: negative),
              let units = scaled(mantissa, exponent10: exponent10, exponent2: exponent2, negative: negative)
        else { return nil }
        return (milli, units)
    }

    /// `mantissa * 10^exponent10 * 2^exponent2`, rounded up (toward +infinity), if it fits in Int64.
    private static func scaled(_ mantissa: Int128, exponent10: Int, exponent2: Int, negative: Bool) -> Int64? {
        if mantissa == 0 { return 0 }
        var numerator = mantissa
        var denominator: Int128 = 1
        for _ in 0..<exponent2 {
            let (r, o) = numerator.multipliedReportingOverflow(by: 2)
            if o { return nil }
            numerator = r
        }
        if exponent10 >= 0 {
            for _ in 0..<exponent10 {
                let (r, o) = numerator.multipliedReportingOverflow(by: 10)
                if o { return nil }
                numerator = r
            }
        } else {
            for _ in 0..<(-exponent10) {
                let (r, o) = denominator.multipliedReportingOverflow(by: 10)
                if o { return negative ? 0 : 1 }  // smaller than any representable step: rounds up
                denominator = r
            }
        }
        var (q, rem) = numerator.quotientAndRemainder(dividingBy: denominator)
        if negative { q = -q } else if rem != 0 { q += 1 }
        guard q <= Int128(Int64.max), q >= Int128(Int64.min) else { return nil }
        return Int64(q)
    }
}
