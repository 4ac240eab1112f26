/// The data keys a store may open values with, and the one it seals new values with.
///
/// During a key rotation the ring holds the old and the new key; afterwards the old one can go.
public struct KeyRing: Sendable {
    /// The key new values are sealed with.
    public private(set) var active: DataKey
    private var keys: [String: DataKey]
    /// The same keys by the 8 id bytes as stored in envelopes, for lookups without formatting hex.
    private var keysByIDBytes: [UInt64: DataKey]

    /// Creates a ring whose active key is `active`, also able to open values sealed with `others`.
    public init(active: DataKey, others: [DataKey] = []) {
        self.active = active
        self.keys = [:]
        self.keysByIDBytes = [:]
        for key in [active] + others { insert(key) }
    }

    private mutating func insert(_ key: DataKey) {
        keys[key.id] = key
        keysByIDBytes[key.idWord] = key
    }

    /// The key whose id bytes, read as a native-endian word, are `word`.
    func key(idWord word: UInt64) -> DataKey? { keysByIDBytes[word] }

    /// The key with identifier `id`, if the ring holds it.
    public func key(id: String) -> DataKey? { keys[id] }

    /// The identifiers of every key in the ring, sorted.
    public var ids: [String] { keys.keys.sorted() }

    /// Adds `key` (if absent) and makes it the active key.
    mutating func activate(_ key: DataKey) {
        insert(key)
        active = key
    }
}
