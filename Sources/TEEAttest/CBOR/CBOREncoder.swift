/// Encodes ``CBOR`` items with definite lengths and the shortest head for every integer and length
/// (floats as single precision when exact, else double; map entries keep their given order).
public enum CBOREncoder {
    /// The encoding of `item`.
    public static func encode(_ item: CBOR) -> [UInt8] {
        var out: [UInt8] = []
        append(item, to: &out)
        return out
    }

    /// Appends the encoding of `item` to `out`.
    public static func append(_ item: CBOR, to out: inout [UInt8]) {
        switch item {
        case .unsigned(let n): head(0, n, &out)
        case .negative(let n): head(1, n, &out)
        case .bytes(let b):
            head(2, UInt64(b.count), &out)
            out += b
        case .text(let s):
            let utf8 = Array(s.utf8)
            head(3, UInt64(utf8.count), &out)
            out += utf8
        case .array(let elements):
            head(4, UInt64(elements.count), &out)
            for e in elements { append(e, to: &out) }
        case .map(let entries):
            head(5, UInt64(entries.count), &out)
            for e in entries {
                append(e.key, to: &out)
                append(e.value, to: &out)
            }
        case .tagged(let tag, let inner):
            head(6, tag, &out)
            append(inner, to: &out)
        case .bool(let b): out.append(b ? 0xf5 : 0xf4)
        case .null: out.append(0xf6)
        case .undefined: out.append(0xf7)
        case .simple(let v):
            if v < 24 {
                out.append(0xe0 | v)
            } else {
                out += [0xf8, v]
            }
        case .float(let d):
            let single = Float(d)
            if Double(single) == d || d.isNaN {
                out.append(0xfa)
                let bits = d.isNaN ? UInt32(0x7fc0_0000) : single.bitPattern
                for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
            } else {
                out.append(0xfb)
                let bits = d.bitPattern
                for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
            }
        }
    }

    /// Appends a head: major type and argument in its shortest form.
    static func head(_ major: UInt8, _ argument: UInt64, _ out: inout [UInt8]) {
        let m = major << 5
        switch argument {
        case 0..<24: out.append(m | UInt8(argument))
        case 24...0xff: out += [m | 24, UInt8(argument)]
        case 0x100...0xffff: out += [m | 25, UInt8(argument >> 8), UInt8(truncatingIfNeeded: argument)]
        case 0x1_0000...0xffff_ffff:
            out.append(m | 26)
            for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: argument >> UInt64(shift))) }
        default:
            out.append(m | 27)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: argument >> UInt64(shift))) }
        }
    }
}
