import Crypto

/// Seals and opens values with AES-256-GCM.
///
/// Envelope layout (version 1):
///
/// ```
/// 0x01 | key id (8 bytes) | nonce (12 bytes) | ciphertext | tag (16 bytes)
/// ```
///
/// The associated data is a domain string, the key path and the key id, so a value copied under
/// another key, or relabelled with another key id, fails to open. Every seal draws a fresh random
/// 96-bit nonce from the system's secure random source.
enum Sealer {
    static let version: UInt8 = 1
    static let headerSize = 1 + 8 + 12
    static let overhead = headerSize + 16
    private static let domain = Array("k3s-daas/encstore/v1".utf8)

    static func seal(_ plaintext: [UInt8], path: String, with key: DataKey) -> [UInt8] {
        let nonce = AES.GCM.Nonce()
        // AES-GCM sealing with a valid 256-bit key and a 12-byte nonce cannot fail.
        let box = try! AES.GCM.seal(
            plaintext, using: key.key, nonce: nonce,
            authenticating: associatedData(path: path, keyID: key.idBytes))
        var out = [UInt8]()
        out.reserveCapacity(overhead + plaintext.count)
        out.append(version)
        out.append(contentsOf: key.idBytes)
        out.append(contentsOf: nonce)
        out.append(contentsOf: box.ciphertext)
        out.append(contentsOf: box.tag)
        return out
    }

    /// The identifier of the key an envelope was sealed with, or `nil` if it is not an envelope.
    static func keyID(of envelope: UnsafeRawBufferPointer) -> String? {
        guard envelope.count >= overhead, envelope[0] == version else { return nil }
        return hexString(envelope[1..<9])
    }

    static func open(_ envelope: UnsafeRawBufferPointer, path: String, ring: KeyRing) throws -> [UInt8] {
        guard envelope.count >= overhead, envelope[0] == version else { throw StoreError.integrity(key: path) }
        guard let key = ring.key(idWord: envelope.loadUnaligned(fromByteOffset: 1, as: UInt64.self)) else {
            throw StoreError.wrongKey(
                "value of key \(path) is sealed with key \(keyID(of: envelope) ?? "?"), which the key provider did not supply")
        }
        do {
            let nonce = try AES.GCM.Nonce(data: envelope[9..<21])
            let box = try AES.GCM.SealedBox(
                nonce: nonce, ciphertext: envelope[21..<(envelope.count - 16)],
                tag: envelope[(envelope.count - 16)...])
            return try Array(AES.GCM.open(box, using: key.key, authenticating: associatedData(path: path, keyID: key.idBytes)))
        } catch {
            throw StoreError.integrity(key: path)
        }
    }

    private static func associatedData(path: String, keyID: [UInt8]) -> [UInt8] {
        var ad = domain
        ad.append(0)
        ad.append(contentsOf: path.utf8)
        ad.append(0)
        ad.append(contentsOf: keyID)
        return ad
    }

}
