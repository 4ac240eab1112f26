/// The data keys a store may open values with, and the one it seals new values with.
///
/// During a key rotation the ring holds the old and the new key; afterwards the old one can go.
public struct KeyRing: Sendable {
    /// The key new values are sealed with.
    public private(set) var active: DataKey
    private var keys: [String: DataKey]

    /// Creates a ring whose active key is `active`, also able to open values sealed with `others`.
    public init(active: DataKey, others: [DataKey] = []) {
        self.active = active
        self.keys = [active.id: active]
        for key in others { keys[key.id] = key }
    }

    /// The key with identifier `id`, if the ring holds it.
    public func key(id: String) -> DataKey? { keys[id] }

    /// The identifiers of every key in the ring, sorted.
    public var ids: [String] { keys.keys.sorted() }

    /// Adds `key` (if absent) and makes it the active key.
    mutating func activate(_ key: DataKey) {
        keys[key.id] = key
        active = key
    }

    /// Removes every key but the active one.
    mutating func retainOnlyActive() {
        keys = [active.id: active]
    }
}
