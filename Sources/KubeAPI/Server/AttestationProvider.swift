/// Produces attestation documents for `GET /daas/v1/attestation?nonce=<hex>`.
///
/// KubeAPI does not know attestation formats: the master composes a provider from TEEAttest (the
/// Nitro NSM or the dev attester) that binds the server's TLS public key and the cluster CA.
public protocol AttestationProvider: Sendable {
    /// A fresh document for `nonce`, in its wire form (CBOR COSE_Sign1 for Nitro).
    func attestation(nonce: [UInt8]) async throws -> [UInt8]
}
