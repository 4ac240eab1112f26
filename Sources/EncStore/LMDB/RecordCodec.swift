/// Byte layouts of the LMDB store's records. Integers are little-endian except in history keys,
/// which are big-endian so that byte order is revision order.
///
/// ```
/// current record: createRevision i64 | modRevision i64 | version i64 | envelope
/// history key:    revision u64 BE | index u32 BE
/// history event:  kind u8 (0 put, 1 delete) | key length u32 | key
///                 | createRevision i64 | modRevision i64 | version i64 | envelope length u32 | envelope
///                 | has previous u8 | [createRevision i64 | modRevision i64 | version i64 | length u32 | envelope]
/// ```
/// A delete's own envelope is empty (its value is empty); every other value is an envelope
/// from ``Sealer``.
enum RecordCodec {
    /// A record's MVCC metadata.
    struct Meta: Equatable {
        var createRevision: Int64
        var modRevision: Int64
        var version: Int64

        init(createRevision: Int64, modRevision: Int64, version: Int64) {
            self.createRevision = createRevision
            self.modRevision = modRevision
            self.version = version
        }

        init(_ kv: KeyValue) {
            self.init(createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version)
        }

        func keyValue(key: String, value: [UInt8]) -> KeyValue {
            KeyValue(key: key, value: value, createRevision: createRevision, modRevision: modRevision, version: version)
        }
    }

    /// A decoded history event whose envelopes still point into the source buffer.
    struct Event {
        var kind: WatchEvent.Kind
        var key: UnsafeRawBufferPointer
        var meta: Meta
        var envelope: UnsafeRawBufferPointer
        var previous: (meta: Meta, envelope: UnsafeRawBufferPointer)?
    }

    static func encodeCurrent(_ meta: Meta, envelope: [UInt8]) -> [UInt8] {
        var out = ByteWriter(capacity: 24 + envelope.count)
        out.append(meta)
        out.append(bytes: envelope)
        return out.bytes
    }

    static func decodeCurrent(_ record: UnsafeRawBufferPointer) throws -> (Meta, UnsafeRawBufferPointer) {
        var reader = ByteReader(record)
        let meta = try reader.meta()
        return (meta, reader.rest())
    }

    static func historyKey(revision: Int64, index: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt64(revision).bigEndian, Array.init) + withUnsafeBytes(of: UInt32(index).bigEndian, Array.init)
    }

    static func revision(ofHistoryKey key: UnsafeRawBufferPointer) throws -> Int64 {
        guard key.count == 12 else { throw StoreError.corrupt("history key of \(key.count) bytes, expected 12") }
        return Int64(bitPattern: key.prefix(8).reduce(0) { $0 << 8 | UInt64($1) })
    }

    static func encodeEvent(
        kind: WatchEvent.Kind, key: String, meta: Meta, envelope: [UInt8],
        previous: (meta: Meta, envelope: [UInt8])?
    ) -> [UInt8] {
        var out = ByteWriter(capacity: 64 + key.utf8.count + envelope.count + (previous?.envelope.count ?? 0))
        out.append(UInt8(kind == .put ? 0 : 1))
        out.append(lengthPrefixed: Array(key.utf8))
        out.append(meta)
        out.append(lengthPrefixed: envelope)
        if let previous {
            out.append(UInt8(1))
            out.append(previous.meta)
            out.append(lengthPrefixed: previous.envelope)
        } else {
            out.append(UInt8(0))
        }
        return out.bytes
    }

    /// Reads only the kind and key of an event, for cheap prefix filtering.
    static func eventKey(_ record: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer {
        var reader = ByteReader(record)
        _ = try reader.byte()
        return try reader.lengthPrefixed()
    }

    static func decodeEvent(_ record: UnsafeRawBufferPointer) throws -> Event {
        var reader = ByteReader(record)
        let kind: WatchEvent.Kind
        switch try reader.byte() {
        case 0: kind = .put
        case 1: kind = .delete
        case let other: throw StoreError.corrupt("history event of unknown kind \(other)")
        }
        let key = try reader.lengthPrefixed()
        let meta = try reader.meta()
        let envelope = try reader.lengthPrefixed()
        var previous: (Meta, UnsafeRawBufferPointer)?
        if try reader.byte() == 1 {
            previous = (try reader.meta(), try reader.lengthPrefixed())
        }
        guard reader.isAtEnd else { throw StoreError.corrupt("history event has trailing bytes") }
        return Event(kind: kind, key: key, meta: meta, envelope: envelope, previous: previous)
    }
}

/// Appends little-endian fields to a byte array.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }
    mutating func append(bytes more: some Collection<UInt8>) { bytes.append(contentsOf: more) }

    mutating func append(int64 value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(lengthPrefixed more: [UInt8]) {
        withUnsafeBytes(of: UInt32(more.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: more)
    }

    mutating func append(_ meta: RecordCodec.Meta) {
        append(int64: meta.createRevision)
        append(int64: meta.modRevision)
        append(int64: meta.version)
    }
}

/// Reads little-endian fields from a buffer, failing with ``StoreError/Code/corrupt`` past its end.
struct ByteReader {
    private let buffer: UnsafeRawBufferPointer
    private var offset = 0

    init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    var isAtEnd: Bool { offset == buffer.count }

    mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= buffer.count - offset else {
            throw StoreError.corrupt("record truncated: needed \(count) bytes at offset \(offset) of \(buffer.count)")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)])
    }

    mutating func byte() throws -> UInt8 { try take(1)[0] }

    mutating func int64() throws -> Int64 {
        Int64(littleEndian: try take(8).loadUnaligned(as: Int64.self))
    }

    mutating func lengthPrefixed() throws -> UnsafeRawBufferPointer {
        let count = UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self))
        return try take(Int(count))
    }

    mutating func meta() throws -> RecordCodec.Meta {
        RecordCodec.Meta(createRevision: try int64(), modRevision: try int64(), version: try int64())
    }

    mutating func rest() -> UnsafeRawBufferPointer {
        defer { offset = buffer.count }
        return UnsafeRawBufferPointer(rebasing: buffer[offset...])
    }
}
