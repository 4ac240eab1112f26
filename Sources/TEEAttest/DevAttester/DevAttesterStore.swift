#if canImport(CoreFoundation)
import CoreFoundation // on Linux the C `stat` struct's members are attributed to this module (MemberImportVisibility)
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// File access for the dev attester's state: private keys written 0600, refused when readable by
/// others, every file replaced atomically (write to a temporary name, fsync, rename).
enum DevAttesterStore {
    static func createDirectory(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw AttestationError(.devStorageFailed, "\(path) exists and is not a directory")
            }
            return
        }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw AttestationError(.devStorageFailed, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Reads a whole file of at most `limit` bytes; when `secret`, refuses group/other access.
    static func readFile(_ path: String, secret: Bool, limit: Int = 64 * 1024) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw AttestationError(.devStorageFailed, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw AttestationError(.devStorageFailed, "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        if secret, info.st_mode & 0o077 != 0 {
            throw AttestationError(.devInsecureKeyPermissions,
                                   "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)); private keys must be 0600")
        }
        guard Int(info.st_size) <= limit else {
            throw AttestationError(.devStorageFailed, "\(path) is larger than \(limit) bytes")
        }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AttestationError(.devStorageFailed, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out += buffer[0..<n]
            guard out.count <= limit else { throw AttestationError(.devStorageFailed, "\(path) is larger than \(limit) bytes") }
        }
        return out
    }

    /// Writes `bytes` to `path` atomically with `mode` (0600 for keys).
    static func writeFile(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw AttestationError(.devStorageFailed, "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        var ok = fchmod(fd, mode) == 0
        var written = 0
        while ok && written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { ok = false } else { written += n }
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw AttestationError(.devStorageFailed, "cannot write \(path): \(reason)")
        }
    }
}
