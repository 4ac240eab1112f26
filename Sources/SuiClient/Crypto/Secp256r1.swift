/// The low-s rule for ECDSA over secp256r1 (P-256): Sui accepts `s` only in `1 ... n/2`.
package enum Secp256r1 {
    /// The group order n of P-256, big-endian.
    static let order: [UInt8] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
    ]
    /// floor(n / 2), big-endian.
    static let halfOrder: [UInt8] = [
        0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
    ]

    /// Whether the 32-byte big-endian `s` is greater than n/2.
    package static func isHighS(_ s: ArraySlice<UInt8>) -> Bool {
        precondition(s.count == 32)
        for (a, b) in zip(s, halfOrder) where a != b { return a > b }
        return false
    }

    /// `r || s` with `s` replaced by `n - s` when it is high; low-s signatures come back unchanged.
    package static func normalized(_ signature: [UInt8]) -> [UInt8] {
        precondition(signature.count == 64)
        guard isHighS(signature[32...]) else { return signature }
        var out = signature
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var difference = Int(order[index]) - Int(signature[32 + index]) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 256 }
            out[32 + index] = UInt8(difference)
        }
        return out
    }
}
