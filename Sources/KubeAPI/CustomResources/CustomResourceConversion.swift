/// `None` conversion between the served versions of a custom kind: objects are stored in the
/// storage version and answered in the version asked for, only `apiVersion` differing.
enum CustomResourceConversion {
    /// `object` as version `type` serves it (unchanged for built-in kinds).
    static func convert(_ object: JSONValue, to type: ResourceType) -> JSONValue {
        guard type.custom != nil, object["apiVersion"] != nil, object["apiVersion"]?.stringValue != type.apiVersion else { return object }
        var converted = object
        converted["apiVersion"] = .string(type.apiVersion)
        return converted
    }

    /// A list's items as version `type` serves them.
    static func convertList(_ list: JSONValue, to type: ResourceType) -> JSONValue {
        guard type.custom != nil, let items = list["items"]?.arrayValue else { return list }
        var converted = list
        converted["items"] = .array(items.map { convert($0, to: type) })
        return converted
    }
}
