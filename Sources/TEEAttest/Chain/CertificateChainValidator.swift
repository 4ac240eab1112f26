public import Foundation
public import X509
import SwiftASN1
public import Crypto

/// Validates a Nitro certificate chain with swift-certificates: `certificate` <- `cabundle`
/// (reversed, so `cabundle[last]` issued the leaf) <- a trusted root.
///
/// `cabundle[0]` may be a byte-identical copy of a trusted root (Nitro documents carry the AWS
/// root there); otherwise the top certificate must be issued by a trusted root. Every link is
/// checked for issuer/subject names and signature; every certificate (root included) must be
/// valid at the verification time; CA certificates need basic constraints `cA` (respecting any
/// path length) and, when key usage is present, `keyCertSign`; the leaf must not be a CA and,
/// when key usage is present, must allow `digitalSignature`. Unknown critical extensions are
/// refused.
public struct CertificateChainValidator: Sendable {
    /// The trust anchors.
    public let roots: [Certificate]
    /// Each anchor's DER, to recognise a copy of it at `cabundle[0]`.
    private let rootsDER: [[UInt8]]
    /// Where verified links are remembered; nil (the default) verifies every signature every time.
    public let cache: VerifiedLinkCache?

    /// Creates a validator for the given anchors, optionally remembering verified links in `cache`.
    public init(roots: [Certificate], cache: VerifiedLinkCache? = nil) {
        self.roots = roots
        self.cache = cache
        self.rootsDER = roots.map { root in
            var serializer = DER.Serializer()
            return (try? serializer.serialize(root)).map { serializer.serializedBytes } ?? []
        }
    }

    /// A chain that passed ``validate(certificate:cabundle:at:)``.
    public struct ValidatedChain: Sendable {
        /// The leaf (document-signing) certificate.
        public var leaf: Certificate
        /// Leaf first, then each issuer, ending with the trusted root.
        public var path: [Certificate]
        /// The leaf's P-384 public key, which must verify the COSE signature.
        public var leafKey: P384.Signing.PublicKey
    }

    /// Parses a DER certificate, naming it in the error.
    static func parse(_ der: [UInt8], name: String) throws -> Certificate {
        do {
            return try Certificate(derEncoded: der)
        } catch {
            throw AttestationError(.chainCertificateMalformed, "\(name) is not a valid X.509 certificate: \(error)")
        }
    }

    /// Validates the chain at `time`.
    /// - Throws: ``AttestationError`` with a `chain.*` code.
    public func validate(certificate: [UInt8], cabundle: [[UInt8]], at time: Date) throws -> ValidatedChain {
        let leaf = try Self.parse(certificate, name: "the leaf certificate")
        var path = [leaf]
        var ders = [certificate]
        var names = ["the leaf certificate"]
        for (index, der) in cabundle.enumerated().reversed() {
            // A byte-identical copy of an anchor ends the chain there.
            if let match = rootsDER.firstIndex(of: der) {
                path.append(roots[match])
                ders.append(rootsDER[match])
                names.append("the trusted root")
                return try check(path: path, ders: ders, names: names, at: time)
            }
            path.append(try Self.parse(der, name: "cabundle[\(index)]"))
            ders.append(der)
            names.append("cabundle[\(index)]")
        }
        // A self-signed top that is not byte-identical to an anchor is trusted only if it is a
        // (tampered) copy of one: same name and key, so its signature check reports the damage.
        // Any other top must name a trusted root as its issuer.
        let top = path[path.count - 1]
        let selfIssued = top.issuer == top.subject
        guard let anchor = roots.first(where: { selfIssued ? $0.subject == top.subject && $0.publicKey == top.publicKey : $0.subject == top.issuer }) else {
            throw AttestationError(.chainUntrustedRoot, selfIssued
                ? "the chain ends at the self-signed \(top.subject), which is not a trusted root"
                : "the chain ends at issuer \(top.issuer), which is not a trusted root")
        }
        path.append(anchor)
        ders.append(rootsDER[roots.firstIndex(of: anchor) ?? 0])
        names.append("the trusted root")
        return try check(path: path, ders: ders, names: names, at: time)
    }

