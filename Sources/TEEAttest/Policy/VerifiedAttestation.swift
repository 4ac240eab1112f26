public import Foundation
public import X509

/// A document that passed every check of ``AttestationVerifier/verify(_:expectations:)``.
public struct VerifiedAttestation: Sendable {
    /// The authenticated payload.
    public var document: AttestationDocument
    /// The leaf certificate that signed it.
    public var leafCertificate: Certificate
    /// Leaf first, ending with the trusted root.
    public var chain: [Certificate]
    /// The time the chain and policy were evaluated at.
    public var verifiedAt: Date
    /// Whether the COSE_Sign1 carried tag 18.
    public var coseTagged: Bool

    /// The issuing module (Nitro enclave id, or `daas-dev`).
    public var moduleID: String { document.moduleID }
    /// The document's creation time.
    public var timestamp: Date { Date(timeIntervalSince1970: Double(document.timestampMilliseconds) / 1000) }
    /// PCR index to value.
    public var pcrs: [Int: [UInt8]] { document.pcrs }
    /// The bound public key (DaaS: the master's TLS SubjectPublicKeyInfo DER), if any.
    public var publicKey: [UInt8]? { document.publicKey }
    /// The bound application data, if any.
    public var userData: [UInt8]? { document.userData }
    /// The nonce, if any.
    public var nonce: [UInt8]? { document.nonce }
}
