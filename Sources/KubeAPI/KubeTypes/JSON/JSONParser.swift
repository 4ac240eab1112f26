/// A strict RFC 8259 JSON parser with a nesting-depth limit, for request bodies and stored objects.
///
/// Rejects trailing data, invalid escapes, unpaired surrogates, control characters in strings,
/// leading zeros and non-finite numbers. Integers that fit in `Int64` stay exact.
public struct JSONParser: Sendable {
    /// A parse failure with the byte offset where it was noticed.
    public struct Error: Swift.Error, Hashable, CustomStringConvertible {
        /// What was wrong.
        public var reason: String
        /// Where, in bytes from the start.
        public var offset: Int
        public var description: String { "\(reason) at offset \(offset)" }
    }

    /// The deepest nesting of arrays and objects accepted. Default 100.
    public var maxDepth: Int

    /// Whether object members named `fieldsV1` are checked but kept encoded
    /// (``JSONValue/rawJSON(_:)``), as stored objects' managed fields are held. Default false.
    public var keepsFieldsV1Encoded: Bool

    /// Creates a parser.
    public init(maxDepth: Int = 100, keepsFieldsV1Encoded: Bool = false) {
        self.maxDepth = maxDepth
        self.keepsFieldsV1Encoded = keepsFieldsV1Encoded
    }

    /// Parses one JSON document.
    public func parse(_ bytes: some Collection<UInt8>) throws(Error) -> JSONValue {
        let buffer = Array(bytes)
        var cursor = Cursor(bytes: buffer, maxDepth: maxDepth, keepsFieldsV1Encoded: keepsFieldsV1Encoded)
        cursor.skipWhitespace()
        let value = try cursor.value(depth: 0)
        cursor.skipWhitespace()
        guard cursor.index == buffer.count else { throw cursor.failure("unexpected data after the document") }
        return value
    }

    private struct Cursor {
        let bytes: [UInt8]
        let maxDepth: Int
        let keepsFieldsV1Encoded: Bool
        var index = 0

        init(bytes: [UInt8], maxDepth: Int, keepsFieldsV1Encoded: Bool) {
            self.bytes = bytes
            self.maxDepth = maxDepth
            self.keepsFieldsV1Encoded = keepsFieldsV1Encoded
        }

