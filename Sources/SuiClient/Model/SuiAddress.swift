/// A 32-byte Sui address or object id, written `0x` followed by 64 lowercase hex digits.
public struct SuiAddress: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The 32 raw bytes.
    public let bytes: [UInt8]

    /// Wraps 32 raw bytes; `nil` for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// Parses `0x`-prefixed (or bare) hex of at most 64 digits; short forms such as `0x3` are
    /// left-padded with zeros, as Sui does. `nil` for anything else. Works on the UTF-8 bytes, so
    /// no text (combining marks, multi-byte characters) can make it miscount.
    public init?(hex: String) {
        var digits = Substring(hex).utf8[...]
        if digits.count >= 2, digits.first == UInt8(ascii: "0"), let x = digits.dropFirst().first, x == UInt8(ascii: "x") || x == UInt8(ascii: "X") {
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty, digits.count <= 64 else { return nil }
        var nibbles = [UInt8](repeating: 0, count: 64 - digits.count)
        nibbles.reserveCapacity(64)
        for byte in digits {
            guard let nibble = Self.nibble(byte) else { return nil }
            nibbles.append(nibble)
        }
        var out = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 { out[index] = nibbles[2 * index] << 4 | nibbles[2 * index + 1] }
        self.bytes = out
    }

    /// The value of one ASCII hex digit, or `nil`.
    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    /// `0x` followed by 64 lowercase hex digits.
    public var description: String {
        let digits: [Character] = Array("0123456789abcdef")
        var text = "0x"
        text.reserveCapacity(66)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
    }

    /// Orders addresses by their bytes.
    public static func < (lhs: SuiAddress, rhs: SuiAddress) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// Decodes the `0x...` text form.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = SuiAddress(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a Sui address: \(text.prefix(80))"))
        }
        self = address
    }

    /// Encodes the `0x...` text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
