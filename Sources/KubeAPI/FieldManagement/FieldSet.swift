/// A set of field paths, as server-side apply records who owns what (structured-merge-diff's
/// `fieldpath.Set`), held as a tree whose edges are FieldsV1 path elements: `f:<name>` (a field or
/// map key), `k:<json>` (an item of a list keyed by some of its fields), `v:<json>` (an item of a
/// set) and `i:<n>` (a list index).
struct FieldSet: Hashable, Sendable {
    /// Whether the path that leads to this node is itself in the set.
    var isMember = false
    /// The paths below this node, by their next element; never holds an empty set.
    var children: [String: FieldSet] = [:]

    /// The most elements one path may have and the most nodes a decoded set may have.
    static let maxDepth = 64
    static let maxNodes = 100_000

    init() {}

    /// Whether no path is in the set.
    var isEmpty: Bool { !isMember && children.isEmpty }

    /// Adds `path`.
    mutating func insert<Path: Collection<String>>(_ path: Path) {
        guard let first = path.first else {
            isMember = true
            return
        }
        children[first, default: FieldSet()].insert(path.dropFirst())
    }

    /// Whether `path` is in the set.
    func contains<Path: Collection<String>>(_ path: Path) -> Bool {
        guard let first = path.first else { return isMember }
        return children[first]?.contains(path.dropFirst()) ?? false
    }

    /// Whether `path` or any path below it is in the set.
    func containsPrefix<Path: Collection<String>>(_ path: Path) -> Bool {
        guard let first = path.first else { return !isEmpty }
        return children[first]?.containsPrefix(path.dropFirst()) ?? false
    }

    /// The subtree at `element` (empty when there is none).
    subscript(element: String) -> FieldSet { children[element] ?? FieldSet() }

    /// Every path in either set.
    func union(_ other: FieldSet) -> FieldSet {
        var result = self
        result.isMember = isMember || other.isMember
        for (element, child) in other.children {
            result.children[element] = children[element].map { $0.union(child) } ?? child
        }
        return result
    }

    /// The paths of this set that are not in `other`.
    func subtracting(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.isMember = isMember && !other.isMember
        for (element, child) in children {
            let remaining = other.children[element].map { child.subtracting($0) } ?? child
            if !remaining.isEmpty { result.children[element] = remaining }
        }
        return result
    }

    /// The paths in both sets.
    func intersection(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.isMember = isMember && other.isMember
        for (element, child) in children {
            guard let theirs = other.children[element] else { continue }
            let common = child.intersection(theirs)
            if !common.isEmpty { result.children[element] = common }
        }
        return result
    }

    /// The set without the subtree at `element`.
    func removing(_ element: String) -> FieldSet {
        var result = self
        result.children[element] = nil
        return result
    }

    /// Only the subtree at `element`.
    func keeping(_ element: String) -> FieldSet {
        var result = FieldSet()
        result.children[element] = children[element]
        return result
    }

    /// Every path in the set, in a stable order (element by element, byte order).
    var paths: [[String]] {
        var out: [[String]] = []
        collect(prefix: [], into: &out)
        return out
    }

    private func collect(prefix: [String], into out: inout [[String]]) {
        if isMember { out.append(prefix) }
        for element in children.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            children[element]!.collect(prefix: prefix + [element], into: &out)
        }
    }

    // MARK: FieldsV1

    /// The FieldsV1 form: nested objects keyed by path element, `{}` for a member without
    /// members below it and `".": {}` for a member that has some.
    var fieldsV1: JSONValue {
        var members: [String: JSONValue] = [:]
        for (element, child) in children {
            members[element] = child.fieldsV1
        }
        if isMember, !children.isEmpty { members["."] = [:] }
        return .object(members)
    }

    /// Decodes a FieldsV1 object.
    /// - Throws: ``FieldSetError`` for anything but nested objects with valid path elements, deeper
    ///   than ``maxDepth`` or larger than ``maxNodes``.
    init(fieldsV1 value: JSONValue) throws(FieldSetError) {
        var value = value
        if case .rawJSON(let bytes) = value {
            do {
                value = try JSONParser(maxDepth: Self.maxDepth + 1).parse(bytes)
            } catch {
                throw FieldSetError("FieldsV1 is not valid JSON: \(error)")
            }
        }
        var budget = Self.maxNodes
        self = try Self.decode(value, depth: 0, budget: &budget)
        isMember = false  // the root is a path of no elements, never owned
    }

    private static func decode(_ value: JSONValue, depth: Int, budget: inout Int) throws(FieldSetError) -> FieldSet {
        guard case .object(let members) = value else { throw FieldSetError("expected an object in FieldsV1") }
        guard depth < maxDepth else { throw FieldSetError("FieldsV1 is nested more than \(maxDepth) deep") }
        budget -= members.count
        guard budget >= 0 else { throw FieldSetError("FieldsV1 has more than \(maxNodes) entries") }
        var set = FieldSet()
        for (element, child) in members {
            if element == "." {
                guard child.objectValue?.isEmpty == true else { throw FieldSetError("the \".\" entry of FieldsV1 must be {}") }
                set.isMember = true
                continue
            }
            guard FieldPathElement.isValid(element) else {
                throw FieldSetError("invalid path element \(APIError.quoted(String(element.prefix(100)))) in FieldsV1")
            }
            var decoded = try decode(child, depth: depth + 1, budget: &budget)
            if decoded.children.isEmpty { decoded.isMember = true }
            set.children[element] = decoded
        }
        return set
    }
}

/// A FieldsV1 document that does not decode.
struct FieldSetError: Error, Hashable, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}
