import ArgumentParser
import Foundation
import KubeAPI
import SealAuth
import SuiClient

/// `daasctl token`: mints a Seal token with the user's Sui key, as a client-go exec credential.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint a Seal token (printed as a client-go ExecCredential, or bare with --raw).")

    @OptionGroup var key: KeystoreOptions
    @Option(help: "The cluster id the token is for (the master's attestation names it).") var audience: String
    @Option(help: "Mint a node token for this Node name (default: a user token).") var node: String?
    @Option(help: "The user name the token carries (informational; the identity is the Sui address).") var user = "me"
    @Option(help: "Lifetime in seconds. Default: 900 for users, 3600 for nodes.") var lifetime: Int64?
    @Option(name: .customLong("stake"), help: "A StakedSui object id to point the master at; repeatable. Default: all the key owns.") var stake: [String] = []
    @Flag(help: "Print only the token.") var raw = false

    func run() async throws {
        let subject: SealSubject
        if let node {
            guard let parsed = SealSubject("node:\(node)") else { throw Failure("--node \(node) is not a valid node name (DNS-1123 subdomain)") }
            subject = parsed
        } else {
            guard let parsed = SealSubject("user:\(user)") else { throw Failure("--user \(user) is not a valid user name") }
            subject = parsed
        }
        guard !audience.isEmpty, audience.utf8.count <= 256 else { throw Failure("--audience must be the cluster id") }
        let seconds = lifetime ?? (node == nil ? 900 : 3_600)
        guard seconds > 0 else { throw Failure("--lifetime must be positive") }
        var objects: [SuiAddress] = []
        for id in stake {
            guard let parsed = SuiAddress(hex: id) else { throw Failure("--stake \(id) is not an object id") }
            objects.append(parsed)
        }
        let now = SealVerifier.unixNow()
        let token = try SealTokenIssuer.issue(keyPair: try key.keyPair(), subject: subject, audience: audience, lifetime: seconds, stake: objects, now: now)
        if raw {
            print(token.text)
            return
        }
        // client-go passes KUBERNETES_EXEC_INFO naming the apiVersion it wants; answer in kind.
        var apiVersion = "client.authentication.k8s.io/v1"
        if let info = ProcessInfo.processInfo.environment["KUBERNETES_EXEC_INFO"],
           let object = try? JSONParser().parse(Array(info.utf8)),
           let requested = object["apiVersion"]?.stringValue, requested.hasPrefix("client.authentication.k8s.io/") {
            apiVersion = requested
        }
        let expiry = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(token.payload.exp)))
        let credential: [String: Any] = [
            "apiVersion": apiVersion, "kind": "ExecCredential",
            "status": ["token": token.text, "expirationTimestamp": expiry],
        ]
        let data = try JSONSerialization.data(withJSONObject: credential, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
