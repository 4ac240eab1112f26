internal import Foundation

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The Sui CLI keystore (`~/.sui/sui_config/sui.keystore`): a JSON array of base64 strings, each
/// `flag || 32-byte private key`.
///
/// ``load(path:)`` refuses a file that group or other may read or write, and ``save(path:)``
/// writes atomically with mode 0600 (creating a missing parent directory with mode 0700).
public struct SuiKeystore: Sendable {
    /// The largest keystore file ``load(path:)`` reads: 1 MiB, far more than any real keystore.
    public static let maximumFileSize = 1 << 20

    /// Where K3s-DaaS's tools keep their keystore unless told otherwise: `$DAAS_KEYSTORE`, else
    /// `$HOME/.daas/sui.keystore` (Foundation's home directory on Linux ignores `$HOME`, so it is
    /// read first).
    public static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["DAAS_KEYSTORE"], !path.isEmpty { return path }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.daas/sui.keystore"
    }

    /// The keys, in file order.
    public private(set) var keys: [SuiKeyPair]

    /// A keystore holding `keys`.
    public init(keys: [SuiKeyPair] = []) {
        self.keys = []
        for key in keys { add(key) }
    }

    /// Adds `key` at the end, unless a key with the same address is already present.
    public mutating func add(_ key: SuiKeyPair) {
        guard !keys.contains(key) else { return }
        keys.append(key)
    }

    /// The key for `address`, or the first key when `address` is nil.
    ///
    /// - Throws: ``SuiClientError/Code/keystoreEmpty`` when there is no key,
    ///   ``SuiClientError/Code/keystoreKeyNotFound`` when none has `address`.
    public func keyPair(for address: SuiAddress?) throws -> SuiKeyPair {
        guard let first = keys.first else {
            throw SuiClientError(code: .keystoreEmpty, message: "the keystore holds no key")
        }
        guard let address else { return first }
        guard let key = keys.first(where: { $0.address == address }) else {
            throw SuiClientError(code: .keystoreKeyNotFound, message: "the keystore holds no key for \(address)")
        }
        return key
    }

    /// Parses keystore JSON.
    ///
    /// - Throws: ``SuiClientError/Code/keystoreMalformed`` for anything but a JSON array of base64
    ///   `flag || 32-byte private key` strings; the message names the entry, never its content.
    public init(json: [UInt8]) throws {
        // The bounded parser, not Foundation's JSONDecoder, which traps on deep nesting.
        guard case .array(let items)? = try? SuiValue.parse(json, limits: .init(maxBytes: Self.maximumFileSize, maxDepth: 2)),
            case let entries = items.compactMap(\.string), entries.count == items.count
        else {
            throw SuiClientError(code: .keystoreMalformed, message: "a keystore is a JSON array of base64 strings")
        }
        var keys: [SuiKeyPair] = []
        keys.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            guard let bytes = Data(base64Encoded: entry) else {
                throw SuiClientError(code: .keystoreMalformed, message: "keystore entry \(index) is not base64")
            }
            do {
                keys.append(try SuiKeyPair(flaggedPrivateKey: Array(bytes)))
            } catch let error as SuiClientError {
                throw SuiClientError(code: .keystoreMalformed, message: "keystore entry \(index): \(error.message)")
            }
        }
        self.init(keys: keys)
    }

    /// The keystore JSON, formatted as the Sui CLI writes it.
    public var json: [UInt8] {
        let lines = keys.map { "  \"\(Data($0.flaggedPrivateKey).base64EncodedString())\"" }
        return Array((keys.isEmpty ? "[]" : "[\n" + lines.joined(separator: ",\n") + "\n]").utf8)
    }

    /// Reads the keystore at `path`.
    ///
    /// - Throws: ``SuiClientError/Code/keystoreUnreadable`` when the file is missing or unreadable,
    ///   ``SuiClientError/Code/keystoreInsecurePermissions`` when group or other have any access,
    ///   ``SuiClientError/Code/keystoreTooLarge`` above ``maximumFileSize``, and
    ///   ``SuiClientError/Code/keystoreMalformed`` for bad content.
    public static func load(path: String) throws -> SuiKeystore {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SuiClientError(code: .keystoreUnreadable, message: "cannot open keystore \(path): \(errnoText())")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SuiClientError(code: .keystoreUnreadable, message: "cannot stat keystore \(path): \(errnoText())")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SuiClientError(code: .keystoreUnreadable, message: "keystore \(path) is not a regular file")
        }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw SuiClientError(
                code: .keystoreInsecurePermissions,
                message: "keystore \(path) has mode \(String(mode, radix: 8)); it holds private keys, run chmod 600 \(path)")
        }
        guard status.st_size <= maximumFileSize else {
            throw SuiClientError(code: .keystoreTooLarge, message: "keystore \(path) is larger than \(maximumFileSize) bytes")
        }
        var content: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SuiClientError(code: .keystoreUnreadable, message: "cannot read keystore \(path): \(errnoText())")
            }
            if count == 0 { break }
            content.append(contentsOf: buffer[..<count])
            guard content.count <= maximumFileSize else {
                throw SuiClientError(code: .keystoreTooLarge, message: "keystore \(path) is larger than \(maximumFileSize) bytes")
            }
        }
        return try SuiKeystore(json: content)
    }

    /// Writes the keystore to `path` atomically (a temporary file in the same directory, synced,
    /// then renamed) with mode 0600, creating a missing parent directory with mode 0700.
    ///
    /// - Throws: ``SuiClientError/Code/keystoreUnreadable`` when the directory or file cannot be
    ///   written.
    public func save(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw SuiClientError(code: .keystoreUnreadable, message: "cannot create directory \(directory)")
            }
        }
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SuiClientError(code: .keystoreUnreadable, message: "cannot create \(temporary): \(errnoText())")
        }
        var written = false
        defer { if !written { unlink(temporary) } }
        let bytes = json
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                close(descriptor)
                throw SuiClientError(code: .keystoreUnreadable, message: "cannot write \(temporary): \(errnoText())")
            }
            offset += count
        }
        let synced = fsync(descriptor) == 0
        guard close(descriptor) == 0, synced else {
            throw SuiClientError(code: .keystoreUnreadable, message: "cannot sync \(temporary): \(errnoText())")
        }
        guard rename(temporary, path) == 0 else {
            throw SuiClientError(code: .keystoreUnreadable, message: "cannot replace \(path): \(errnoText())")
        }
        written = true
    }
}

/// The text of the current `errno`.
private func errnoText() -> String { String(cString: strerror(errno)) }
