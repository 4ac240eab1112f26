/// Something that produces attestation documents: ``NSMDevice`` inside a Nitro Enclave,
/// ``DevAttester`` elsewhere. Both return COSE_Sign1 bytes that ``AttestationVerifier`` accepts.
public protocol Attester: Sendable {
    /// A fresh document binding the request's fields.
    /// - Throws: ``AttestationError``.
    func attest(_ request: AttestationRequest) throws -> [UInt8]
}