    private func check(path: [Certificate], ders: [[UInt8]], names: [String], at time: Date) throws -> ValidatedChain {
        // 1. Names link up.
        for i in 0..<(path.count - 1) where path[i].issuer != path[i + 1].subject {
            if i + 1 == path.count - 1 {
                throw AttestationError(.chainUntrustedRoot, "\(names[i]) (\(path[i].subject)) was issued by \(path[i].issuer), not by the trusted root \(path[i + 1].subject)")
            }
            throw AttestationError(.chainIssuerMismatch, "\(names[i]) names issuer \(path[i].issuer) but the next certificate up is \(path[i + 1].subject)")
        }
        // 2. Every certificate is valid at `time`.
        for (cert, name) in zip(path, names) {
            if time < cert.notValidBefore {
                throw AttestationError(.chainCertificateNotYetValid, "\(name) (\(cert.subject)) is not valid before \(cert.notValidBefore), verification time \(time)")
            }
            if time > cert.notValidAfter {
                throw AttestationError(.chainCertificateExpired, "\(name) (\(cert.subject)) expired at \(cert.notValidAfter), verification time \(time)")
            }
        }
        // 3. Constraints: CAs above the leaf, an end-entity leaf, no unknown critical extension.
        for (i, (cert, name)) in zip(path, names).enumerated() {
            try Self.checkCriticalExtensions(cert, name: name)
            let basic: BasicConstraints?
            let usage: KeyUsage?
            do {
                basic = try cert.extensions.basicConstraints
                usage = try cert.extensions.keyUsage
            } catch {
                throw AttestationError(.chainCertificateMalformed, "\(name) has an undecodable extension: \(error)")
            }
            if i == 0 {
                if case .isCertificateAuthority = basic {
                    throw AttestationError(.chainConstraintsViolated, "the leaf certificate is a CA certificate")
                }
                if let usage, !usage.digitalSignature {
                    throw AttestationError(.chainConstraintsViolated, "the leaf certificate's key usage does not allow digitalSignature")
                }
                continue
            }
            guard case .isCertificateAuthority(let maxPathLength) = basic else {
                throw AttestationError(.chainConstraintsViolated, "\(name) (\(cert.subject)) issues certificates but is not a CA (basic constraints)")
            }
            // Intermediates between this CA and the leaf: path[1..<i].
            if let maxPathLength, i - 1 > maxPathLength {
                throw AttestationError(.chainConstraintsViolated, "\(name) allows \(maxPathLength) intermediates below it, the chain has \(i - 1)")
            }
            if let usage, !usage.keyCertSign {
                throw AttestationError(.chainConstraintsViolated, "\(name) (\(cert.subject)) key usage does not allow keyCertSign")
            }
        }
        // 4. Signatures, from the root down. A link already verified (same issuer and certificate
        //    bytes) is deterministic, so the cache may answer for it; times and constraints above
        //    were still checked for this call.
        for i in stride(from: path.count - 2, through: 0, by: -1) {
            let link = cache.map { _ in VerifiedLinkCache.Link(issuer: ders[i + 1], certificate: ders[i]) }
            if let cache, let link, cache.contains(link) { continue }
            guard path[i + 1].publicKey.isValidSignature(path[i].signature, for: path[i]) else {
                throw AttestationError(.chainSignatureInvalid, "\(names[i]) (\(path[i].subject)) is not signed by \(names[i + 1]) (\(path[i + 1].subject))")
            }
            if let cache, let link { cache.insert(link) }
        }
        guard let leafKey = P384.Signing.PublicKey(path[0].publicKey) else {
            throw AttestationError(.chainUnsupportedKey, "the leaf certificate's key is not an ECDSA P-384 key")
        }
        return ValidatedChain(leaf: path[0], path: path, leafKey: leafKey)
    }

    private static let handledCritical: Set<ASN1ObjectIdentifier> = [.X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage]

    private static func checkCriticalExtensions(_ cert: Certificate, name: String) throws {
        for ext in cert.extensions where ext.critical && !handledCritical.contains(ext.oid) {
            throw AttestationError(.chainConstraintsViolated, "\(name) has an unsupported critical extension \(ext.oid)")
        }
    }
}
