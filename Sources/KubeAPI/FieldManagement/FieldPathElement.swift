/// The path elements of FieldsV1, as structured-merge-diff writes them, and their readable form
/// in conflict messages (`.spec.containers[name="web"].image`).
enum FieldPathElement {
    /// A struct field or map key: `f:<name>`.
    static func field(_ name: String) -> String { "f:" + name }

    /// An item of a list-map: `k:` and its key fields as a JSON object, keys sorted, no spaces.
    static func key(_ fields: [(String, JSONValue)]) -> String {
        var out = Array("k:{".utf8)
        for (index, (name, value)) in fields.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += JSONValue.string(name).serialized()
            out.append(UInt8(ascii: ":"))
            out += value.serialized()
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// An item of a set, by value: `v:<json>`.
    static func value(_ value: JSONValue) -> String { "v:" + value.jsonString }

    /// A list index: `i:<n>`.
    static func index(_ index: Int) -> String { "i:\(index)" }

    /// Whether `element` has one of the four prefixes (and, for `k:`/`v:`/`i:`, a value that parses).
    static func isValid(_ element: String) -> Bool {
        let bytes = Array(element.utf8)
        guard bytes.count >= 2, bytes[1] == UInt8(ascii: ":") else { return false }
        let rest = bytes[2...]
        switch bytes[0] {
        case UInt8(ascii: "f"): return true
        case UInt8(ascii: "k"): return (try? JSONParser(maxDepth: 8).parse(rest))?.objectValue != nil
        case UInt8(ascii: "v"): return (try? JSONParser(maxDepth: 8).parse(rest)) != nil
        case UInt8(ascii: "i"): return !rest.isEmpty && rest.count <= 9 && rest.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        default: return false
        }
    }

    /// The readable form of a path, as kube-apiserver prints it in apply conflicts.
    static func describe(_ path: [String]) -> String {
        var out = ""
        for element in path {
            let kind = element.utf8.first
            let rest = String(element.dropFirst(2))
            switch kind {
            case UInt8(ascii: "f"):
                out += "." + rest
            case UInt8(ascii: "k"):
                let fields = (try? JSONParser(maxDepth: 8).parse(Array(rest.utf8)))?.objectValue ?? [:]
                let parts = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(describe(value: $0.value))" }
                out += "[" + parts.joined(separator: ",") + "]"
            case UInt8(ascii: "v"):
                out += "[=" + ((try? JSONParser(maxDepth: 8).parse(Array(rest.utf8))).map(describe(value:)) ?? rest) + "]"
            default:
                out += "[" + rest + "]"
            }
        }
        return out
    }

    private static func describe(value: JSONValue) -> String {
        if case .string(let text) = value { return APIError.quoted(text) }
        return value.jsonString
    }
}
