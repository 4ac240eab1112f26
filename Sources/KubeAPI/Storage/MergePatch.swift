/// RFC 7386 JSON merge patch.
package enum MergePatch {
    /// Applies `patch` to `target`: objects merge member by member, `null` removes a member, any
    /// other value (arrays included) replaces.
    package static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value == .null {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key] ?? .null)
            }
        }
        return .object(result)
    }
}
