import ArgumentParser
import Foundation
import KubeAPI

/// `daasctl pki`: certificates from the cluster CA, for operators with access to the data directory.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Issue client certificates from the cluster CA.",
        subcommands: [User.self]
    )

    struct User: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a kubeconfig for a user with a client certificate (CN user, O groups) signed by the cluster CA.")

        @Argument(help: "The user name (the certificate's common name).") var name: String
        @Option(name: .customLong("group"), help: "A group (the certificate's organization); repeatable.") var groups: [String] = []
        @Option(help: "The master's data directory.") var dataDir = "./data"
        @Option(help: "The API server URL.") var server = "https://127.0.0.1:6443"
        @Option(name: .shortAndLong, help: "Where to write the kubeconfig (mode 0600).") var output: String

        func run() throws {
            do {
                let text = try ClusterPKI.userKubeconfig(directory: dataDir + "/pki", user: name, groups: groups, server: server)
                try ClusterPKI.write(output, text, mode: 0o600)
            } catch let error as APIError {
                throw Failure(error.message)
            }
            print("wrote \(output) for user \(name)\(groups.isEmpty ? "" : " in groups " + groups.joined(separator: ","))")
        }
    }
}
