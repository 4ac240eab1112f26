/// Decodes one CBOR data item (RFC 8949) with definite and indefinite lengths, enforcing
/// ``CBORLimits`` and rejecting duplicate map keys.
public struct CBORDecoder: Sendable {
    /// The limits applied to every input.
    public var limits: CBORLimits

    /// Creates a decoder with the given limits (defaults as documented on ``CBORLimits``).
    public init(limits: CBORLimits = CBORLimits()) {
        self.limits = limits
    }

    /// Decodes exactly one item spanning all of `bytes`.
    /// - Throws: ``AttestationError`` with a `cbor.*` or `input.too_large` code.
    public func decode(_ bytes: [UInt8]) throws -> CBOR {
        guard bytes.count <= limits.maxInputBytes else {
            throw AttestationError(.inputTooLarge, "CBOR input of \(bytes.count) bytes exceeds the \(limits.maxInputBytes)-byte limit")
        }
        var reader = Reader(bytes: bytes, limits: limits)
        let item = try reader.item(depth: 1)
        guard reader.offset == bytes.count else {
            throw AttestationError(.cborTrailingBytes, "\(bytes.count - reader.offset) bytes follow the CBOR item at offset \(reader.offset)")
        }
        return item
    }
}

/// The cursor behind ``CBORDecoder``.
private struct Reader {
    let bytes: [UInt8]
    let limits: CBORLimits
    var offset = 0
    var items = 0

    init(bytes: [UInt8], limits: CBORLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    var remaining: Int { bytes.count - offset }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw AttestationError(.cborTruncated, "input ends at offset \(offset) inside an item") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw AttestationError(.cborTruncated, "item at offset \(offset) needs \(count) bytes, \(remaining) remain")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// Reads the argument of a head whose additional information is `info`.
    mutating func argument(_ info: UInt8) throws -> UInt64 {
        switch info {
        case 0...23: return UInt64(info)
        case 24: return UInt64(try byte())
        case 25: return try take(2).reduce(0) { $0 << 8 | UInt64($1) }
        case 26: return try take(4).reduce(0) { $0 << 8 | UInt64($1) }
        case 27: return try take(8).reduce(0) { $0 << 8 | UInt64($1) }
        default:
            throw AttestationError(.cborMalformed, "reserved additional information \(info) at offset \(offset - 1)")
        }
    }

    /// A length that must fit in the remaining input and the string limit.
    mutating func length(_ info: UInt8, isString: Bool) throws -> Int {
        let n = try argument(info)
        if isString && n > UInt64(limits.maxStringBytes) {
            throw AttestationError(.cborTooLarge, "string of \(n) bytes exceeds the \(limits.maxStringBytes)-byte limit")
        }
        // Every string byte and every array element or map entry occupies at least one input byte.
        guard n <= UInt64(remaining) else {
            throw AttestationError(.cborTruncated, "length \(n) at offset \(offset) exceeds the \(remaining) remaining bytes")
        }
        return Int(n)
    }

    mutating func count() throws {
        items += 1
        guard items <= limits.maxItems else {
            throw AttestationError(.cborTooLarge, "more than \(limits.maxItems) CBOR items")
        }
    }

    mutating func item(depth: Int) throws -> CBOR {
        guard depth <= limits.maxDepth else {
            throw AttestationError(.cborTooDeep, "nesting deeper than \(limits.maxDepth) at offset \(offset)")
        }
        try count()
        let start = offset
        let initial = try byte()
        let major = initial >> 5
        let info = initial & 0x1f
        switch major {
        case 0:
            if info == 31 { throw AttestationError(.cborMalformed, "indefinite length on an integer at offset \(start)") }
            return .unsigned(try argument(info))
        case 1:
            if info == 31 { throw AttestationError(.cborMalformed, "indefinite length on an integer at offset \(start)") }
            return .negative(try argument(info))
        case 2:
            return .bytes(try string(info: info, major: 2, start: start))
        case 3:
            let raw = try string(info: info, major: 3, start: start)
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw AttestationError(.cborInvalidUTF8, "text string at offset \(start) is not valid UTF-8")
            }
            return .text(text)
        case 4:
            var elements: [CBOR] = []
            if info == 31 {
                while try !atBreak() { elements.append(try item(depth: depth + 1)) }
            } else {
                let n = try length(info, isString: false)
                elements.reserveCapacity(n)
                for _ in 0..<n { elements.append(try item(depth: depth + 1)) }
            }
            return .array(elements)
        case 5:
            var entries: [CBOR.MapEntry] = []
            var keys = Set<CBOR>()
            func add(_ entry: CBOR.MapEntry) throws {
                guard keys.insert(entry.key).inserted else {
                    throw AttestationError(.cborDuplicateKey, "map at offset \(start) repeats a key")
                }
                entries.append(entry)
            }
            if info == 31 {
                while try !atBreak() {
                    let key = try item(depth: depth + 1)
                    try add(CBOR.MapEntry(key, try item(depth: depth + 1)))
                }
            } else {
                let n = try length(info, isString: false)
                for _ in 0..<n {
                    let key = try item(depth: depth + 1)
                    try add(CBOR.MapEntry(key, try item(depth: depth + 1)))
                }
            }
            return .map(entries)
        case 6:
            if info == 31 { throw AttestationError(.cborMalformed, "indefinite length on a tag at offset \(start)") }
            let tag = try argument(info)
            return .tagged(tag, try item(depth: depth + 1))
        default:
            return try simple(info: info, start: start)
        }
    }

