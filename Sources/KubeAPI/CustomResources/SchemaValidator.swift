import Foundation

/// Validates a custom resource against its `openAPIV3Schema` as apiextensions-apiserver does
/// (kube-openapi's validator): types and formats, `required`, `enum`, `pattern`, numeric bounds,
/// lengths, item and property counts, `uniqueItems` and list-type uniqueness, `nullable`,
/// `x-kubernetes-int-or-string`, `x-kubernetes-preserve-unknown-fields` and the `allOf`, `anyOf`,
/// `oneOf` and `not` combinators. Messages are kube-apiserver's field errors.
struct SchemaValidator {
    /// The deepest value checked.
    static let maxDepth = 64

    /// The field errors of `value` at `path` (empty: valid).
    func validate(_ value: JSONValue, schema: JSONValue, path: String) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        check(value, schema: schema, path: path, depth: 0, into: &causes)
        return causes
    }

    private func name(_ path: String) -> String { path.isEmpty ? "<root>" : path }

    private func check(_ value: JSONValue, schema: JSONValue, path: String, depth: Int, into causes: inout [APIError.Cause]) {
        guard depth < Self.maxDepth else { return }
        if value == .null {
            if schema["nullable"] == true || schema["type"] == nil { return }
            causes.append(typeError(path, "null", expected: schema["type"]?.stringValue ?? "object"))
            return
        }
        guard checkType(value, schema: schema, path: path, into: &causes) else { return }
        checkCombinators(value, schema: schema, path: path, depth: depth, into: &causes)
        if let allowed = schema["enum"]?.arrayValue, !allowed.isEmpty, !allowed.contains(value) {
            let listed = allowed.map(Self.describe).joined(separator: ", ")
            causes.append(.init(field: path, type: "FieldValueNotSupported", message: "Unsupported value: \(Self.describe(value)): supported values: \(listed)"))
        }
        switch value {
        case .string(let text):
            checkString(text, schema: schema, path: path, into: &causes)
        case .integer, .double:
            checkNumber(value, schema: schema, path: path, into: &causes)
        case .array(let items):
            checkArray(items, schema: schema, path: path, depth: depth, into: &causes)
        case .object(let members):
            checkObject(members, schema: schema, path: path, depth: depth, into: &causes)
        default:
            break
        }
    }

    /// Whether the value has the schema's type (so its other checks apply).
    private func checkType(_ value: JSONValue, schema: JSONValue, path: String, into causes: inout [APIError.Cause]) -> Bool {
        if schema["x-kubernetes-int-or-string"] == true {
            switch value {
            case .string, .integer: return true
            case .double(let number) where number == number.rounded(): return true
            default:
                causes.append(typeError(path, Self.typeName(value), expected: "integer or string"))
                return false
            }
        }
        guard let type = schema["type"]?.stringValue else { return true }
        let matches: Bool
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("array", .array), ("object", .object), ("number", .integer), ("number", .double), ("integer", .integer):
            matches = true
        case ("integer", .double(let number)):
            matches = number == number.rounded() && abs(number) < 9.2e18
        default:
            matches = false
        }
        if !matches { causes.append(typeError(path, Self.typeName(value), expected: type)) }
        return matches
    }

    private func typeError(_ path: String, _ actual: String, expected: String) -> APIError.Cause {
        .init(field: path, type: "FieldValueTypeInvalid", message: "Invalid value: \"\(actual)\": \(name(path)) in body must be of type \(expected): \"\(actual)\"")
    }

    private func invalid(_ path: String, _ value: JSONValue, _ detail: String) -> APIError.Cause {
        .init(field: path, message: "Invalid value: \(Self.describe(value)): \(name(path)) in body \(detail)")
    }

    private func checkString(_ text: String, schema: JSONValue, path: String, into causes: inout [APIError.Cause]) {
        let length = text.unicodeScalars.count
        if let max = schema["maxLength"]?.integerValue, length > max {
            causes.append(.init(field: path, type: "FieldValueTooLong", message: "Too long: may not be more than \(max) bytes"))
        }
        if let min = schema["minLength"]?.integerValue, length < min {
            causes.append(invalid(path, .string(text), "should be at least \(min) chars long"))
        }
        if let pattern = schema["pattern"]?.stringValue, !Self.matches(text, pattern: pattern) {
            causes.append(invalid(path, .string(text), "should match '\(pattern)'"))
        }
        if let format = schema["format"]?.stringValue, !Self.hasFormat(text, format) {
            causes.append(invalid(path, .string(text), "must be of type \(format): \(APIError.quoted(text))"))
        }
    }

    private func checkNumber(_ value: JSONValue, schema: JSONValue, path: String, into causes: inout [APIError.Cause]) {
        let number: Double = switch value {
        case .integer(let integer): Double(integer)
        case .double(let double): double
        default: 0
        }
        if let minimum = Self.number(schema["minimum"]) {
            if schema["exclusiveMinimum"] == true ? number <= minimum : number < minimum {
                causes.append(invalid(path, value, "should be greater than \(schema["exclusiveMinimum"] == true ? "" : "or equal to ")\(Self.format(minimum))"))
            }
        }
        if let maximum = Self.number(schema["maximum"]) {
            if schema["exclusiveMaximum"] == true ? number >= maximum : number > maximum {
                causes.append(invalid(path, value, "should be less than \(schema["exclusiveMaximum"] == true ? "" : "or equal to ")\(Self.format(maximum))"))
            }
        }
        if let divisor = Self.number(schema["multipleOf"]), divisor > 0, (number / divisor).rounded() != number / divisor {
            causes.append(invalid(path, value, "should be a multiple of \(Self.format(divisor))"))
        }
        switch schema["format"]?.stringValue {
        case "int32" where number < Double(Int32.min) || number > Double(Int32.max):
            causes.append(invalid(path, value, "must be of type int32: \(value.jsonString)"))
        default:
            break
        }
    }

    private func checkArray(_ items: [JSONValue], schema: JSONValue, path: String, depth: Int, into causes: inout [APIError.Cause]) {
        if let max = schema["maxItems"]?.integerValue, items.count > max {
            causes.append(.init(field: path, type: "FieldValueTooMany", message: "Too many: \(items.count): must have at most \(max) items"))
        }
        if let min = schema["minItems"]?.integerValue, items.count < min {
            causes.append(invalid(path, .integer(Int64(items.count)), "should have at least \(min) items"))
        }
        let listType = schema["x-kubernetes-list-type"]?.stringValue
        if schema["uniqueItems"] == true || listType == "set" {
            var seen = Set<JSONValue>()
            for (index, item) in items.enumerated() where !seen.insert(item).inserted {
                causes.append(.init(field: "\(path)[\(index)]", type: "FieldValueDuplicate", message: "Duplicate value: \(Self.describe(item))"))
            }
        }
        if listType == "map", let keys = schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue), !keys.isEmpty {
            var seen = Set<[JSONValue?]>()
            for (index, item) in items.enumerated() {
                let key = keys.map { item[$0] }
                if !seen.insert(key).inserted {
                    let shown = zip(keys, key).map { "\($0.0):\($0.1.map(Self.describe) ?? "<nil>")" }.joined(separator: ", ")
                    causes.append(.init(field: "\(path)[\(index)]", type: "FieldValueDuplicate", message: "Duplicate value: map[string]interface {}{\(shown)}"))
                }
            }
        }
        guard let itemSchema = schema["items"], itemSchema.objectValue != nil else { return }
        for (index, item) in items.enumerated() {
            check(item, schema: itemSchema, path: "\(path)[\(index)]", depth: depth + 1, into: &causes)
        }
    }

    private func checkObject(_ members: [String: JSONValue], schema: JSONValue, path: String, depth: Int, into causes: inout [APIError.Cause]) {
        for required in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[required] == nil {
            causes.append(.init(field: path.isEmpty ? required : "\(path).\(required)", type: "FieldValueRequired", message: "Required value"))
        }
        if let max = schema["maxProperties"]?.integerValue, members.count > max {
            causes.append(.init(field: path, type: "FieldValueTooMany", message: "Too many: \(members.count): must have at most \(max) items"))
        }
        if let min = schema["minProperties"]?.integerValue, members.count < min {
            causes.append(invalid(path, .integer(Int64(members.count)), "should have at least \(min) properties"))
        }
        let properties = schema["properties"]?.objectValue ?? [:]
        let additional = schema["additionalProperties"]
        for key in members.keys.sorted() {
            let child = path.isEmpty ? key : "\(path).\(key)"
            if let property = properties[key] {
                check(members[key]!, schema: property, path: child, depth: depth + 1, into: &causes)
            } else if let additional, additional.objectValue != nil {
                check(members[key]!, schema: additional, path: child, depth: depth + 1, into: &causes)
            }
        }
    }

    /// `allOf`, `anyOf`, `oneOf` and `not`: value validations only (structural schemas keep types out of them).
    private func checkCombinators(_ value: JSONValue, schema: JSONValue, path: String, depth: Int, into causes: inout [APIError.Cause]) {
        for sub in schema["allOf"]?.arrayValue ?? [] {
            check(value, schema: sub, path: path, depth: depth + 1, into: &causes)
        }
        if let anyOf = schema["anyOf"]?.arrayValue, !anyOf.isEmpty,
            !anyOf.contains(where: { validate(value, schema: $0, path: path).isEmpty })
        {
            causes.append(.init(field: path, message: "Invalid value: \(Self.describe(value)): \(name(path)) in body must validate at least one schema (anyOf)"))
        }
        if let oneOf = schema["oneOf"]?.arrayValue, !oneOf.isEmpty, oneOf.count(where: { validate(value, schema: $0, path: path).isEmpty }) != 1 {
            causes.append(.init(field: path, message: "Invalid value: \(Self.describe(value)): \(name(path)) in body must validate one and only one schema (oneOf)"))
        }
        if let not = schema["not"], not.objectValue != nil, validate(value, schema: not, path: path).isEmpty {
            causes.append(.init(field: path, message: "Invalid value: \(Self.describe(value)): \(name(path)) in body must not validate the schema (not)"))
        }
    }

    // MARK: Helpers

    /// A value as Go's field errors print it: strings quoted, numbers and booleans bare.
    static func describe(_ value: JSONValue) -> String {
        if case .string(let text) = value { return APIError.quoted(text) }
        return value.jsonString
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object, .rawJSON: "object"
        }
    }

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer(let integer)?: Double(integer)
        case .double(let double)?: double
        default: nil
        }
    }

    private static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    /// Whether `text` matches `pattern` (RE2 syntax, linear time); a pattern that does not
    /// compile matches nothing (definitions with one are refused when created).
    private static func matches(_ text: String, pattern: String) -> Bool {
        (try? SchemaPattern(pattern))?.matches(text) ?? false
    }

    /// The string formats kube-openapi checks that clients rely on; others are accepted.
    private static func hasFormat(_ text: String, _ format: String) -> Bool {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.upperBound <= bytes.count && bytes[range].allSatisfy { $0 >= 48 && $0 <= 57 } }
        switch format {
        case "date":
            return bytes.count == 10 && digits(0..<4) && bytes[4] == 45 && digits(5..<7) && bytes[7] == 45 && digits(8..<10)
        case "date-time":
            return bytes.count >= 20 && hasFormat(String(decoding: bytes[0..<10], as: UTF8.self), "date") && (bytes[10] == 84 || bytes[10] == 116)
                && digits(11..<13) && bytes[13] == 58 && digits(14..<16) && bytes[16] == 58 && digits(17..<19)
        case "uuid":
            return UUID(uuidString: text) != nil
        case "byte":
            return Data(base64Encoded: text) != nil
        default:
            return true
        }
    }
}
