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
    /// left-padded with zeros, as Sui does. `nil` for anything else.
    public init?(hex: String) {
        var digits = Substring(hex)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 64 else { return nil }
        let padded = String(repeating: "0", count: 64 - digits.count) + digits
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var index = padded.startIndex
        while index < padded.endIndex {
            let next = padded.index(index, offsetBy: 2)
            guard let byte = UInt8(padded[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        self.bytes = out
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
