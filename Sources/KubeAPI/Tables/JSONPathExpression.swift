import Foundation

/// The JSONPath subset CustomResourceDefinitions use in `additionalPrinterColumns`: member access
/// (`.spec.replicas`, `['app.kubernetes.io/name']`), indexes (`[0]`, `[-1]`), wildcards (`[*]`)
/// and equality filters (`[?(@.type=="Ready")]`, also `!=`). Evaluation never fails: a path that
/// does not match yields no values.
struct JSONPathExpression: Sendable, Hashable {
    enum Step: Sendable, Hashable {
        case member(String)
        case index(Int)
        case all
        case filter(path: [String], equals: Bool, value: JSONValue)
    }

    let steps: [Step]

    /// The longest expression parsed.
    static let maxLength = 1024

    /// Parses `text` (optionally wrapped in `{}`); nil when it is not in the subset.
    init?(parsing text: String) {
        var bytes = Array(text.utf8)
        guard bytes.count <= Self.maxLength else { return nil }
        if bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") { bytes = Array(bytes.dropFirst().dropLast()) }
        guard bytes.first == UInt8(ascii: ".") else { return nil }
        var steps: [Step] = []
        var index = 0
        func isNameByte(_ byte: UInt8) -> Bool {
            byte != UInt8(ascii: ".") && byte != UInt8(ascii: "[") && byte != UInt8(ascii: "]") && byte != UInt8(ascii: " ")
        }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."):
                index += 1
                let start = index
                while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
                if index > start { steps.append(.member(String(decoding: bytes[start..<index], as: UTF8.self))) }
                else if index < bytes.count, bytes[index] != UInt8(ascii: "[") { return nil }
            case UInt8(ascii: "["):
                guard let close = Self.closingBracket(bytes, from: index) else { return nil }
                let inner = String(decoding: bytes[(index + 1)..<close], as: UTF8.self)
                guard let step = Self.bracket(inner) else { return nil }
                steps.append(step)
                index = close + 1
            default:
                return nil
            }
        }
        self.steps = steps
    }

    private static func closingBracket(_ bytes: [UInt8], from start: Int) -> Int? {
        var quote: UInt8?
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
            } else if byte == UInt8(ascii: "]") {
                return index
            }
            index += 1
        }
        return nil
    }

    private static func bracket(_ inner: String) -> Step? {
        let text = inner.trimmingCharacters(in: .whitespaces)
        if text == "*" { return .all }
        if let number = Int(text) { return .index(number) }
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            return .member(String(text.dropFirst().dropLast()))
        }
        guard text.hasPrefix("?(@."), text.hasSuffix(")") else { return nil }
        let body = String(text.dropFirst(4).dropLast())
        let equals = !body.contains("!=")
        let parts = body.components(separatedBy: equals ? "==" : "!=")
        guard parts.count == 2 else { return nil }
        let path = parts[0].trimmingCharacters(in: .whitespaces).split(separator: ".").map(String.init)
        var literal = parts[1].trimmingCharacters(in: .whitespaces)
        let value: JSONValue
        if literal.count >= 2, let first = literal.first, first == "'" || first == "\"", literal.last == first {
            literal = String(literal.dropFirst().dropLast())
            value = .string(literal)
        } else if let number = Int64(literal) {
            value = .integer(number)
        } else if literal == "true" || literal == "false" {
            value = .bool(literal == "true")
        } else {
            return nil
        }
        guard !path.isEmpty else { return nil }
        return .filter(path: path, equals: equals, value: value)
    }

    /// The values `object` has at this path.
    func evaluate(_ object: JSONValue) -> [JSONValue] {
        var current = [object]
        for step in steps {
            var next: [JSONValue] = []
            for value in current {
                switch step {
                case .member(let name):
                    if let member = value[name] { next.append(member) }
                case .index(let position):
                    guard let items = value.arrayValue else { continue }
                    let resolved = position < 0 ? items.count + position : position
                    if resolved >= 0, resolved < items.count { next.append(items[resolved]) }
                case .all:
                    if let items = value.arrayValue { next += items } else if let members = value.objectValue { next += members.keys.sorted().map { members[$0]! } }
                case .filter(let path, let equals, let expected):
                    for item in value.arrayValue ?? [] where (item[path: path] == expected) == equals { next.append(item) }
                }
            }
            current = next
        }
        return current
    }
}
