import ArgumentParser
import KubeAPI
import Foundation
import NIOHTTP1
import SealAuth
import SuiClient

/// `daasctl seal`: manage Seal token revocations stored in the cluster.
struct SealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Manage Seal tokens: revoke one token (by nonce) or every token of an address.",
        subcommands: [Revoke.self])

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a Seal token or an address; the master refuses it from its next request on, even if cached.")

        @Option(help: "A kubeconfig allowed to patch kube-system/seal-revocations (e.g. <data-dir>/admin.kubeconfig).") var kubeconfig: String
        @Option(help: "The nonce of the token to revoke.") var nonce: String?
        @Option(help: "The token to revoke (its nonce is read from it).") var token: String?
        @Option(help: "Revoke every token issued by this Sui address.") var address: String?

        func run() async throws {
            let key: String
            switch (nonce, token, address) {
            case (let nonce?, nil, nil):
                guard !nonce.isEmpty, nonce.utf8.count <= 64, nonce.utf8.allSatisfy({ $0.isBase64URL }) else { throw Failure("--nonce must be a base64url nonce") }
                key = "nonce.\(nonce)"
            case (nil, let token?, nil):
                do {
                    key = "nonce.\(try SealToken(parsing: token).payload.nonce)"
                } catch {
                    throw Failure("--token is not a Seal token: \(error)")
                }
            case (nil, nil, let address?):
                guard let parsed = SuiAddress(hex: address) else { throw Failure("--address \(address) is not a Sui address") }
                key = "address.\(parsed)"
            default:
                throw Failure("give exactly one of --nonce, --token and --address")
            }
            let client = try APIClient(kubeconfigAt: kubeconfig)
            defer { client.shutdown() }
            let path = "/api/v1/namespaces/kube-system/configmaps/seal-revocations"
            let stamp = ISO8601DateFormatter().string(from: Date())
            let patch = try JSONSerialization.data(withJSONObject: ["data": [key: "revoked \(stamp)"]])
            var (status, body) = try await client.send(.PATCH, path, body: patch, contentType: "application/merge-patch+json")
            if status == 404 {
                let object: [String: Any] = [
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": ["name": "seal-revocations", "namespace": "kube-system"], "data": [key: "revoked \(stamp)"],
                ]
                (status, body) = try await client.send(
                    .POST, "/api/v1/namespaces/kube-system/configmaps", body: try JSONSerialization.data(withJSONObject: object), contentType: "application/json")
                if status == 409 { (status, body) = try await client.send(.PATCH, path, body: patch, contentType: "application/merge-patch+json") }
            }
            guard (200..<300).contains(status) else {
                let message = (try? JSONParser().parse(Array(body)))?["message"]?.stringValue
                throw Failure("the API server refused the revocation (\(status)): \(message ?? "no message")")
            }
            print("revoked \(key.replacingOccurrences(of: ".", with: " ", options: [], range: key.range(of: ".")))")
        }
    }
}

extension UInt8 {
    /// Whether this byte is in the base64url alphabet.
    fileprivate var isBase64URL: Bool {
        (0x41...0x5a).contains(self) || (0x61...0x7a).contains(self) || (0x30...0x39).contains(self) || self == 0x2d || self == 0x5f
    }
}
