public import Logging
import Synchronization

extension MVCCStore {
    /// Opens (creating on first use) a durable store in `directory`, values sealed with `keyRing`.
    ///
    /// - Parameters:
    ///   - directory: The data directory (created with mode 0700; LMDB files are 0600).
    ///   - keyRing: The data keys. Opening fails with ``StoreError/Code/wrongKey`` when the ring
    ///     lacks a key the store's values are sealed with.
    ///   - keySource: Names where the keys came from, for error messages.
    ///   - configuration: Limits and history retention.
    ///   - options: LMDB tuning.
    ///   - logger: Where the store reports; values and keys are never logged.
    public static func lmdb(
        directory: String,
        keyRing: KeyRing,
        keySource: String = "the key ring",
        configuration: StoreConfiguration = StoreConfiguration(),
        options: LMDBOptions = LMDBOptions(),
        logger: Logger = Logger(label: "encstore", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws -> MVCCStore {
        let backend = try LMDBBackend(directory: directory, keyRing: keyRing, keySource: keySource, options: options)
        let store = try MVCCStore(backend: backend, configuration: configuration, logger: logger)
        logger.info(
            "opened encrypted store",
            metadata: ["directory": "\(directory)", "activeKey": "\(backend.ring.withLock { $0.active.id })"])
        return store
    }

    /// Opens a durable store in `directory` with the keys `keyProvider` supplies.
    public static func lmdb(
        directory: String,
        keyProvider: KeyProvider,
        configuration: StoreConfiguration = StoreConfiguration(),
        options: LMDBOptions = LMDBOptions(),
        logger: Logger = Logger(label: "encstore", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws -> MVCCStore {
        try lmdb(
            directory: directory, keyRing: try keyProvider.loadKeyRing(), keySource: keyProvider.description,
            configuration: configuration, options: options, logger: logger)
    }

    /// What a key rotation did.
    public struct KeyRotationReport: Sendable, Hashable {
        /// The id of the key now sealing every value.
        public var activeKey: String
        /// How many current records and history events were re-sealed.
        public var resealed: Int
    }

    /// Re-seals every stored value under `newKey`, online: the work runs in small write
    /// transactions between ordinary writes, and reads keep working throughout. New writes use
    /// `newKey` from the first step. Until it returns, the old key is still needed to open the store.
    /// `progress`, if given, is told the running count of re-sealed records after each step.
    public func rotateKey(to newKey: DataKey, progress: (@Sendable (Int) -> Void)? = nil) async throws -> KeyRotationReport {
        guard let backend = backend as? LMDBBackend else {
            throw StoreError.badKeyMaterial("the in-memory store seals no values, so it has no key to rotate")
        }
        try await coordinator.perform { try ($0 as! LMDBWriter).registerKey(newKey) }
        backend.ring.withLock { $0.activate(newKey) }
        var resealed = 0
        for table in [LMDBWriter.Table.current, .history] {
            var cursor: [UInt8]?
            repeat {
                let after = cursor
                let step = try await coordinator.perform { try ($0 as! LMDBWriter).reseal(table, after: after, limit: 512) }
                resealed += step.resealed
                cursor = step.next
                progress?(resealed)
            } while cursor != nil
        }
        try await coordinator.perform { try ($0 as! LMDBWriter).retireKeys(keeping: newKey.id) }
        logger.notice("rotated data key", metadata: ["activeKey": "\(newKey.id)", "resealed": "\(resealed)"])
        return KeyRotationReport(activeKey: newKey.id, resealed: resealed)
    }

    /// Rotates to a fresh key and records it where `keyProvider` keeps keys: the new key is saved
    /// beside the old one first, so a crash mid-rotation leaves a store that still opens, and
    /// the old key is dropped once every value is re-sealed.
    public func rotateKey(using keyProvider: KeyProvider, progress: (@Sendable (Int) -> Void)? = nil) async throws -> KeyRotationReport {
        let existing = try keyProvider.loadKeys()
        let newKey = DataKey.generate()
        try keyProvider.storeKeys([newKey] + existing)
        let report = try await rotateKey(to: newKey, progress: progress)
        try keyProvider.storeKeys([newKey])
        return report
    }
}
