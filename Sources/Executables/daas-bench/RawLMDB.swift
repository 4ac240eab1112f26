import CLMDB
import Foundation

/// The reference for the store benchmark: LMDB used directly, with the same durability as the
/// store (a synchronous commit per transaction) but no encryption and no MVCC bookkeeping.
final class RawLMDB: @unchecked Sendable {
    // LMDB environments are thread-safe; each thread below opens its own transactions.
    let env: OpaquePointer
    var dbi: MDB_dbi = 0

    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var handle: OpaquePointer?
        guard mdb_env_create(&handle) == 0, let handle else { throw BenchError("mdb_env_create failed") }
        mdb_env_set_mapsize(handle, 8 << 30)
        mdb_env_set_maxreaders(handle, 512)
        guard mdb_env_open(handle, directory, UInt32(MDB_NOTLS), 0o600) == 0 else { throw BenchError("mdb_env_open failed") }
        env = handle
        var txn: OpaquePointer?
        mdb_txn_begin(env, nil, 0, &txn)
        mdb_dbi_open(txn, nil, 0, &dbi)
        mdb_txn_commit(txn)
    }

    deinit { mdb_env_close(env) }

    /// One durable transaction holding one put.
    func put(_ key: String, _ value: [UInt8]) throws {
        var txn: OpaquePointer?
        guard mdb_txn_begin(env, nil, 0, &txn) == 0 else { throw BenchError("mdb_txn_begin failed") }
        var key = key
        let rc = key.withUTF8 { keyBytes in
            value.withUnsafeBytes { valueBytes in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                return mdb_put(txn, dbi, &k, &v, 0)
            }
        }
        guard rc == 0 else {
            mdb_txn_abort(txn)
            throw BenchError("mdb_put failed: \(rc)")
        }
        guard mdb_txn_commit(txn) == 0 else { throw BenchError("mdb_txn_commit failed") }
    }

    /// One read transaction reading one key into a new array.
    func get(_ key: String) -> [UInt8]? {
        var txn: OpaquePointer?
        mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
        defer { mdb_txn_abort(txn) }
        var key = key
        return key.withUTF8 { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val()
            guard mdb_get(txn, dbi, &k, &v) == 0 else { return nil }
            return Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    /// Reads every key under `prefix` with a cursor, copying keys and values out.
    func range(prefix: String) -> Int {
        var txn: OpaquePointer?
        mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
        defer { mdb_txn_abort(txn) }
        var cursor: OpaquePointer?
        mdb_cursor_open(txn, dbi, &cursor)
        defer { mdb_cursor_close(cursor) }
        var prefixCopy = prefix
        var count = 0
        prefixCopy.withUTF8 { prefixBytes in
            var k = MDB_val(mv_size: prefixBytes.count, mv_data: UnsafeMutableRawPointer(mutating: prefixBytes.baseAddress))
            var v = MDB_val()
            var rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
            var rows: [(String, [UInt8])] = []
            while rc == 0 {
                let keyBytes = UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size)
                guard keyBytes.starts(with: UnsafeRawBufferPointer(prefixBytes)) else { break }
                rows.append((String(decoding: keyBytes, as: UTF8.self), Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))))
                rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
            }
            count = rows.count
        }
        return count
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
