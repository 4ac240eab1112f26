import Foundation

/// Decodes Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`) into the JSON
/// form the rest of the server works on, driven by a ``ProtoSchema``.
///
/// A body is the 4-byte magic `k8s\0` followed by a `runtime.Unknown` whose `typeMeta` names the
/// kind and whose `raw` holds the object's message. Well-known messages get their JSON forms:
/// `Time` and `MicroTime` become RFC 3339 strings, `IntOrString` a number or string, `Quantity`
/// a string, `RawExtension` and `FieldsV1` embedded JSON, `bytes` base64. Fields with the empty
/// string or an empty list, map or object are left out, as Go's `omitempty` would, and so are
/// zero numbers and `false` in fields the schema marks as non-pointer `omitempty`. Unknown fields
/// are skipped; malformed input fails with an ``APIError`` 400, never a crash.
package struct ProtobufDecoder: Sendable {
    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]
    let schema: ProtoSchema
    var maxDepth = 64

    /// The proto package of each API group.
    static let packages: [String: String] = [
        "": "core", "apps": "apps", "batch": "batch", "autoscaling": "autoscaling", "coordination.k8s.io": "coordination",
        "discovery.k8s.io": "discovery", "rbac.authorization.k8s.io": "rbac", "policy": "policy", "scheduling.k8s.io": "scheduling",
        "authorization.k8s.io": "authorization", "authentication.k8s.io": "authentication",
    ]

    /// A decoder of the Kubernetes messages.
    package static let kubernetes = ProtobufDecoder(schema: .kubernetes)

    /// Decodes a whole request body.
    package func decodeObject(_ body: [UInt8]) throws -> JSONValue {
        guard body.starts(with: Self.magic) else { throw malformed("missing the k8s protobuf prefix") }
        let unknown = try decode(body[4...], type: "k8s.io.apimachinery.pkg.runtime.Unknown", depth: 0, raw: true)
        guard let apiVersion = unknown[path: ["typeMeta", "apiVersion"]]?.stringValue,
            let kind = unknown[path: ["typeMeta", "kind"]]?.stringValue, !kind.isEmpty
        else { throw malformed("the envelope names no kind") }
        let slash = apiVersion.lastIndex(of: "/")
        let group = slash.map { String(apiVersion[..<$0]) } ?? ""
        let version = slash.map { String(apiVersion[apiVersion.index(after: $0)...]) } ?? apiVersion
        var candidates = ["k8s.io.apimachinery.pkg.apis.meta.v1.\(kind)"]
        if let package = Self.packages[group] { candidates.insert("k8s.io.api.\(package).\(version).\(kind)", at: 0) }
        guard let type = candidates.first(where: { schema.messages[$0] != nil }) else {
            throw APIError(code: 415, reason: "UnsupportedMediaType", message: "the server cannot decode \(apiVersion) \(kind) from protobuf; send application/json")
        }
        guard case .string(let rawBase64)? = unknown["raw"], let raw = Data(base64Encoded: rawBase64) else {
            throw malformed("the envelope holds no object")
        }
        var object = try decode(Array(raw)[...], type: type, depth: 0)
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        return object
    }

    private func malformed(_ why: String) -> APIError {
        APIError.badRequest("the body of the request could not be decoded as protobuf: \(why)")
    }

    /// Decodes one message of `type` from `bytes`. With `raw`, bytes fields stay base64 even in well-known types.
    func decode(_ bytes: ArraySlice<UInt8>, type: String, depth: Int, raw: Bool = false) throws -> JSONValue {
        guard depth <= maxDepth else { throw malformed("nesting deeper than \(maxDepth)") }
        guard let fields = schema.messages[type] else { throw malformed("unknown message \(type)") }
        var reader = WireReader(bytes: bytes)
        var members: [String: JSONValue] = [:]
        var lists: [String: [JSONValue]] = [:]
        var maps: [String: [String: JSONValue]] = [:]
        while !reader.isAtEnd {
            let tag = try reader.varint()
            let number = Int(tag >> 3)
            let wireType = Int(tag & 7)
            guard number > 0 else { throw malformed("field number 0") }
            guard let field = fields[number] else {
                try reader.skip(wireType: wireType)
                continue
            }
            switch field.kind {
            case .map(let keyType, let valueType):
                guard wireType == 2 else { throw malformed("map entry \(field.name) is not length-delimited") }
                let (key, value) = try mapEntry(try reader.lengthDelimited(), key: keyType, value: valueType, depth: depth)
                maps[field.name, default: [:]][key] = value
            case .message(let name):
                guard wireType == 2 else { throw malformed("message field \(field.name) is not length-delimited") }
                let value = try decode(try reader.lengthDelimited(), type: name, depth: depth + 1)
                if field.repeated {
                    lists[field.name, default: []].append(value)
                } else if !(field.omitZero && Self.isZero(value)) {
                    members[field.name] = value
                }
            case .scalar(let scalar):
                if field.repeated, wireType == 2, scalar != .string, scalar != .bytes {
                    var packed = WireReader(bytes: try reader.lengthDelimited())
                    while !packed.isAtEnd { lists[field.name, default: []].append(try packed.scalar(scalar, wireType: Self.wireType(of: scalar))) }
                } else {
                    let value = try reader.scalar(scalar, wireType: wireType)
                    if field.repeated {
                        lists[field.name, default: []].append(value)
                    } else if !(field.omitZero && Self.isZero(value)) {
                        members[field.name] = value
                    }
                }
            }
        }
        for (name, list) in lists { members[name] = .array(list) }
        for (name, map) in maps { members[name] = .object(map) }
        return raw ? .object(members) : wellKnown(type, members)
    }

    private func mapEntry(_ bytes: ArraySlice<UInt8>, key: ProtoSchema.Scalar, value: ProtoSchema.Kind, depth: Int) throws -> (String, JSONValue) {
        var reader = WireReader(bytes: bytes)
        var keyText = ""
        var result: JSONValue = .null
        while !reader.isAtEnd {
            let tag = try reader.varint()
            switch (tag >> 3, value) {
            case (1, _):
                switch try reader.scalar(key, wireType: Int(tag & 7)) {
                case .string(let text): keyText = text
                case .integer(let number): keyText = String(number)
                case .bool(let flag): keyText = String(flag)
                default: throw malformed("unsupported map key")
                }
            case (2, .message(let name)):
                guard tag & 7 == 2 else { throw malformed("map value is not length-delimited") }
                result = try decode(try reader.lengthDelimited(), type: name, depth: depth + 1)
            case (2, .scalar(let scalar)):
                result = try reader.scalar(scalar, wireType: Int(tag & 7))
            default:
                try reader.skip(wireType: Int(tag & 7))
            }
        }
        if result == .null, case .scalar(let scalar) = value { result = scalar == .string || scalar == .bytes ? "" : 0 }
        return (keyText, result)
    }

    /// The JSON form of well-known messages; others lose their empty members.
    private func wellKnown(_ type: String, _ members: [String: JSONValue]) -> JSONValue {
        switch type {
        case "k8s.io.apimachinery.pkg.apis.meta.v1.Time", "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime":
            let seconds = members["seconds"]?.integerValue ?? 0
            let nanos = members["nanos"]?.integerValue ?? 0
            if seconds == 0 && nanos == 0 { return .null }
            let base = ObjectMeta.timestamp(Date(timeIntervalSince1970: TimeInterval(seconds)))
            guard type.hasSuffix("MicroTime") else { return .string(base) }
            return .string(String(base.dropLast()) + String(format: ".%06dZ", nanos / 1000))
        case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
            return members["type"]?.integerValue == 1 ? (members["strVal"] ?? "") : (members["intVal"] ?? 0)
        case "k8s.io.apimachinery.pkg.api.resource.Quantity":
            return members["string"] ?? "0"
        case "k8s.io.apimachinery.pkg.apis.meta.v1.Duration":
            return .string(Self.goDuration(nanoseconds: members["duration"]?.integerValue ?? 0))
        case "k8s.io.apimachinery.pkg.runtime.RawExtension", "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1":
            let rawValue = members["raw"] ?? members["Raw"]
            guard case .string(let base64)? = rawValue, let data = Data(base64Encoded: base64),
                let parsed = try? JSONParser().parse(data)
            else { return .null }
            return parsed
        default:
            return .object(members.filter { !Self.isEmpty($0.value) })
        }
    }

    /// Go's zero value: what `omitempty` leaves out.
    static func isZero(_ value: JSONValue) -> Bool {
        switch value {
        case .integer(0), .bool(false), .double(0): true
        default: isEmpty(value)
        }
    }

    static func isEmpty(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .string(let text): text.isEmpty
        case .array(let elements): elements.isEmpty
        case .object(let members): members.isEmpty
        default: false
        }
    }

    static func wireType(of scalar: ProtoSchema.Scalar) -> Int {
        switch scalar {
        case .double, .fixed64, .sfixed64: 1
        case .float, .fixed32, .sfixed32: 5
        case .string, .bytes: 2
        default: 0
        }
    }

    /// Go's `time.Duration` text, e.g. `1h2m3s`, `1.5s`, `0s`.
    static func goDuration(nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let negative = nanoseconds < 0
        var rest = nanoseconds.magnitude
        let hours = rest / 3_600_000_000_000
        rest %= 3_600_000_000_000
        let minutes = rest / 60_000_000_000
        rest %= 60_000_000_000
        var seconds = String(rest / 1_000_000_000)
        let fraction = rest % 1_000_000_000
        if fraction > 0 {
            var digits = String(format: "%09d", fraction)
            while digits.hasSuffix("0") { digits.removeLast() }
            seconds += "." + digits
        }
        var text = negative ? "-" : ""
        if hours > 0 { text += "\(hours)h" }
        if hours > 0 || minutes > 0 { text += "\(minutes)m" }
        return text + seconds + "s"
    }
}

