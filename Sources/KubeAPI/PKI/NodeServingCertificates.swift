import Crypto
public import Foundation
import SwiftASN1
import X509

/// Issues node agents' serving certificates at join, as k3s's supervisor does: a node
/// authenticated as `system:node:<name>` sends a PKCS#10 request (PEM) for its own key and gets
/// a certificate from the cluster CA for `CN=system:node:<name>, O=system:nodes` whose only
/// subject alternative name is the DNS name `<name>`, for server authentication, valid a year.
///
/// The API server verifies a node's certificate against the node name it connects to (not its
/// address), so a node can never be taken for another whatever addresses it claims.
public struct NodeServingCertificates: Sendable {
    /// The common name of the client certificate the API server presents to node agents.
    public static let apiServerClientName = "kube-apiserver-kubelet-client"
    /// Largest request accepted, in bytes of PEM.
    public static let maxRequestBytes = 16 * 1024

    private let ca: Certificate
    private let caKey: P256.Signing.PrivateKey

    /// An issuer with the cluster CA of `directory` (`ca.crt`, `ca.key`).
    public init(directory: String) throws {
        guard let caPEM = try? String(contentsOfFile: directory + "/ca.crt", encoding: .utf8),
            let keyPEM = try? String(contentsOfFile: directory + "/ca.key", encoding: .utf8)
        else { throw APIError.internalError("no cluster CA in \(directory)") }
        ca = try Certificate(pemEncoded: caPEM)
        caKey = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
    }

    /// Issues the serving certificate of `node` for the key of `requestPEM` (whose signature must
    /// verify; its subject and requested extensions are ignored). Throws a 400 ``APIError`` for a
    /// malformed or unsigned request.
    public func issue(node: String, requestPEM: String, now: Date = Date()) throws -> String {
        guard requestPEM.utf8.count <= Self.maxRequestBytes else { throw APIError.badRequest("the certificate request exceeds \(Self.maxRequestBytes) bytes") }
        let request: CertificateSigningRequest
        do {
            request = try CertificateSigningRequest(pemEncoded: requestPEM)
        } catch {
            throw APIError.badRequest("the body must be a PEM certificate request (PKCS#10)")
        }
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw APIError.badRequest("the certificate request's signature does not verify")
        }
        let subject = try DistinguishedName {
            OrganizationName("system:nodes")
            CommonName("system:node:\(node)")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: request.publicKey,
            notValidBefore: now - 3600, notValidAfter: now + 365 * 86400,
            issuer: ca.subject, subject: subject,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                AuthorityKeyIdentifier(keyIdentifier: try ca.extensions.subjectKeyIdentifier?.keyIdentifier)
                SubjectAlternativeNames([.dnsName(node)])
            },
            issuerPrivateKey: .init(caKey))
        return try certificate.serializeAsPEM().pemString
    }
}
