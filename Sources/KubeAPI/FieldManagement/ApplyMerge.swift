/// Merges an applied configuration into a live object, and removes fields a manager stopped
/// applying, by the same schema-driven shapes ownership is tracked with.
struct ApplyMerge {
    let schemas: SchemaRegistry

    /// `live` with `config` applied: objects merged member by member, list-map items merged by
    /// key (new ones appended), sets unioned, anything else replaced. A `null` member removes it.
    func merge(_ live: JSONValue?, _ config: JSONValue, schema: JSONValue?, depth: Int = 0) -> JSONValue {
        guard let live, depth < FieldWalker.maxDepth else { return config }
        switch FieldShape.of(config, schema: schema, in: schemas) {
        case .atomic:
            return config
        case .object(let properties, let values):
            guard var result = live.objectValue, let members = config.objectValue else { return config }
            for (key, value) in members {
                if value == .null {
                    result[key] = nil
                } else {
                    result[key] = merge(result[key], value, schema: FieldShape.member(key, properties: properties, values: values), depth: depth + 1)
                }
            }
            return .object(result)
        case .set:
            guard var result = live.arrayValue, let items = config.arrayValue else { return config }
            for item in items where !result.contains(item) { result.append(item) }
            return .array(result)
        case .map(let keys, let itemSchema):
            guard var result = live.arrayValue, let items = config.arrayValue else { return config }
            for item in items {
                let key = FieldShape.keyElement(item, keys: keys, items: itemSchema, in: schemas)
                if let key, let index = result.firstIndex(where: { FieldShape.keyElement($0, keys: keys, items: itemSchema, in: schemas) == key }) {
                    result[index] = merge(result[index], item, schema: itemSchema, depth: depth + 1)
                } else {
                    result.append(item)
                }
            }
            return .array(result)
        }
    }

    /// `object` without the value at `path` (an item of a list when the path ends at one).
    func remove(_ path: ArraySlice<String>, from object: JSONValue, schema: JSONValue?) -> JSONValue {
        guard let element = path.first else { return object }
        let last = path.count == 1
        switch FieldShape.of(object, schema: schema, in: schemas) {
        case .atomic:
            return object
        case .object(let properties, let values):
            guard element.hasPrefix("f:"), var members = object.objectValue else { return object }
            let key = String(element.dropFirst(2))
            guard let member = members[key] else { return object }
            if last {
                members.removeValue(forKey: key)
            } else {
                members[key] = remove(path.dropFirst(), from: member, schema: FieldShape.member(key, properties: properties, values: values))
            }
            return .object(members)
        case .set:
            guard last, var items = object.arrayValue else { return object }
            items.removeAll { FieldPathElement.value($0) == element }
            return .array(items)
        case .map(let keys, let itemSchema):
            guard var items = object.arrayValue,
                let index = items.indices.first(where: { (FieldShape.keyElement(items[$0], keys: keys, items: itemSchema, in: schemas) ?? FieldPathElement.index($0)) == element })
            else { return object }
            if last {
                items.remove(at: index)
            } else {
                items[index] = remove(path.dropFirst(), from: items[index], schema: itemSchema)
            }
            return .array(items)
        }
    }
}
