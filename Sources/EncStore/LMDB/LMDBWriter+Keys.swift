/// Data-key bookkeeping in the meta database.
///
/// `keys-in-use` lists the ids of every key that may have sealed a stored value; `active-key` the
/// one sealing new values; `key-check/<id>` an envelope of a fixed text under that key, which
/// proves at open that the supplied key material is right before any value is read.
extension LMDBWriter {
    private static let checkText = Array("k3s-daas encstore key check v1".utf8)

    private static func checkName(_ id: String) -> String { "key-check/\(id)" }

    func keysInUse() throws -> [String] {
        guard let bytes = try metaValue("keys-in-use") else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: ",").map(String.init)
    }

    /// Initialises a new store's metadata, or checks that `ring` holds every key the store uses.
    /// - Returns: `ring` with the store's active key made active.
    func prepareKeys(storePath: String, keySource: String) throws -> KeyRing {
        guard try metaInteger("revision") != nil else {
            try setMeta("revision", integer: 1)
            try setMeta("compacted", integer: 0)
            try registerKey(ring.active)
            return ring
        }
        let inUse = try keysInUse()
        let missing = inUse.filter { ring.key(id: $0) == nil }
        guard missing.isEmpty else {
            throw StoreError.wrongKey(
                "the store at \(storePath) is sealed with key \(missing.joined(separator: ", ")), but \(keySource) supplies key \(ring.ids.joined(separator: ", "))"
            )
        }
        for id in inUse {
            guard let check = try metaValue(Self.checkName(id)),
                (try? Sealer.open(check, path: Self.checkName(id), ring: ring)) == Self.checkText
            else {
                throw StoreError.wrongKey("key \(id) from \(keySource) does not open the key check of the store at \(storePath)")
            }
        }
        var prepared = ring
        if let activeBytes = try metaValue("active-key"), let active = ring.key(id: String(decoding: activeBytes, as: UTF8.self)) {
            prepared.activate(active)
        }
        return prepared
    }

    /// Records `key` as in use and active, with its key check.
    func registerKey(_ key: DataKey) throws {
        var inUse = try keysInUse()
        if !inUse.contains(key.id) { inUse.append(key.id) }
        try setMeta("keys-in-use", bytes: Array(inUse.joined(separator: ",").utf8))
        try setMeta(Self.checkName(key.id), bytes: Sealer.seal(Self.checkText, path: Self.checkName(key.id), with: key))
        try setMeta("active-key", bytes: Array(key.id.utf8))
    }

    /// Forgets every key but `id`, once no value is sealed with them.
    func retireKeys(keeping id: String) throws {
        for old in try keysInUse() where old != id { try deleteMeta(Self.checkName(old)) }
        try setMeta("keys-in-use", bytes: Array(id.utf8))
    }

    /// Which table ``reseal(_:after:limit:)`` walks.
    enum Table: Sendable { case current, history }

    /// Re-seals with the active key up to `limit` records of `table` after `after` that another key sealed.
    /// - Returns: how many records were re-sealed, and the last key examined to continue after
    ///   (`nil` once the table is done).
    func reseal(_ table: Table, after: [UInt8]?, limit: Int) throws -> (resealed: Int, next: [UInt8]?) {
        let dbi = table == .current ? databases.current : databases.history
        var updates: [([UInt8], [UInt8])] = []
        var next: [UInt8]?
        try txn.withCursor(dbi) { cursor in
            var entry = try (after ?? []).withUnsafeBytes { try cursor.seek($0) }
            if let after, let (key, _) = entry, key.elementsEqual(after) { entry = try cursor.next() }
            var scanned = 0
            while let (key, record) = entry {
                if scanned == limit {
                    // Continue after the last record processed; this one is not processed yet.
                    return
                }
                scanned += 1
                next = Array(key)
                if let updated = try table == .current ? resealCurrent(key: key, record) : resealEvent(record) {
                    updates.append((Array(key), updated))
                }
                entry = try cursor.next()
            }
            next = nil
        }
        for (key, record) in updates {
            try key.withUnsafeBytes { key in try record.withUnsafeBytes { try txn.put(dbi, key, $0) } }
        }
        return (updates.count, next)
    }

    private func resealed(_ envelope: UnsafeRawBufferPointer, path: String) throws -> [UInt8]? {
        guard Sealer.keyID(of: envelope) != ring.active.id else { return nil }
        return Sealer.seal(try Sealer.open(envelope, path: path, ring: ring), path: path, with: ring.active)
    }

    private func resealCurrent(key: UnsafeRawBufferPointer, _ record: UnsafeRawBufferPointer) throws -> [UInt8]? {
        let (meta, envelope) = try RecordCodec.decodeCurrent(record)
        return try resealed(envelope, path: String(decoding: key, as: UTF8.self)).map {
            RecordCodec.encodeCurrent(meta, envelope: $0)
        }
    }

    private func resealEvent(_ record: UnsafeRawBufferPointer) throws -> [UInt8]? {
        let event = try RecordCodec.decodeEvent(record)
        let path = String(decoding: event.key, as: UTF8.self)
        let value = event.kind == .put ? try resealed(event.envelope, path: path) : nil
        let previous = try event.previous.flatMap { try resealed($0.envelope, path: path) }
        guard value != nil || previous != nil else { return nil }
        return RecordCodec.encodeEvent(
            kind: event.kind, key: path, meta: event.meta, envelope: value ?? Array(event.envelope),
            previous: event.previous.map { ($0.meta, previous ?? Array($0.envelope)) })
    }
}
