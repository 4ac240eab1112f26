import CLMDB
import Metrics
import Foundation
import Synchronization

/// An open LMDB environment with the three databases the store uses.
///
/// LMDB environments are safe to share between threads. The environment is opened with
/// `MDB_NOTLS`, so read-only transactions may run on any thread; write transactions run only
/// on the backend's single writer thread. Every commit is synchronous (no `MDB_NOSYNC`), so a
/// committed write survives a crash of the process or the machine.
final class LMDBEnvironment: Sendable {
    /// The named databases inside the environment.
    struct Databases: Sendable {
        /// key path -> current record.
        let current: MDB_dbi
        /// revision (8 bytes big-endian) + index (4 bytes big-endian) -> history event.
        let history: MDB_dbi
        /// name -> store metadata (revision, compaction point, key check values).
        let meta: MDB_dbi
    }

    private nonisolated(unsafe) let env: OpaquePointer
    let databases: Databases
    let path: String
    /// The inter-process lock on the directory, released with the environment.
    private let lock: Mutex<DirectoryLock?>
    private let activeReaders = Atomic<Int>(0)
    private let isClosed = Atomic<Bool>(false)

    /// Directories open in this process: LMDB forbids opening one environment twice in a process.
    private static let openPaths = Mutex<Set<String>>([])

    /// Opens (creating if needed, mode 0700 / files 0600) the environment in `directory`.
    init(directory: String, mapSize: Int, maxReaders: Int) throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        guard Self.openPaths.withLock({ $0.insert(path).inserted }) else { throw StoreError.alreadyOpen(path) }
        var handle: OpaquePointer?
        do {
            // Another process first: LMDB would let two processes share the files, but two
            // stores over them would each believe they own the revision counter.
            let lock = try DirectoryLock(directory: path)
            try Self.check(mdb_env_create(&handle), "creating the LMDB environment")
            guard let handle else { throw StoreError.storage("mdb_env_create returned no environment") }
            try Self.check(mdb_env_set_mapsize(handle, mapSize), "setting the map size")
            try Self.check(mdb_env_set_maxdbs(handle, 4), "setting the database count")
            try Self.check(mdb_env_set_maxreaders(handle, UInt32(maxReaders)), "setting the reader count")
            try Self.check(mdb_env_open(handle, path, UInt32(MDB_NOTLS), 0o600), "opening \(path)")
            var txn: OpaquePointer?
            try Self.check(mdb_txn_begin(handle, nil, 0, &txn), "opening the databases")
            var dbis: [MDB_dbi] = []
            for name in ["current", "history", "meta"] {
                var dbi: MDB_dbi = 0
                let rc = mdb_dbi_open(txn, name, UInt32(MDB_CREATE), &dbi)
                guard rc == 0 else {
                    mdb_txn_abort(txn)
                    try Self.check(rc, "opening database \(name)")
                    break
                }
                dbis.append(dbi)
            }
            try Self.check(mdb_txn_commit(txn), "opening the databases")
            self.env = handle
            self.databases = Databases(current: dbis[0], history: dbis[1], meta: dbis[2])
            self.path = path
            self.lock = Mutex(lock)
        } catch {
            if let handle { mdb_env_close(handle) }
            _ = Self.openPaths.withLock { $0.remove(path) }
            throw error
        }
    }

    /// Runs `body` in a read-only transaction on the calling thread.
    func read<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        activeReaders.add(1, ordering: .sequentiallyConsistent)
        defer { activeReaders.subtract(1, ordering: .sequentiallyConsistent) }
        guard !isClosed.load(ordering: .sequentiallyConsistent) else { throw StoreError.closed() }
        var txn: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "beginning a read transaction")
        defer { mdb_txn_abort(txn) }
        return try body(LMDBTransaction(handle: txn!))
    }

    /// Runs `body` in a write transaction and commits it (with fsync). Call from one thread only.
    func write<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        guard !isClosed.load(ordering: .sequentiallyConsistent) else { throw StoreError.closed() }
        var txn: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, 0, &txn), "beginning a write transaction")
        let result: T
        do {
            result = try body(LMDBTransaction(handle: txn!))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        // mdb_txn_commit frees the transaction whether or not it succeeds. Its time (the page
        // writes and their fsync) is etcd's etcd_disk_backend_commit_duration_seconds.
        let started = ContinuousClock.now
        let status = mdb_txn_commit(txn)
        Timer(label: "encstore_disk_commit_duration_seconds").record(duration: ContinuousClock.now - started)
        try Self.check(status, "committing a write transaction")
        return result
    }

    /// Waits for running reads, then closes the environment and releases the directory.
    func close() {
        guard !isClosed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        while activeReaders.load(ordering: .sequentiallyConsistent) > 0 { sched_yield() }
        mdb_env_close(env)
        lock.withLock { $0 = nil }
        _ = Self.openPaths.withLock { $0.remove(path) }
    }

    deinit { close() }

    static func check(_ rc: Int32, _ what: String) throws {
        guard rc != 0 else { return }
        let reason = String(cString: mdb_strerror(rc))
        if rc == MDB_MAP_FULL {
            throw StoreError.storage("\(what): \(reason); raise the store's map size")
        }
        throw StoreError.storage("\(what): \(reason)")
    }
}

