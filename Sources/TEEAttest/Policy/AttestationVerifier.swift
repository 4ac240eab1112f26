import Foundation
import Metrics
import SwiftASN1
public import X509

/// Verifies Nitro attestation documents: CBOR, COSE_Sign1 ES384, certificate chain, then policy.
///
/// ```swift
/// let verifier = try AttestationVerifier()            // AWS Nitro root G1
/// let verified = try verifier.verify(bytes, expectations: .init(pcrs: [0: pcr0], nonce: nonce))
/// ```
/// The chain is validated before the COSE signature so a tampered certificate is reported as a
/// chain failure; every check must pass either way.
public struct AttestationVerifier: Sendable {
    /// Verifier settings.
    public struct Configuration: Sendable {
        /// Trust anchors. Default: the AWS Nitro Enclaves Root-G1 (``NitroRoot``).
        public var roots: [Certificate]
        /// Limits for decoding the document and its payload. Default: ``CBORLimits`` defaults.
        public var limits: CBORLimits
        /// Remembers verified certificate links across calls. Default: nil, every signature is
        /// checked on every call.
        public var linkCache: VerifiedLinkCache?

        /// Settings with the AWS Nitro root and default limits.
        public init() throws {
            self.init(roots: [try NitroRoot.certificate])
        }

        /// Settings with the given anchors (for example the dev attester's root).
        public init(roots: [Certificate], limits: CBORLimits = CBORLimits(), linkCache: VerifiedLinkCache? = nil) {
            self.roots = roots
            self.limits = limits
            self.linkCache = linkCache
        }
    }

    /// The settings in use.
    public let configuration: Configuration
    private let chainValidator: CertificateChainValidator
    private let decoder: CBORDecoder

    /// A verifier with the given settings.
    public init(configuration: Configuration) {
        self.configuration = configuration
        self.chainValidator = CertificateChainValidator(roots: configuration.roots, cache: configuration.linkCache)
        self.decoder = CBORDecoder(limits: configuration.limits)
    }

    /// A verifier trusting the AWS Nitro root.
    public init() throws {
        self.init(configuration: try Configuration())
    }

    /// A verifier trusting the PEM certificate(s) in `rootPEM` instead of the AWS root.
    public init(rootPEM: String) throws {
        let roots: [Certificate]
        do {
            roots = try PEMDocument.parseMultiple(pemString: rootPEM).map { try Certificate(pemDocument: $0) }
        } catch {
            throw AttestationError(.chainCertificateMalformed, "the configured root is not a PEM certificate: \(error)")
        }
        guard !roots.isEmpty else {
            throw AttestationError(.chainCertificateMalformed, "the configured root PEM holds no certificate")
        }
        self.init(configuration: Configuration(roots: roots))
    }

    /// A verifier trusting the PEM certificate(s) in the file at `path` (at most 64 KiB).
    public init(rootPEMFile path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AttestationError(.chainCertificateMalformed, "cannot read the root \(path)")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: 64 * 1024 + 1)) ?? Data()
        guard data.count <= 64 * 1024 else { throw AttestationError(.inputTooLarge, "the root \(path) is larger than 64 KiB") }
        try self.init(rootPEM: String(decoding: data, as: UTF8.self))
    }

    /// Verifies `document` (the COSE_Sign1 bytes, tagged or untagged) against `expectations`.
    /// - Returns: the authenticated fields and chain.
    /// - Throws: ``AttestationError``; its code says which check failed.
    ///
    /// Each call is counted in `teeattest_verifications_total` (label `result`: ok or the error
    /// code) through swift-metrics.
    public func verify(_ document: [UInt8], expectations: AttestationExpectations = AttestationExpectations()) throws -> VerifiedAttestation {
        do {
            let verified = try verifyUncounted(document, expectations: expectations)
            Counter(label: "teeattest_verifications_total", dimensions: [("result", "ok")]).increment()
            return verified
        } catch {
            let result = (error as? AttestationError)?.code.rawValue ?? "error"
            Counter(label: "teeattest_verifications_total", dimensions: [("result", result)]).increment()
            throw error
        }
    }

    private func verifyUncounted(_ document: [UInt8], expectations: AttestationExpectations) throws -> VerifiedAttestation {
        let time = expectations.time ?? Date()
        let cose = try COSESign1(decoding: document, decoder: decoder)
        let payload = try AttestationDocument(payload: decoder.decode(cose.payload))
        let chain = try chainValidator.validate(certificate: payload.certificate, cabundle: payload.cabundle, at: time)
        try cose.verifyES384(with: chain.leafKey)
        try expectations.check(payload, at: time)
        return VerifiedAttestation(document: payload, leafCertificate: chain.leaf, chain: chain.path, verifiedAt: time, coseTagged: cose.tagged)
    }

    /// Reads a saved document: binary CBOR (first byte 0x84 or tag 18's 0xd2) or hex text.
    /// - Throws: ``AttestationError`` `input.invalid_hex` or `input.too_large`.
    public static func documentBytes(fromFile contents: [UInt8], limits: CBORLimits = CBORLimits()) throws -> [UInt8] {
        guard contents.count <= limits.maxInputBytes * 2 + 16 else {
            throw AttestationError(.inputTooLarge, "document file of \(contents.count) bytes is too large")
        }
        if let first = contents.first, first == 0x84 || first == 0xd2 {
            return contents
        }
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw AttestationError(.inputInvalidHex, "the document is neither COSE_Sign1 CBOR nor hex text")
        }
        return try Hex.decode(text)
    }
}