/// Reads protobuf wire-format values, failing with a 400 ``APIError`` past the end of its bytes.
struct WireReader {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var isAtEnd: Bool { index >= bytes.endIndex }

    func malformed(_ why: String) -> APIError {
        APIError.badRequest("the body of the request could not be decoded as protobuf: \(why)")
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < bytes.endIndex else { throw malformed("truncated varint") }
            let byte = bytes[index]
            index += 1
            guard shift < 64 else { throw malformed("varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func fixed(_ count: Int) throws -> UInt64 {
        guard bytes.endIndex - index >= count else { throw malformed("truncated fixed-width value") }
        var value: UInt64 = 0
        for offset in 0..<count { value |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
        index += count
        return value
    }

    mutating func lengthDelimited() throws -> ArraySlice<UInt8> {
        let length = try varint()
        guard length <= UInt64(bytes.endIndex - index) else { throw malformed("length \(length) runs past the end") }
        defer { index += Int(length) }
        return bytes[index..<(index + Int(length))]
    }

    mutating func skip(wireType: Int) throws {
        switch wireType {
        case 0: _ = try varint()
        case 1: _ = try fixed(8)
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed(4)
        default: throw malformed("unsupported wire type \(wireType)")
        }
    }

    mutating func scalar(_ scalar: ProtoSchema.Scalar, wireType: Int) throws -> JSONValue {
        guard wireType == ProtobufDecoder.wireType(of: scalar) else {
            throw malformed("wire type \(wireType) does not match \(scalar.rawValue)")
        }
        switch scalar {
        case .string:
            let slice = try lengthDelimited()
            guard let text = String(validating: slice, as: UTF8.self) else { throw malformed("string is not UTF-8") }
            return .string(text)
        case .bytes: return .string(Data(try lengthDelimited()).base64EncodedString())
        case .bool: return .bool(try varint() != 0)
        case .int32: return .integer(Int64(Int32(truncatingIfNeeded: try varint())))
        case .int64: return .integer(Int64(bitPattern: try varint()))
        case .uint32: return .integer(Int64(UInt32(truncatingIfNeeded: try varint())))
        case .uint64:
            let value = try varint()
            return value <= UInt64(Int64.max) ? .integer(Int64(value)) : .double(Double(value))
        case .sint32, .sint64:
            let value = try varint()
            return .integer(Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1))))
        case .double: return .double(Double(bitPattern: try fixed(8)))
        case .float: return .double(Double(Float(bitPattern: UInt32(try fixed(4)))))
        case .fixed32: return .integer(Int64(try fixed(4)))
        case .sfixed32: return .integer(Int64(Int32(bitPattern: UInt32(try fixed(4)))))
        case .fixed64: return .integer(Int64(bitPattern: try fixed(8)))
        case .sfixed64: return .integer(Int64(bitPattern: try fixed(8)))
        }
    }
}