/// One LMDB transaction. Buffers it returns point into the map and are valid until it ends.
struct LMDBTransaction {
    let handle: OpaquePointer

    func get(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        var k = MDB_val(key)
        var v = MDB_val()
        let rc = mdb_get(handle, dbi, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try LMDBEnvironment.check(rc, "reading a key")
        return UnsafeRawBufferPointer(v)
    }

    func put(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws {
        var k = MDB_val(key)
        var v = MDB_val(value)
        try LMDBEnvironment.check(mdb_put(handle, dbi, &k, &v, 0), "writing a key")
    }

    @discardableResult
    func delete(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer) throws -> Bool {
        var k = MDB_val(key)
        let rc = mdb_del(handle, dbi, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try LMDBEnvironment.check(rc, "deleting a key")
        return true
    }

    /// Runs `body` with a cursor on `dbi`.
    func withCursor<T>(_ dbi: MDB_dbi, _ body: (LMDBCursor) throws -> T) throws -> T {
        var cursor: OpaquePointer?
        try LMDBEnvironment.check(mdb_cursor_open(handle, dbi, &cursor), "opening a cursor")
        defer { mdb_cursor_close(cursor) }
        return try body(LMDBCursor(handle: cursor!))
    }
}

/// A cursor over one database, in byte order of the keys.
struct LMDBCursor {
    typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
    let handle: OpaquePointer

    /// Positions at the first key `>= key` (at the first key when `key` is empty).
    func seek(_ key: UnsafeRawBufferPointer) throws -> Entry? {
        var k = MDB_val(key)
        return try move(&k, key.isEmpty ? MDB_FIRST : MDB_SET_RANGE)
    }

    func next() throws -> Entry? {
        var k = MDB_val()
        return try move(&k, MDB_NEXT)
    }

    /// Deletes the entry the cursor is on.
    func deleteCurrent() throws {
        try LMDBEnvironment.check(mdb_cursor_del(handle, 0), "deleting a key")
    }

    private func move(_ k: inout MDB_val, _ op: MDB_cursor_op) throws -> Entry? {
        var v = MDB_val()
        let rc = mdb_cursor_get(handle, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try LMDBEnvironment.check(rc, "moving a cursor")
        return (UnsafeRawBufferPointer(k), UnsafeRawBufferPointer(v))
    }
}

extension MDB_val {
    init(_ buffer: UnsafeRawBufferPointer) {
        self.init(mv_size: buffer.count, mv_data: UnsafeMutableRawPointer(mutating: buffer.baseAddress))
    }
}

extension UnsafeRawBufferPointer {
    init(_ value: MDB_val) {
        self.init(start: value.mv_data, count: value.mv_size)
    }
}
