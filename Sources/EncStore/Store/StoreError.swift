/// An error from a ``KeyValueStore``.
///
/// Compare errors by ``code``; ``message`` is for people and never contains a value or a key secret.
public struct StoreError: Error, Hashable, CustomStringConvertible, Sendable {
    /// The kind of failure, stable across releases and usable as a metric label.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The key is empty.
        public static let emptyKey = Code("emptyKey")
        /// The key is longer than the store accepts.
        public static let keyTooLarge = Code("keyTooLarge")
        /// The value is larger than the store accepts.
        public static let valueTooLarge = Code("valueTooLarge")
        /// A transaction names the same key twice, or has no operations.
        public static let invalidTransaction = Code("invalidTransaction")
        /// The requested revision is older than the retained history.
        public static let compacted = Code("compacted")
        /// The requested revision is newer than the store's current revision.
        public static let futureRevision = Code("futureRevision")
        /// A watcher fell further behind than its buffer allows and was ended.
        public static let watcherTooSlow = Code("watcherTooSlow")
        /// A stored value failed authentication: its ciphertext was altered or moved.
        public static let integrity = Code("integrity")
        /// The data key supplied does not match the one the data was sealed with.
        public static let wrongKey = Code("wrongKey")
        /// A key file or key variable is missing, malformed or unsafe.
        public static let badKeyMaterial = Code("badKeyMaterial")
        /// The store was closed.
        public static let closed = Code("closed")
        /// The store's data directory is already open in this process.
        public static let alreadyOpen = Code("alreadyOpen")
        /// The store's data directory is locked by another process.
        public static let inUse = Code("inUse")
        /// The storage engine reported an error (disk full, map full, I/O error...).
        public static let storage = Code("storage")
        /// Stored bytes are not in a format this version understands.
        public static let corrupt = Code("corrupt")
    }

    /// The kind of failure.
    public let code: Code
    /// A one-line human explanation.
    public let message: String
    /// For ``Code/compacted``: the revision through which history was compacted.
    public let compactRevision: Int64?
    /// Where the error was raised.
    public let file: String
    /// Where the error was raised.
    public let line: UInt

    init(_ code: Code, _ message: String, compactRevision: Int64? = nil, file: String, line: UInt) {
        self.code = code
        self.message = message
        self.compactRevision = compactRevision
        self.file = file
        self.line = line
    }

    public var description: String { "\(code): \(message)" }

    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    static func emptyKey(file: String = #fileID, line: UInt = #line) -> Self {
        Self(.emptyKey, "key must not be empty", file: file, line: line)
    }

    static func keyTooLarge(_ size: Int, limit: Int, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.keyTooLarge, "key of \(size) bytes exceeds the limit of \(limit) bytes", file: file, line: line)
    }

    static func valueTooLarge(
        key: String, size: Int, limit: Int, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.valueTooLarge, "value for \(key) of \(size) bytes exceeds the limit of \(limit) bytes", file: file, line: line)
    }

    static func invalidTransaction(_ why: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.invalidTransaction, why, file: file, line: line)
    }

    static func compacted(
        requested: Int64, compactRevision: Int64, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(
            .compacted,
            "revision \(requested) has been compacted; history starts after revision \(compactRevision)",
            compactRevision: compactRevision, file: file, line: line)
    }

    static func futureRevision(
        requested: Int64, current: Int64, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.futureRevision, "revision \(requested) is newer than the current revision \(current)", file: file, line: line)
    }

    static func watcherTooSlow(buffer: Int, file: String = #fileID, line: UInt = #line) -> Self {
        Self(
            .watcherTooSlow,
            "watcher fell more than \(buffer) events behind and was ended; restart it from its last revision",
            file: file, line: line)
    }

    static func integrity(key: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(
            .integrity,
            "value of key \(key) failed authentication: its ciphertext was altered, moved from another key, or sealed with another key",
            file: file, line: line)
    }

    static func wrongKey(_ why: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.wrongKey, why, file: file, line: line)
    }

    static func badKeyMaterial(_ why: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.badKeyMaterial, why, file: file, line: line)
    }

    static func closed(file: String = #fileID, line: UInt = #line) -> Self {
        Self(.closed, "the store is closed", file: file, line: line)
    }

    static func inUse(_ path: String, holder: String?, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.inUse, "the store at \(path) is in use by another process (\(holder ?? "holder unknown")); stop it first", file: file, line: line)
    }

    static func alreadyOpen(_ path: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.alreadyOpen, "the store at \(path) is already open in this process", file: file, line: line)
    }

    static func storage(_ why: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.storage, why, file: file, line: line)
    }

    static func corrupt(_ why: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.corrupt, why, file: file, line: line)
    }
}
