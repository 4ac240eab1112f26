/// Walks an object by its schema to find the fields it sets, as structured-merge-diff does:
/// scalars and atomic values are leaves, objects are tracked member by member (an empty one is
/// a leaf), list-map and set items are tracked by key and by value.
struct FieldWalker {
    let schemas: SchemaRegistry

    /// The deepest object walked; deeper values are owned as a whole.
    static let maxDepth = 48

    /// The fields `object` sets: what an applied configuration owns.
    func fieldSet(of object: JSONValue, schema: JSONValue?) -> FieldSet {
        var set = FieldSet()
        for path in leaves(of: object, schema: schema, containers: false).keys { set.insert(path) }
        return set
    }

    /// The fields added, changed and removed between `old` and `new`: what an update owns.
    /// An object that appears, not only its members, counts as added.
    func compare(_ old: JSONValue, _ new: JSONValue, schema: JSONValue?) -> (changed: FieldSet, removed: FieldSet) {
        let before = leaves(of: old, schema: schema, containers: true)
        let after = leaves(of: new, schema: schema, containers: true)
        var changed = FieldSet()
        var removed = FieldSet()
        for (path, value) in after where before[path] != value { changed.insert(path) }
        for path in before.keys where after[path] == nil { removed.insert(path) }
        return (changed, removed)
    }

    /// Each tracked path of `value` with the value there. Items of list-maps and, with
    /// `containers`, non-empty objects other than the root map to `true`: their presence is
    /// tracked, their contents by their own paths.
    func leaves(of value: JSONValue, schema: JSONValue?, containers: Bool) -> [[String]: JSONValue] {
        var out: [[String]: JSONValue] = [:]
        walk(value, schema: schema, path: [], containers: containers, into: &out)
        return out
    }

    private func walk(_ value: JSONValue, schema: JSONValue?, path: [String], containers: Bool, into out: inout [[String]: JSONValue]) {
        guard path.count < Self.maxDepth else {
            out[path] = value
            return
        }
        switch FieldShape.of(value, schema: schema, in: schemas) {
        case .atomic:
            out[path] = value
        case .object(let properties, let values):
            guard let members = value.objectValue, !members.isEmpty else {
                out[path] = value
                return
            }
            if containers, !path.isEmpty { out[path] = true }
            for (key, member) in members {
                walk(member, schema: FieldShape.member(key, properties: properties, values: values), path: path + [FieldPathElement.field(key)], containers: containers, into: &out)
            }
        case .set:
            for item in value.arrayValue ?? [] { out[path + [FieldPathElement.value(item)]] = item }
            if value.arrayValue?.isEmpty ?? true { out[path] = value }
        case .map(let keys, let items):
            let elements = value.arrayValue ?? []
            if elements.isEmpty { out[path] = value }
            for (index, item) in elements.enumerated() {
                let element = FieldShape.keyElement(item, keys: keys, items: items, in: schemas) ?? FieldPathElement.index(index)
                let itemPath = path + [element]
                out[itemPath] = true
                guard let members = item.objectValue else { continue }
                let itemSchema = schemas.resolve(items)
                let properties = itemSchema?["properties"]?.objectValue ?? [:]
                let additional = itemSchema?["additionalProperties"]
                for (key, member) in members {
                    walk(member, schema: FieldShape.member(key, properties: properties, values: additional?.objectValue == nil ? nil : additional),
                        path: itemPath + [FieldPathElement.field(key)], containers: containers, into: &out)
                }
            }
        }
    }
}
