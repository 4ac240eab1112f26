internal import Crypto

/// Verification of Sui personal-message signatures.
///
/// A personal-message signature signs Blake2b-256(intent `[3, 0, 0]` || BCS `vector<u8>` of the
/// message). Ed25519 signs that digest directly; Secp256k1 and Secp256r1 sign SHA-256 of it and
/// must be low-s. The serialized form is `flag || signature (64 bytes) || public key`.
public enum SuiSignature {
    /// Verifies `serialized` over `message` as a personal message and returns the signer's address
    /// (Blake2b-256 of `flag || public key`). Throws ``SuiClientError`` with
    /// ``SuiClientError/Code/signatureMalformed``, ``SuiClientError/Code/signatureUnsupportedScheme``
    /// or ``SuiClientError/Code/signatureInvalid``.
    public static func verifyPersonalMessage(_ message: [UInt8], serialized: [UInt8]) throws -> SuiAddress {
        try verify(intent: .personalMessage, message: message, serialized: serialized)
    }

    /// Verifies `serialized` over `message` under `intent` and returns the signer's address.
    package static func verify(intent: SuiIntent, message: [UInt8], serialized: [UInt8]) throws -> SuiAddress {
        let parts = try Parts(serialized)
        return try verify(parts, digest: intent.digest(message))
    }

    /// Verifies `serialized` over an already computed 32-byte intent digest.
    package static func verify(digest: [UInt8], serialized: [UInt8]) throws -> SuiAddress {
        try verify(Parts(serialized), digest: digest)
    }

    /// `flag || signature || public key` for `signature` and `publicKey` of `scheme`.
    package static func serialize(scheme: SuiSignatureScheme, signature: [UInt8], publicKey: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [scheme.rawValue]
        out.reserveCapacity(1 + signature.count + publicKey.count)
        out.append(contentsOf: signature)
        out.append(contentsOf: publicKey)
        return out
    }

    /// The address of a public key: Blake2b-256(flag || public key).
    package static func address(scheme: SuiSignatureScheme, publicKey: ArraySlice<UInt8>) -> SuiAddress {
        let digest = Blake2b.hash256 { update in
            withUnsafeBytes(of: scheme.rawValue) { update($0) }
            publicKey.withUnsafeBytes(update)
        }
        // Blake2b.hash256 always returns 32 bytes.
        return SuiAddress(bytes: digest)!
    }

    /// The pieces of a serialized single-key signature.
    package struct Parts {
        /// The scheme named by the flag byte.
        package var scheme: SuiSignatureScheme
        /// The 64-byte signature.
        package var signature: ArraySlice<UInt8>
        /// The public key: 32 bytes for Ed25519, 33 (compressed SEC1) for Secp256k1 and Secp256r1.
        package var publicKey: ArraySlice<UInt8>

        /// Splits `serialized`, checking the flag and the length that flag implies.
        package init(_ serialized: [UInt8]) throws {
            guard let flag = serialized.first else {
                throw SuiClientError(code: .signatureMalformed, message: "empty serialized signature")
            }
            guard let scheme = SuiSignatureScheme(rawValue: flag) else {
                if (0x03...0x06).contains(flag) {
                    let names: [UInt8: String] = [3: "multisig", 4: "BLS12-381", 5: "zkLogin", 6: "passkey"]
                    throw SuiClientError(
                        code: .signatureUnsupportedScheme,
                        message: "signature scheme \(names[flag] ?? "") (flag \(flag)) is not supported")
                }
                throw SuiClientError(code: .signatureMalformed, message: "unknown signature flag \(flag)")
            }
            let keyLength = scheme == .ed25519 ? 32 : 33
            guard serialized.count == 1 + 64 + keyLength else {
                throw SuiClientError(
                    code: .signatureMalformed,
                    message: "a \(scheme) signature is \(1 + 64 + keyLength) bytes, not \(serialized.count)")
            }
            self.scheme = scheme
            self.signature = serialized[1..<65]
            self.publicKey = serialized[65...]
        }
    }

    private static func verify(_ parts: Parts, digest: [UInt8]) throws -> SuiAddress {
        guard digest.count == 32 else {
            throw SuiClientError(code: .invalidArgument, message: "an intent digest is 32 bytes, not \(digest.count)")
        }
        switch parts.scheme {
        case .ed25519:
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: parts.publicKey) else {
                throw SuiClientError(code: .signatureMalformed, message: "not an Ed25519 public key")
            }
            guard key.isValidSignature(parts.signature, for: digest) else {
                throw SuiClientError(code: .signatureInvalid, message: "the Ed25519 signature does not verify")
            }
        case .secp256k1:
            switch Secp256k1.verify(signature: parts.signature, hash: Array(SHA256.hash(data: digest)), publicKey: parts.publicKey) {
            case .success: break
            case .failure(.malformed):
                throw SuiClientError(code: .signatureMalformed, message: "not a Secp256k1 public key and signature")
            case .failure(.highS):
                throw SuiClientError(code: .signatureInvalid, message: "the Secp256k1 signature is not low-s")
            case .failure(.invalid):
                throw SuiClientError(code: .signatureInvalid, message: "the Secp256k1 signature does not verify")
            }
        case .secp256r1:
            guard let key = try? P256.Signing.PublicKey(compressedRepresentation: parts.publicKey) else {
                throw SuiClientError(code: .signatureMalformed, message: "not a Secp256r1 compressed public key")
            }
            guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: parts.signature) else {
                throw SuiClientError(code: .signatureMalformed, message: "not a Secp256r1 signature")
            }
            guard !Secp256r1.isHighS(parts.signature.suffix(32)) else {
                throw SuiClientError(code: .signatureInvalid, message: "the Secp256r1 signature is not low-s")
            }
            guard key.isValidSignature(signature, for: SHA256.hash(data: digest)) else {
                throw SuiClientError(code: .signatureInvalid, message: "the Secp256r1 signature does not verify")
            }
        }
        return address(scheme: parts.scheme, publicKey: parts.publicKey)
    }
}
