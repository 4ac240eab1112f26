/// EncStore: an embedded MVCC key-value store with etcd v3's contract, on LMDB, encrypted at rest.
///
/// Start with ``MVCCStore``, the ``KeyValueStore`` protocol it implements, and ``KeyProvider``.
public enum EncStore {
    /// This library's semantic version; Docs/changelogs/EncStore.md records each release.
    public static let version = "0.6.0"
}
