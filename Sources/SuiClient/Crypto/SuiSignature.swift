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
        throw SuiClientError(code: .signatureUnsupportedScheme, message: "personal-message verification is being built")
    }
}
