import Crypto
import Foundation

/// A 256-bit AES-GCM data key and its identifier.
///
/// The identifier is derived from the key material (the first 8 bytes of SHA-256 over a domain
/// string and the key), so a wrong key is recognised by its identifier alone, before any value is read.
public struct DataKey: Sendable {
    /// The key identifier: 16 lowercase hex digits.
    public let id: String
    let idBytes: [UInt8]
    /// The id bytes read as one native-endian word, as ``Sealer`` reads them from an envelope.
    let idWord: UInt64
    let key: SymmetricKey

    /// Wraps 32 bytes of key material.
    /// - Throws: ``StoreError/Code/badKeyMaterial`` when `bytes` is not 32 bytes long.
    public init(bytes: some Collection<UInt8>) throws {
        guard bytes.count == 32 else {
            throw StoreError.badKeyMaterial("a data key must be 32 bytes, got \(bytes.count)")
        }
        let material = Array(bytes)
        self.key = SymmetricKey(data: material)
        var hasher = SHA256()
        hasher.update(data: Array("k3s-daas/encstore/key-id/v1".utf8))
        hasher.update(data: material)
        self.idBytes = Array(hasher.finalize().prefix(8))
        self.id = hexString(idBytes)
        self.idWord = idBytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }

    /// A fresh random key from the system's secure random source.
    public static func generate() -> DataKey {
        let key = SymmetricKey(size: .bits256)
        // Cannot fail: the length is right by construction.
        return try! DataKey(bytes: key.withUnsafeBytes { Array($0) })
    }

    /// The key material in standard base64, the form key files and variables hold.
    public var base64: String {
        key.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Parses the base64 form.
    public init(base64: String) throws {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespaces)) else {
            throw StoreError.badKeyMaterial("data key is not valid base64")
        }
        try self.init(bytes: data)
    }
}
