/// A change to one key, delivered by ``KeyValueStore/watch(prefix:fromRevision:)``.
public struct WatchEvent: Sendable, Hashable {
    /// The kind of change.
    public enum Kind: Sendable, Hashable {
        /// The key was created or updated.
        case put
        /// The key was deleted.
        case delete
    }

    /// The kind of change.
    public var kind: Kind
    /// For a put, the record as written. For a delete, the key with an empty value,
    /// `modRevision` set to the deletion revision and `createRevision`/`version` 0, as etcd reports it.
    public var kv: KeyValue
    /// The record before the change: always present for a delete, `nil` for a put that created the key.
    public var previous: KeyValue?

    /// The store revision of the change.
    public var revision: Int64 { kv.modRevision }

    /// Creates a watch event.
    public init(kind: Kind, kv: KeyValue, previous: KeyValue?) {
        self.kind = kind
        self.kv = kv
        self.previous = previous
    }
}
