/// Kubernetes' strategic merge patch (`application/strategic-merge-patch+json`), which
/// `kubectl apply` sends: a JSON merge patch in which lists whose schema names a patch merge key
/// (containers by `name`, ports by `containerPort`, ...) are merged element by element, lists with
/// the `merge` strategy and no key are merged as sets, and the directives `$patch`,
/// `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` are honoured.
struct StrategicMergePatch {
    let schemas: SchemaRegistry

    /// Applies `patch` to `target`, whose schema is `schema` (nil: plain merge-patch behaviour).
    func apply(_ patch: JSONValue, to target: JSONValue, schema: JSONValue?) throws -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        if patchMembers["$patch"] == "replace" {
            var replaced = patchMembers
            replaced["$patch"] = nil
            return .object(replaced)
        }
        if patchMembers["$patch"] == "delete" { return .null }
        let resolved = schemas.resolve(schema)
        var result = target.objectValue ?? [:]
        if let retain = patchMembers["$retainKeys"]?.arrayValue?.compactMap(\.stringValue) {
            result = result.filter { retain.contains($0.key) }
        }
        for (key, value) in patchMembers {
            if key == "$retainKeys" || key == "$patch" || key.hasPrefix("$setElementOrder/") { continue }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                let removed = value.arrayValue ?? []
                if let list = result[field]?.arrayValue { result[field] = .array(list.filter { !removed.contains($0) }) }
                continue
            }
            let property = schemas.resolve(resolved?["properties"]?[key]) ?? resolved?["properties"]?[key]
            let childSchema = property ?? (resolved?["additionalProperties"].flatMap { $0.objectValue == nil ? nil : $0 })
            switch value {
            case .null:
                result[key] = nil
            case .object:
                let merged = try apply(value, to: result[key] ?? .null, schema: childSchema)
                result[key] = merged == .null && value["$patch"] == "delete" ? nil : merged
            case .array(let elements):
                result[key] = try mergeList(elements, into: result[key]?.arrayValue ?? [], schema: resolved?["properties"]?[key])
            default:
                result[key] = value
            }
        }
        for (key, order) in patchMembers where key.hasPrefix("$setElementOrder/") {
            let field = String(key.dropFirst("$setElementOrder/".count))
            if let list = result[field] { result[field] = ordered(list, by: order, schema: resolved?["properties"]?[field]) }
        }
        return .object(result)
    }

    /// `list` in the order `$setElementOrder/<list>` gives (elements by merge key, or values);
    /// elements it does not name keep their order after those it names.
    private func ordered(_ list: JSONValue, by order: JSONValue, schema: JSONValue?) -> JSONValue {
        guard let order = order.arrayValue, var remaining = list.arrayValue else { return list }
        let mergeKey = schema?["x-kubernetes-patch-merge-key"]?.stringValue
        var result: [JSONValue] = []
        for wanted in order {
            let index = remaining.firstIndex { element in
                if let mergeKey { return element[mergeKey] != nil && element[mergeKey] == wanted[mergeKey] }
                return element == wanted
            }
            if let index { result.append(remaining.remove(at: index)) }
        }
        return .array(result + remaining)
    }

    /// Merges a list by the schema's patch strategy and merge key; replaces it otherwise.
    private func mergeList(_ patch: [JSONValue], into current: [JSONValue], schema: JSONValue?) throws -> JSONValue {
        let strategy = (schema?["x-kubernetes-patch-strategy"]?.stringValue ?? "").split(separator: ",")
        guard strategy.contains("merge") else {
            return .array(patch.filter { $0["$patch"] == nil })
        }
        guard let mergeKey = schema?["x-kubernetes-patch-merge-key"]?.stringValue else {
            // A set of primitives: union, keeping the current order.
            var merged = current
            for element in patch where !merged.contains(element) { merged.append(element) }
            return .array(merged)
        }
        let itemSchema = schema?["items"]
        var merged = current
        for element in patch {
            guard let key = element[mergeKey] else {
                throw APIError.badRequest("strategic merge patch: an element of a list merged by \"\(mergeKey)\" has no \"\(mergeKey)\"")
            }
            let index = merged.firstIndex { $0[mergeKey] == key }
            if element["$patch"] == "delete" {
                if let index { merged.remove(at: index) }
            } else if let index {
                merged[index] = try apply(element, to: merged[index], schema: itemSchema)
            } else {
                var fresh = element
                fresh["$patch"] = nil
                merged.append(try apply(fresh, to: [:], schema: itemSchema))
            }
        }
        return .array(merged)
    }
}