    /// Consumes a break byte (0xff) when it is next; used inside indefinite-length containers.
    mutating func atBreak() throws -> Bool {
        guard offset < bytes.count else {
            throw AttestationError(.cborTruncated, "indefinite-length item is missing its break byte")
        }
        if bytes[offset] == 0xff {
            offset += 1
            return true
        }
        return false
    }

    /// A byte or text string's bytes, joining definite-length chunks of an indefinite string.
    mutating func string(info: UInt8, major: UInt8, start: Int) throws -> [UInt8] {
        if info != 31 {
            return Array(try take(try length(info, isString: true)))
        }
        var joined: [UInt8] = []
        while try !atBreak() {
            try count()
            let chunkStart = offset
            let head = try byte()
            guard head >> 5 == major, head & 0x1f != 31 else {
                throw AttestationError(.cborMalformed, "chunk at offset \(chunkStart) of the indefinite string at offset \(start) is not a definite string of the same type")
            }
            joined += try take(try length(head & 0x1f, isString: true))
            guard joined.count <= limits.maxStringBytes else {
                throw AttestationError(.cborTooLarge, "string at offset \(start) exceeds the \(limits.maxStringBytes)-byte limit")
            }
        }
        return joined
    }

    mutating func simple(info: UInt8, start: Int) throws -> CBOR {
        switch info {
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22: return .null
        case 23: return .undefined
        case 24:
            let value = try byte()
            guard value >= 32 else {
                throw AttestationError(.cborMalformed, "two-byte simple value \(value) below 32 at offset \(start)")
            }
            return .simple(value)
        case 25:
            let bits = try take(2).reduce(UInt16(0)) { $0 << 8 | UInt16($1) }
            return .float(Double(Float16Bits.decode(bits)))
        case 26:
            let bits = try take(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return .float(Double(Float(bitPattern: bits)))
        case 27:
            let bits = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return .float(Double(bitPattern: bits))
        case 31:
            throw AttestationError(.cborMalformed, "break byte outside an indefinite-length item at offset \(start)")
        case 28...30:
            throw AttestationError(.cborMalformed, "reserved additional information \(info) at offset \(start)")
        default:
            return .simple(info)
        }
    }
}

/// IEEE 754 half precision, decoded by hand (Float16 is unavailable on some x86 targets).
enum Float16Bits {
    static func decode(_ bits: UInt16) -> Double {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1f)
        let mantissa = Double(bits & 0x3ff)
        switch exponent {
        case 0: return sign * mantissa * 0x1p-24
        case 31: return mantissa == 0 ? sign * .infinity : .nan
        default: return sign * (1 + mantissa / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
