/// Bech32 (BIP-173, not Bech32m) as Sui uses it for `suiprivkey1...` private keys.
package enum Bech32 {
    private static let alphabet: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    /// Maps an ASCII byte to its 5-bit value, or 0xff when it is not in the alphabet.
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 128)
        for (value, char) in alphabet.enumerated() {
            table[Int(char)] = UInt8(value)
            // Upper-case letters decode too; mixed case is refused separately.
            if char >= 0x61 && char <= 0x7a { table[Int(char - 0x20)] = UInt8(value) }
        }
        return table
    }()
    /// BIP-173's length limit for a whole string.
    package static let maximumLength = 90

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var check: UInt32 = 1
        for value in values {
            let top = check >> 25
            check = (check & 0x1ff_ffff) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> UInt32(bit)) & 1 == 1 { check ^= generator[bit] }
        }
        return check
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Regroups bits from `from`-bit to `to`-bit groups; `nil` when `pad` is false and the input
    /// leaves a non-zero or over-long remainder.
    private static func convert(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        var out: [UInt8] = []
        let mask = (1 << to) - 1
        for value in data {
            guard Int(value) >> from == 0 else { return nil }
            accumulator = (accumulator << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((accumulator >> bits) & mask))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((accumulator << (to - bits)) & mask)) }
        } else if bits >= from || (accumulator << (to - bits)) & mask != 0 {
            return nil
        }
        return out
    }

    /// Encodes `payload` bytes under the lower-case human-readable part `hrp`.
    package static func encode(hrp: String, payload: [UInt8]) -> String {
        let hrpBytes = Array(hrp.utf8)
        let data = convert(payload, from: 8, to: 5, pad: true) ?? []
        let check = polymod(expand(hrpBytes) + data + [0, 0, 0, 0, 0, 0]) ^ 1
        var out = hrpBytes + [0x31]
        out.append(contentsOf: data.map { alphabet[Int($0)] })
        for index in 0..<6 { out.append(alphabet[Int((check >> UInt32(5 * (5 - index))) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a Bech32 string into its lower-cased human-readable part and payload bytes.
    ///
    /// - Throws: ``SuiClientError/Code/keyMalformed`` for a string that is too long, has mixed
    ///   case, a character outside the alphabet, no separator, a bad checksum or bad padding.
    package static func decode(_ text: String) throws -> (hrp: String, payload: [UInt8]) {
        func failure(_ message: String) -> SuiClientError { SuiClientError(code: .keyMalformed, message: message) }
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumLength else { throw failure("Bech32 string longer than \(maximumLength) characters") }
        guard bytes.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { throw failure("Bech32 string has a character outside printable ASCII") }
        let hasLower = bytes.contains { $0 >= 0x61 && $0 <= 0x7a }
        let hasUpper = bytes.contains { $0 >= 0x41 && $0 <= 0x5a }
        guard !(hasLower && hasUpper) else { throw failure("Bech32 string mixes upper and lower case") }
        guard let separator = bytes.lastIndex(of: 0x31), separator >= 1, bytes.count - separator - 1 >= 6 else {
            throw failure("Bech32 string lacks a human-readable part, separator or checksum")
        }
        let hrp = bytes[..<separator].map { $0 >= 0x41 && $0 <= 0x5a ? $0 + 0x20 : $0 }
        var data: [UInt8] = []
        data.reserveCapacity(bytes.count - separator - 1)
        for char in bytes[(separator + 1)...] {
            let value = reverse[Int(char)]
            guard value != 0xff else { throw failure("Bech32 string has a character outside its alphabet") }
            data.append(value)
        }
        guard polymod(expand(hrp) + data) == 1 else { throw failure("Bech32 checksum does not match") }
        guard let payload = convert(Array(data.dropLast(6)), from: 5, to: 8, pad: false) else {
            throw failure("Bech32 payload has invalid padding")
        }
        return (String(decoding: hrp, as: UTF8.self), payload)
    }
}
