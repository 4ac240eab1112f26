import Foundation
import Yams

/// The kubeconfig daasctl writes for Seal users (reading one is ``KubeAPI/Kubeconfig``).
enum SealKubeconfig {
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
