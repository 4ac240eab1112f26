/// The result of ``KeyValueStore/get(_:)``.
public struct GetResult: Sendable, Hashable {
    /// The record, or `nil` when the key does not exist.
    public var kv: KeyValue?
    /// The store revision the read saw.
    public var revision: Int64

    /// Creates a get result.
    public init(kv: KeyValue?, revision: Int64) {
        self.kv = kv
        self.revision = revision
    }
}

/// The result of ``KeyValueStore/range(prefix:limit:after:)``.
public struct RangeResult: Sendable, Hashable {
    /// The records, in byte order of their keys.
    public var kvs: [KeyValue]
    /// Whether more keys under the prefix follow the last one returned.
    public var more: Bool
    /// The store revision the read saw.
    public var revision: Int64

    /// Creates a range result.
    public init(kvs: [KeyValue], more: Bool, revision: Int64) {
        self.kvs = kvs
        self.more = more
        self.revision = revision
    }
}

/// The result of ``KeyValueStore/count(prefix:)``.
public struct CountResult: Sendable, Hashable {
    /// How many keys start with the prefix.
    public var count: Int
    /// The store revision the read saw.
    public var revision: Int64

    /// Creates a count result.
    public init(count: Int, revision: Int64) {
        self.count = count
        self.revision = revision
    }
}
