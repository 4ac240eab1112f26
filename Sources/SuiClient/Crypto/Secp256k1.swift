internal import CSecp256k1

/// ECDSA over secp256k1 through libsecp256k1, with one context for the whole process.
///
/// A libsecp256k1 context is immutable after creation and randomisation, so it is safe to share
/// between threads for signing, verification and key derivation.
package enum Secp256k1 {
    /// The process-wide context, created and randomised once on first use.
    nonisolated(unsafe) private static let context: OpaquePointer = {
        guard let context = secp256k1_context_create(csecp256k1_context_none) else {
            preconditionFailure("libsecp256k1 could not create a context")
        }
        var seed = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in seed.indices { seed[index] = generator.next() }
        _ = secp256k1_context_randomize(context, seed)
        return context
    }()

    /// Whether `secret` is a valid secp256k1 private key (32 bytes, in 1 ..< n).
    package static func isValidPrivateKey(_ secret: [UInt8]) -> Bool {
        secret.count == 32 && secp256k1_ec_seckey_verify(context, secret) == 1
    }

    /// The 33-byte compressed SEC1 public key of `secret`; `nil` for an invalid secret.
    package static func publicKey(secret: [UInt8]) -> [UInt8]? {
        guard secret.count == 32 else { return nil }
        var point = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_create(context, &point, secret) == 1 else { return nil }
        return serialize(point)
    }

    /// Signs the 32-byte `hash` (RFC 6979 nonce) and returns the 64-byte compact `r || s`, which
    /// libsecp256k1 always produces in low-s form. `nil` for an invalid secret.
    package static func sign(hash: [UInt8], secret: [UInt8]) -> [UInt8]? {
        guard hash.count == 32, secret.count == 32 else { return nil }
        var signature = secp256k1_ecdsa_signature()
        guard secp256k1_ecdsa_sign(context, &signature, hash, secret, nil, nil) == 1 else { return nil }
        return [UInt8](unsafeUninitializedCapacity: 64) { out, count in
            _ = secp256k1_ecdsa_signature_serialize_compact(context, out.baseAddress!, &signature)
            count = 64
        }
    }

    /// Why a verification failed.
    package enum Failure: Error, Sendable {
        /// The public key is not a valid compressed point, or `r`/`s` is out of range.
        case malformed
        /// `s` is in the upper half of the group order; Sui accepts only low-s signatures.
        case highS
        /// The signature does not verify.
        case invalid
    }

    /// Verifies a 64-byte compact `r || s` over the 32-byte `hash` with a 33-byte compressed key.
    ///
    /// High-s signatures are rejected, not normalised, as Sui does.
    package static func verify(
        signature: ArraySlice<UInt8>, hash: [UInt8], publicKey: ArraySlice<UInt8>
    ) -> Result<Void, Failure> {
        guard signature.count == 64, hash.count == 32, publicKey.count == 33 else { return .failure(.malformed) }
        var point = secp256k1_pubkey()
        let parsedKey = publicKey.withUnsafeBufferPointer { secp256k1_ec_pubkey_parse(context, &point, $0.baseAddress!, 33) }
        guard parsedKey == 1 else { return .failure(.malformed) }
        var parsed = secp256k1_ecdsa_signature()
        let parsedSignature = signature.withUnsafeBufferPointer {
            secp256k1_ecdsa_signature_parse_compact(context, &parsed, $0.baseAddress!)
        }
        guard parsedSignature == 1 else { return .failure(.malformed) }
        // normalize returns 1 when its input was high-s.
        guard secp256k1_ecdsa_signature_normalize(context, nil, &parsed) == 0 else { return .failure(.highS) }
        return secp256k1_ecdsa_verify(context, &parsed, hash, &point) == 1 ? .success(()) : .failure(.invalid)
    }

    private static func serialize(_ point: secp256k1_pubkey) -> [UInt8] {
        var point = point
        return [UInt8](unsafeUninitializedCapacity: 33) { out, count in
            var length = 33
            _ = secp256k1_ec_pubkey_serialize(context, out.baseAddress!, &length, &point, csecp256k1_ec_compressed)
            count = length
        }
    }
}
