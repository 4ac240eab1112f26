/// ULEB128, the variable-length unsigned integer encoding BCS uses for lengths and enum tags:
/// seven bits per byte, least significant group first, the high bit set on every byte but the last.
///
/// BCS restricts these integers to `UInt32` and to their shortest (canonical) encoding; the
/// decoder enforces both, so a value has exactly one accepted byte form.
package enum ULEB128 {
    /// Appends the ULEB128 encoding of `value` to `bytes` (1 to 5 bytes).
    package static func encode(_ value: UInt32, into bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// The ULEB128 encoding of `value`.
    package static func encode(_ value: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(value, into: &bytes)
        return bytes
    }

    /// Decodes one ULEB128 integer from `bytes` starting at `offset`.
    ///
    /// - Parameters:
    ///   - bytes: The input.
    ///   - offset: Where the integer starts.
    /// - Returns: The value and the offset just past it.
    /// - Throws: ``SuiClientError/Code/bcsMalformed`` when the input ends mid-integer, the value
    ///   exceeds `UInt32.max`, or the encoding is not the shortest one (a trailing zero group).
    package static func decode(_ bytes: [UInt8], at offset: Int = 0) throws -> (value: UInt32, next: Int) {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var index = offset
        while true {
            guard index >= 0, index < bytes.count else {
                throw SuiClientError(code: .bcsMalformed, message: "ULEB128 integer ends before its last byte")
            }
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7f) << shift
            guard value <= UInt64(UInt32.max) else {
                throw SuiClientError(code: .bcsMalformed, message: "ULEB128 integer exceeds UInt32")
            }
            if byte & 0x80 == 0 {
                if byte == 0, index - offset > 1 {
                    throw SuiClientError(code: .bcsMalformed, message: "ULEB128 integer is not in its shortest form")
                }
                return (UInt32(value), index)
            }
            shift += 7
            guard shift < 35 else {
                throw SuiClientError(code: .bcsMalformed, message: "ULEB128 integer is longer than 5 bytes")
            }
        }
    }
}
