/// Writes protobuf wire format: varints and length-delimited fields, enough for the documents
/// the server encodes itself (the OpenAPI v2 index kubectl reads) and for tests.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// A length-delimited field (string, bytes or embedded message).
    mutating func field(_ number: Int, _ payload: [UInt8]) {
        varint(UInt64(number << 3 | 2))
        varint(UInt64(payload.count))
        bytes += payload
    }

    mutating func field(_ number: Int, _ text: String) { field(number, Array(text.utf8)) }

    /// A varint field.
    mutating func field(_ number: Int, int value: Int64) {
        varint(UInt64(number << 3))
        varint(UInt64(bitPattern: value))
    }

    /// The bytes of a message built by `build`.
    static func message(_ build: (inout ProtobufWriter) -> Void) -> [UInt8] {
        var writer = ProtobufWriter()
        build(&writer)
        return writer.bytes
    }
}
