import Foundation
import Yams

/// The parts of a kubeconfig daasctl reads (to call the API) and writes (for Seal users).
struct Kubeconfig {
    /// The API server URL of the current context.
    var server: String
    /// The cluster CA certificate, PEM.
    var certificateAuthorityPEM: String
    /// The client certificate and key, PEM, when the user has them.
    var clientCertificatePEM: String?
    var clientKeyPEM: String?
    /// A static bearer token, when the user has one.
    var token: String?

    /// Reads the current context of the kubeconfig at `path` (at most 1 MiB).
    static func load(_ path: String) throws -> Kubeconfig {
        let data = try AttestCommand.readFile(path, limit: 1 << 20)
        guard let root = (try? Yams.load(yaml: String(decoding: data, as: UTF8.self))) as? [String: Any] else {
            throw Failure("\(path) is not a kubeconfig")
        }
        func named(_ list: String, _ name: String?) -> [String: Any]? {
            (root[list] as? [[String: Any]])?.first { $0["name"] as? String == name }
        }
        let contextName = root["current-context"] as? String
        guard let context = named("contexts", contextName)?["context"] as? [String: Any],
              let cluster = named("clusters", context["cluster"] as? String)?["cluster"] as? [String: Any],
              let server = cluster["server"] as? String
        else { throw Failure("\(path): the current context names no cluster with a server") }
        guard let caData = (cluster["certificate-authority-data"] as? String).flatMap({ Data(base64Encoded: $0) }) else {
            throw Failure("\(path): the cluster has no certificate-authority-data (daasctl never skips TLS verification)")
        }
        let user = named("users", context["user"] as? String)?["user"] as? [String: Any] ?? [:]
        func pem(_ key: String) -> String? {
            (user[key] as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
        }
        return Kubeconfig(
            server: server, certificateAuthorityPEM: String(decoding: caData, as: UTF8.self),
            clientCertificatePEM: pem("client-certificate-data"), clientKeyPEM: pem("client-key-data"), token: user["token"] as? String)
    }

    /// A kubeconfig whose user runs `command args` as a client-go exec credential plugin.
    static func execPlugin(server: String, caPEM: String, name: String, user: String, command: String, args: [String]) throws -> String {
        let document: [String: Any] = [
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [["name": name, "cluster": ["server": server, "certificate-authority-data": Data(caPEM.utf8).base64EncodedString()]]],
            "users": [[
                "name": user,
                "user": ["exec": [
                    "apiVersion": "client.authentication.k8s.io/v1", "command": command, "args": args,
                    "interactiveMode": "Never", "provideClusterInfo": false,
                ] as [String: Any]],
            ]],
            "contexts": [["name": name, "context": ["cluster": name, "user": user]]],
            "current-context": name,
        ]
        return try Yams.dump(object: document, sortKeys: true)
    }
}
