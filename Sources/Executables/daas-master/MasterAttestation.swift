import Crypto
import Foundation
import KubeAPI
import Metrics
import TEEAttest

/// The master's attestation: documents from an attester (Nitro NSM or the dev attester) binding
/// the serving certificate's public key and, in `user_data`, the cluster id and the CA's SHA-256.
/// Each document is counted in `teeattest_documents_total` (labels `mode`, `result`) and timed in
/// `teeattest_document_duration_seconds` (`mode`).
struct MasterAttestation: AttestationProvider {
    let attester: any Attester
    let publicKey: [UInt8]
    let binding: MasterBinding
    let mode: String

    func attestation(nonce: [UInt8]) async throws -> [UInt8] {
        let started = ContinuousClock.now
        do {
            let document = try attester.attest(AttestationRequest(userData: binding.userData, nonce: nonce, publicKey: publicKey))
            Metrics.Timer(label: "teeattest_document_duration_seconds", dimensions: [("mode", mode)]).record(duration: ContinuousClock.now - started)
            Counter(label: "teeattest_documents_total", dimensions: [("mode", mode), ("result", "ok")]).increment()
            return document
        } catch {
            Counter(label: "teeattest_documents_total", dimensions: [("mode", mode), ("result", "error")]).increment()
            throw error
        }
    }

    /// The provider for `mode` (`dev`, `nitro` or `none`), or nil for `none`.
    static func make(mode: String, dataDir: String, pki: ClusterPKI, clusterID: String) throws -> MasterAttestation? {
        let attester: any Attester
        switch mode {
        case "none":
            return nil
        case "nitro":
            attester = try NSMDevice()
        case "dev":
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            attester = try DevAttester(configuration: .init(directory: dataDir + "/attest", measuredExecutable: executable))
        default:
            throw Failure("--attestation must be dev, nitro or none, got \(mode)")
        }
        let binding = MasterBinding(clusterID: clusterID, caSHA256: Array(SHA256.hash(data: try pki.caCertificateDER())))
        return MasterAttestation(attester: attester, publicKey: try pki.serverPublicKeyInfo(), binding: binding, mode: mode)
    }
}
