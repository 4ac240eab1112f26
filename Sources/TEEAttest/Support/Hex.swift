/// Lower-case hexadecimal, the form Nautilus and Sui use for attestation documents.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The lower-case hex form of `bytes`.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of a hex string (either case, optional `0x` prefix, surrounding whitespace ignored).
    /// - Throws: ``AttestationError`` `input.invalid_hex`.
    public static func decode(_ text: String) throws -> [UInt8] {
        var chars = Array(text.utf8)
        while let last = chars.last, last == 0x20 || last == 0x0a || last == 0x0d || last == 0x09 { chars.removeLast() }
        var start = 0
        while start < chars.count, chars[start] == 0x20 || chars[start] == 0x0a || chars[start] == 0x0d || chars[start] == 0x09 { start += 1 }
        if chars.count - start >= 2, chars[start] == 0x30, chars[start + 1] | 0x20 == 0x78 { start += 2 }
        let body = chars[start...]
        guard body.count % 2 == 0 else {
            throw AttestationError(.inputInvalidHex, "hex input has an odd number of digits (\(body.count))")
        }
        var out: [UInt8] = []
        out.reserveCapacity(body.count / 2)
        var index = body.startIndex
        while index < body.endIndex {
            guard let hi = nibble(body[index]), let lo = nibble(body[index + 1]) else {
                throw AttestationError(.inputInvalidHex, "invalid hex digit near position \(index - start)")
            }
            out.append(hi << 4 | lo)
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
