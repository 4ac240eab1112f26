import Foundation

/// Where a store's data keys come from.
///
/// - A key file holds one base64 key per line; the first line is the key new values are sealed
///   with, later lines are keys still needed to open older values (during a rotation). Lines
///   starting with `#` are comments. The file is created with a fresh key and mode 0600 when
///   missing, and refused when group or others can read it.
/// - An environment variable holds the same base64 keys separated by commas.
public struct KeyProvider: Sendable, CustomStringConvertible {
    enum Source: Sendable {
        case file(String)
        case environment(String)
    }

    let source: Source

    /// Keys from the file at `path`, created with a fresh key (mode 0600) if it does not exist.
    public static func file(_ path: String) -> KeyProvider { KeyProvider(source: .file(path)) }

    /// Keys from the environment variable `name` (default `DAAS_STORE_KEY`).
    public static func environment(_ name: String = "DAAS_STORE_KEY") -> KeyProvider {
        KeyProvider(source: .environment(name))
    }

    public var description: String {
        switch source {
        case .file(let path): "key file \(path)"
        case .environment(let name): "environment variable \(name)"
        }
    }

    /// Loads the key ring: the first key is active, the rest can still open values.
    public func loadKeyRing() throws -> KeyRing {
        let keys = try loadKeys()
        return KeyRing(active: keys[0], others: Array(keys.dropFirst()))
    }

    func loadKeys() throws -> [DataKey] {
        switch source {
        case .environment(let name):
            guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else {
                throw StoreError.badKeyMaterial("environment variable \(name) is not set")
            }
            return try parse(text.split(separator: ",").map(String.init), origin: "environment variable \(name)")
        case .file(let path):
            if !FileManager.default.fileExists(atPath: path) {
                try Self.writeKeyFile(path, keys: [DataKey.generate()])
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
            guard mode & 0o077 == 0 else {
                throw StoreError.badKeyMaterial(
                    "key file \(path) has mode \(String(mode, radix: 8)); it must not be readable by group or others (chmod 600)")
            }
            guard let data = FileManager.default.contents(atPath: path), data.count <= 64 * 1024,
                let text = String(data: data, encoding: .utf8)
            else {
                throw StoreError.badKeyMaterial("key file \(path) is unreadable, too large or not text")
            }
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            return try parse(lines.filter { !$0.isEmpty && !$0.hasPrefix("#") }, origin: "key file \(path)")
        }
    }

    private func parse(_ entries: [String], origin: String) throws -> [DataKey] {
        guard !entries.isEmpty else { throw StoreError.badKeyMaterial("\(origin) holds no key") }
        return try entries.enumerated().map { index, entry in
            do {
                return try DataKey(base64: entry)
            } catch {
                throw StoreError.badKeyMaterial("\(origin): key \(index + 1) is not 32 bytes of base64")
            }
        }
    }

    /// Persists `keys` (the first one active) where this provider reads them.
    /// - Throws: ``StoreError/Code/badKeyMaterial`` for an environment variable, which the
    ///   process cannot change for the next start.
    func storeKeys(_ keys: [DataKey]) throws {
        switch source {
        case .file(let path):
            try Self.writeKeyFile(path, keys: keys)
        case .environment(let name):
            throw StoreError.badKeyMaterial(
                "keys from environment variable \(name) cannot be rotated in place; use a key file")
        }
    }

    /// Writes a key file atomically with mode 0600: a temporary file, fsync, rename, fsync of the directory.
    static func writeKeyFile(_ path: String, keys: [DataKey]) throws {
        let body = "# k3s-daas EncStore data keys: first line seals new values. Keep this file secret.\n"
            + keys.map(\.base64).joined(separator: "\n") + "\n"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let temporary = path + ".tmp-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw StoreError.badKeyMaterial("cannot create key file \(temporary): errno \(errno)") }
        let bytes = Array(body.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw StoreError.badKeyMaterial("cannot write key file \(path): errno \(errno)")
        }
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }
}
