/// A key, its value and the MVCC metadata the store keeps for it, as etcd v3 reports them.
public struct KeyValue: Sendable, Hashable {
    /// The key path, e.g. `/registry/pods/default/web-0`. Stored in clear.
    public var key: String
    /// The value bytes. Sealed with AES-256-GCM at rest by the LMDB store.
    public var value: [UInt8]
    /// The store revision at which this key was last created (reset when a deleted key is recreated).
    public var createRevision: Int64
    /// The store revision of the last write to this key.
    public var modRevision: Int64
    /// How many times the key was written since it was created; 1 after creation.
    public var version: Int64

    /// Creates a key-value record.
    public init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64, version: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
    }
}
