import Crypto
import Foundation
import SwiftASN1
import TEEAttest
import Testing
import X509

/// Chains built here with swift-certificates, each breaking one rule the Nitro fixtures cannot.
@Suite("Certificate chain constraints")
struct ChainConstraintTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    struct Node {
        var certificate: Certificate
        var key: P384.Signing.PrivateKey
        var der: [UInt8] {
            var serializer = DER.Serializer()
            try? serializer.serialize(certificate)
            return serializer.serializedBytes
        }
    }

    static func issue(_ cn: String, by issuer: Node?, basic: BasicConstraints?, usage: KeyUsage?, extraCritical: Bool = false,
                      publicKey: Certificate.PublicKey? = nil) throws -> Node {
        let key = P384.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(cn) }
        var extensions = Certificate.Extensions()
        if let basic { try extensions.append(Certificate.Extension(basic, critical: true)) }
        if let usage { try extensions.append(Certificate.Extension(usage, critical: true)) }
        if extraCritical { try extensions.append(Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 99999, 1], critical: true, value: [0x05, 0x00])) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey ?? Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 3600, issuer: issuer?.certificate.subject ?? subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA384, extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(issuer?.key ?? key))
        return Node(certificate: certificate, key: key)
    }

    static let ca = BasicConstraints.isCertificateAuthority(maxPathLength: nil)
    static let caUsage = KeyUsage(keyCertSign: true, cRLSign: true)
    static let leafUsage = KeyUsage(digitalSignature: true)

    static func validate(root: Node, bundle: [Node], leaf: Node) -> AttestationError.Code? {
        errorCode {
            _ = try CertificateChainValidator(roots: [root.certificate])
                .validate(certificate: leaf.der, cabundle: [root.der] + bundle.map(\.der), at: now)
        }
    }

    @Test("a well-formed root, intermediate and leaf validate")
    func valid() throws {
        let root = try Self.issue("root", by: nil, basic: Self.ca, usage: Self.caUsage)
        let inter = try Self.issue("inter", by: root, basic: Self.ca, usage: Self.caUsage)
        let leaf = try Self.issue("leaf", by: inter, basic: .notCertificateAuthority, usage: Self.leafUsage)
        #expect(Self.validate(root: root, bundle: [inter], leaf: leaf) == nil)
    }

    @Test("an intermediate without cA is refused")
    func intermediateNotCA() throws {
        let root = try Self.issue("root", by: nil, basic: Self.ca, usage: Self.caUsage)
        let inter = try Self.issue("inter", by: root, basic: .notCertificateAuthority, usage: Self.caUsage)
        let leaf = try Self.issue("leaf", by: inter, basic: .notCertificateAuthority, usage: Self.leafUsage)
        #expect(Self.validate(root: root, bundle: [inter], leaf: leaf) == .chainConstraintsViolated)
    }

    @Test("a CA without keyCertSign is refused")
    func noKeyCertSign() throws {
        let root = try Self.issue("root", by: nil, basic: Self.ca, usage: Self.caUsage)
        let inter = try Self.issue("inter", by: root, basic: Self.ca, usage: KeyUsage(digitalSignature: true))
        let leaf = try Self.issue("leaf", by: inter, basic: .notCertificateAuthority, usage: Self.leafUsage)
        #expect(Self.validate(root: root, bundle: [inter], leaf: leaf) == .chainConstraintsViolated)
    }

    @Test("a path length of 0 on the root forbids an intermediate")
    func pathLength() throws {
        let root = try Self.issue("root", by: nil, basic: .isCertificateAuthority(maxPathLength: 0), usage: Self.caUsage)
        let inter = try Self.issue("inter", by: root, basic: Self.ca, usage: Self.caUsage)
        let leaf = try Self.issue("leaf", by: inter, basic: .notCertificateAuthority, usage: Self.leafUsage)
        #expect(Self.validate(root: root, bundle: [inter], leaf: leaf) == .chainConstraintsViolated)
        #expect(Self.validate(root: root, bundle: [], leaf: try Self.issue("leaf", by: root, basic: nil, usage: Self.leafUsage)) == nil)
    }

    @Test("a CA leaf, a leaf without digitalSignature and an unknown critical extension are refused")
    func leafRules() throws {
        let root = try Self.issue("root", by: nil, basic: Self.ca, usage: Self.caUsage)
        #expect(Self.validate(root: root, bundle: [], leaf: try Self.issue("leaf", by: root, basic: Self.ca, usage: Self.leafUsage)) == .chainConstraintsViolated)
        #expect(Self.validate(root: root, bundle: [], leaf: try Self.issue("leaf", by: root, basic: nil, usage: KeyUsage(keyAgreement: true))) == .chainConstraintsViolated)
        #expect(Self.validate(root: root, bundle: [], leaf: try Self.issue("leaf", by: root, basic: nil, usage: Self.leafUsage, extraCritical: true)) == .chainConstraintsViolated)
    }

    @Test("a leaf with a P-256 key is refused: ES384 needs P-384")
    func leafKeyType() throws {
        let root = try Self.issue("root", by: nil, basic: Self.ca, usage: Self.caUsage)
        let leaf = try Self.issue("leaf", by: root, basic: nil, usage: Self.leafUsage, publicKey: Certificate.PublicKey(P256.Signing.PrivateKey().publicKey))
        #expect(Self.validate(root: root, bundle: [], leaf: leaf) == .chainUnsupportedKey)
    }

    @Test("a root with the same name but another key is untrusted")
    func impostorRoot() throws {
        let root = try Self.issue("root", by: nil, basic: Self.ca, usage: Self.caUsage)
        let impostor = try Self.issue("root", by: nil, basic: Self.ca, usage: Self.caUsage)
        let leaf = try Self.issue("leaf", by: impostor, basic: nil, usage: Self.leafUsage)
        #expect(errorCode {
            _ = try CertificateChainValidator(roots: [root.certificate]).validate(certificate: leaf.der, cabundle: [impostor.der], at: Self.now)
        } == .chainUntrustedRoot)
    }

    @Test("the root itself must be valid at the verification time")
    func rootValidity() throws {
        let root = try Self.issue("root", by: nil, basic: Self.ca, usage: Self.caUsage)
        let leaf = try Self.issue("leaf", by: root, basic: nil, usage: Self.leafUsage)
        #expect(errorCode {
            _ = try CertificateChainValidator(roots: [root.certificate]).validate(certificate: leaf.der, cabundle: [root.der], at: Self.now + 7200)
        } == .chainCertificateExpired)
    }
}
