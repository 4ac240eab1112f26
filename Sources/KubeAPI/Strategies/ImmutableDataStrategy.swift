/// ConfigMaps and Secrets: valid keys, base64 secret data, a default Secret type, and data that
/// cannot change once `immutable` is set.
struct ImmutableDataStrategy: ResourceStrategy {
    let kind: String
    let fields: [String]
    var defaultType: String?

    private static let keyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"

    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        defaultSecret(&object)
    }

    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) {
        defaultSecret(&new)
    }

    private func defaultSecret(_ object: inout JSONValue) {
        guard let defaultType else { return }
        if let strings = object["stringData"]?.stringMap {
            var data = object["data"]?.objectValue ?? [:]
            for (key, value) in strings { data[key] = .string(Base64.encode(Array(value.utf8))) }
            object["data"] = .object(data)
            object["stringData"] = nil
        }
        if object["type"] == nil { object["type"] = .string(defaultType) }
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        for field in ["data", "binaryData"] {
            for (key, value) in (object[field]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                if key.isEmpty || key.count > 253 || !key.allSatisfy({ $0.isLetterOrDigitASCII || "-._".contains($0) }) || key == "." || key == ".." {
                    causes.append(APIError.Cause(field: "\(field)[\(key)]", message: "Invalid value: \"\(key)\": \(Self.keyMessage)"))
                }
                // Secret data and ConfigMap binaryData hold base64; ConfigMap data holds text.
                let base64 = field == "binaryData" || defaultType != nil
                if base64, let text = value.stringValue, Base64.decode(text) == nil {
                    causes.append(APIError.Cause(field: "\(field)[\(key)]", message: "Invalid value: \"<hidden>\": illegal base64 data"))
                }
            }
        }
        return causes
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes = validate(new)
        if old["immutable"] == true {
            for field in fields where new[field] != old[field] {
                causes.append(APIError.Cause(field: field, type: "FieldValueForbidden", message: "Forbidden: field is immutable when `immutable` is set"))
            }
            if new["immutable"] != true {
                causes.append(APIError.Cause(field: "immutable", type: "FieldValueForbidden", message: "Forbidden: field is immutable when `immutable` is set"))
            }
        } else if defaultType != nil, let oldType = old["type"]?.stringValue, new["type"]?.stringValue != oldType {
            causes.append(APIError.Cause(field: "type", message: "Invalid value: \"\(new["type"]?.stringValue ?? "")\": field is immutable"))
        }
        return causes
    }
}