        func failure(_ reason: String) -> Error { Error(reason: reason, offset: index) }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(Error) -> JSONValue {
            guard index < bytes.count else { throw failure("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func literal(_ word: StaticString) throws(Error) {
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            guard bytes.count - index >= expected.count, bytes[index..<(index + expected.count)].elementsEqual(expected) else {
                throw failure("invalid literal")
            }
            index += expected.count
        }

        mutating func object(depth: Int) throws(Error) -> JSONValue {
            guard depth <= maxDepth else { throw failure("nesting deeper than \(maxDepth)") }
            index += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                index += 1
                skipWhitespace()
                if keepsFieldsV1Encoded, key == "fieldsV1", index < bytes.count, bytes[index] == UInt8(ascii: "{") {
                    // Managed fields are checked as JSON but kept encoded (see JSONValue.rawJSON).
                    let start = index
                    try skipValue(depth: depth)
                    members[key] = .rawJSON(Array(bytes[start..<index]))
                } else {
                    members[key] = try value(depth: depth)
                }
                skipWhitespace()
                guard index < bytes.count else { throw failure("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                } else {
                    throw failure("expected ',' or '}'")
                }
            }
        }

        mutating func array(depth: Int) throws(Error) -> JSONValue {
            guard depth <= maxDepth else { throw failure("nesting deeper than \(maxDepth)") }
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw failure("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                } else {
                    throw failure("expected ',' or ']'")
                }
            }
        }

        mutating func string() throws(Error) -> String {
            index += 1
            var scalars = String.UnicodeScalarView()
            var run = index
            var out = ""
            while true {
                guard index < bytes.count else { throw failure("unterminated string") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    out += String(decoding: bytes[run..<index], as: UTF8.self)
                    index += 1
                    break
                }
                if byte < 0x20 { throw failure("control character in string") }
                if byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                out += String(decoding: bytes[run..<index], as: UTF8.self)
                index += 1
                guard index < bytes.count else { throw failure("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): out += "\""
                case UInt8(ascii: "\\"): out += "\\"
                case UInt8(ascii: "/"): out += "/"
                case UInt8(ascii: "b"): out += "\u{08}"
                case UInt8(ascii: "f"): out += "\u{0C}"
                case UInt8(ascii: "n"): out += "\n"
                case UInt8(ascii: "r"): out += "\r"
                case UInt8(ascii: "t"): out += "\t"
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw failure("unpaired surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw failure("unpaired surrogate")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw failure("invalid code point") }
                    scalars.removeAll()
                    scalars.append(scalar)
                    out += String(scalars)
                default:
                    throw failure("invalid escape")
                }
                run = index
            }
            return out
        }

        /// Checks one value as strictly as `value(depth:)` (and its strings' UTF-8) without
        /// building it, leaving `index` after it.
        mutating func skipValue(depth: Int) throws(Error) {
            guard index < bytes.count else { throw failure("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                guard depth + 1 <= maxDepth else { throw failure("nesting deeper than \(maxDepth)") }
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == close {
                    index += 1
                    return
                }
                while true {
                    skipWhitespace()
                    if close == UInt8(ascii: "}") {
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                        try skipString()
                        skipWhitespace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                        index += 1
                        skipWhitespace()
                    }
                    try skipValue(depth: depth + 1)
                    skipWhitespace()
                    guard index < bytes.count else { throw failure("unterminated value") }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                    } else if bytes[index] == close {
                        index += 1
                        return
                    } else {
                        throw failure("expected ',' or a closing bracket")
                    }
                }
            case UInt8(ascii: "\""): try skipString()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: _ = try number()
            }
        }

        /// Checks one string (escapes, surrogate pairs, control characters, UTF-8) without building it.
        mutating func skipString() throws(Error) {
            index += 1
            while true {
                guard index < bytes.count else { throw failure("unterminated string") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return
                }
                if byte < 0x20 { throw failure("control character in string") }
                if byte == UInt8(ascii: "\\") {
                    index += 1
                    guard index < bytes.count else { throw failure("unterminated escape") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        let code = try hex4()
                        if (0xD800...0xDBFF).contains(code) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { throw failure("unpaired surrogate") }
                            index += 2
                            guard (0xDC00...0xDFFF).contains(try hex4()) else { throw failure("unpaired surrogate") }
                        } else if (0xDC00...0xDFFF).contains(code) {
                            throw failure("unpaired surrogate")
                        }
                    default:
                        throw failure("invalid escape")
                    }
                    continue
                }
                if byte < 0x80 {
                    index += 1
                    continue
                }
                // A multi-byte UTF-8 sequence: no overlong forms, surrogates or code points past U+10FFFF.
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 ? 2 : 0
                guard length > 0, byte <= 0xF4, index + length <= bytes.count,
                    bytes[(index + 1)..<(index + length)].allSatisfy({ $0 & 0xC0 == 0x80 })
                else { throw failure("invalid UTF-8") }
                let second = bytes[index + 1]
                if (byte == 0xE0 && second < 0xA0) || (byte == 0xED && second >= 0xA0) || (byte == 0xF0 && second < 0x90) || (byte == 0xF4 && second >= 0x90) {
                    throw failure("invalid UTF-8")
                }
                index += length
            }
        }

        mutating func hex4() throws(Error) -> UInt32 {
            guard bytes.count - index >= 4 else { throw failure("short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw failure("invalid \\u escape")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        mutating func number() throws(Error) -> JSONValue {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid value") }
            if bytes[index] == UInt8(ascii: "0"), index + 1 < bytes.count, isDigit(bytes[index + 1]) {
                throw failure("leading zero in number")
            }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            var integral = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid fraction") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid exponent") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if integral, let value = Int64(text) { return .integer(value) }
            guard let value = Double(text), value.isFinite else { throw failure("number out of range") }
            return .double(value)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
