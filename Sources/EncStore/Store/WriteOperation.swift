/// One write inside a transaction: a put or a delete of one key, guarded by a condition.
public struct WriteOperation: Sendable, Hashable {
    /// What the write does.
    public enum Action: Sendable, Hashable {
        /// Store `value` under the key, creating or replacing it.
        case put([UInt8])
        /// Remove the key. A delete always requires the key to exist.
        case delete
    }

    /// The condition the key's current state must meet for the write to apply.
    public enum Condition: Sendable, Hashable {
        /// No condition (a delete still requires the key to exist).
        case none
        /// The key must not exist.
        case absent
        /// The key must exist with exactly this `modRevision`.
        case modRevision(Int64)
    }

    /// The key written.
    public var key: String
    /// The write.
    public var action: Action
    /// The precondition.
    public var condition: Condition

    /// Creates a write operation.
    public init(key: String, action: Action, condition: Condition = .none) {
        self.key = key
        self.action = action
        self.condition = condition
    }

    /// Creates `key` with `value`; fails if the key exists.
    public static func create(_ key: String, value: [UInt8]) -> Self {
        Self(key: key, action: .put(value), condition: .absent)
    }

    /// Replaces `key`'s value; with `ifModRevision`, only if the key is still at that revision.
    public static func update(_ key: String, value: [UInt8], ifModRevision: Int64? = nil) -> Self {
        Self(key: key, action: .put(value), condition: ifModRevision.map { .modRevision($0) } ?? .none)
    }

    /// Deletes `key`; with `ifModRevision`, only if the key is still at that revision.
    public static func delete(_ key: String, ifModRevision: Int64? = nil) -> Self {
        Self(key: key, action: .delete, condition: ifModRevision.map { .modRevision($0) } ?? .none)
    }
}
