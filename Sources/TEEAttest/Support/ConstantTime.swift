/// Comparison whose running time does not depend on where two equal-length inputs differ.
enum ConstantTime {
    /// True when `a` and `b` hold the same bytes. Only the lengths may leak through timing.
    static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
