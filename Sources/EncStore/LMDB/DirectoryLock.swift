import Foundation

/// An exclusive, advisory lock on a store directory held for as long as the store is open, as
/// etcd locks its data directory: a second process that opens the same directory (another
/// master, or `daasctl store` against a running master's store) is refused with the holder's pid
/// and name instead of writing the same store.
///
/// The lock is `flock(2)` on `<directory>/daas.lock`, so the kernel releases it when the holder
/// exits, however it exits; the file's contents (`<pid> <program>`) only name the holder.
final class DirectoryLock: Sendable {
    /// The lock file's name inside the directory.
    static let fileName = "daas.lock"
    /// How many times (10 ms apart, so half a second in all) a held lock is tried again.
    static let contendedRetryAttempts = 50

    private let descriptor: Int32

    /// Takes the lock on `directory` (which must exist) or throws ``StoreError/Code/inUse``.
    init(directory: String) throws {
        let path = directory + "/" + Self.fileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreError.storage("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
        // A child this process is spawning holds a copy of every descriptor until it execs (the
        // descriptor is close-on-exec), so a lock released a moment ago can still look held:
        // retry for half a second before naming a holder.
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let reason = errno
            if reason == EWOULDBLOCK, attempts < Self.contendedRetryAttempts {
                attempts += 1
                usleep(10_000)
                continue
            }
            let holder = Self.holder(descriptor)
            close(descriptor)
            if reason == EWOULDBLOCK {
                throw StoreError.inUse(directory, holder: holder)
            }
            throw StoreError.storage("cannot lock \(path): \(String(cString: strerror(reason)))")
        }
        let name = "\(getpid()) \(ProcessInfo.processInfo.processName)\n"
        _ = ftruncate(descriptor, 0)
        _ = name.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        self.descriptor = descriptor
    }

    /// What the holder wrote into the lock file: `pid <n>, <program>`, or nil when unreadable.
    private static func holder(_ descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 255, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first ?? ""
        let parts = text.split(separator: " ", maxSplits: 1)
        guard let pid = parts.first.flatMap({ Int32($0) }) else { return nil }
        let program = parts.count > 1 ? String(parts[1].prefix(64)) : "unknown program"
        return "pid \(pid), \(program)"
    }

    /// Releases the lock (closing the descriptor ends the flock).
    deinit { close(descriptor) }
}
