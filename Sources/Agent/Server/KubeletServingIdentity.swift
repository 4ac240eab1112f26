import Crypto
import Foundation
import KubeTypes
import SwiftASN1
import X509

/// The node agent's TLS identity for the kubelet API: a P-256 key kept under the data folder
/// (mode 0600) and a certificate the master's CA issues for this node's name at every start
/// (`POST /daas/v1/kubelet-serving-certificate` with a PKCS#10 request, as the node).
struct KubeletServingIdentity {
    var certificatePEM: String
    var keyPEM: String

    static func obtain(api: APIConnection, node: String, directory: String) async throws(AgentError) -> KubeletServingIdentity {
        let keyPath = directory + "/kubelet-serving.key"
        let key: P256.Signing.PrivateKey
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            if let pem = try? String(contentsOfFile: keyPath, encoding: .utf8), let existing = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
                key = existing
            } else {
                key = P256.Signing.PrivateKey()
                let fd = open(keyPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
                guard fd >= 0 else { throw AgentError(.invalidConfiguration, "cannot write \(keyPath): errno \(errno)") }
                let bytes = Array(key.pemRepresentation.utf8)
                let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard written == bytes.count else { throw AgentError(.invalidConfiguration, "cannot write \(keyPath)") }
            }
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError(.invalidConfiguration, "cannot prepare \(directory): \(error)")
        }
        let requestPEM: String
        do {
            let subject = try DistinguishedName {
                OrganizationName("system:nodes")
                CommonName("system:node:\(node)")
            }
            let request = try CertificateSigningRequest(
                version: .v1, subject: subject, privateKey: .init(key), attributes: .init(), signatureAlgorithm: .ecdsaWithSHA256)
            requestPEM = try request.serializeAsPEM().pemString
        } catch {
            throw AgentError(.invalidConfiguration, "cannot build the serving certificate request: \(error)")
        }
        let (status, bytes) = try await api.post("/daas/v1/kubelet-serving-certificate", text: requestPEM, contentType: "application/pkcs10")
        guard status == 200 else {
            let message = APIConnection.object(bytes)["message"]?.stringValue ?? "status \(status)"
            var error = AgentError(.refused, "the master refused a kubelet serving certificate: \(message)")
            error.status = status
            throw error
        }
        return KubeletServingIdentity(certificatePEM: String(decoding: bytes, as: UTF8.self), keyPEM: key.pemRepresentation)
    }
}
