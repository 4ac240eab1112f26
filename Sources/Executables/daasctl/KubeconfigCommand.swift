import ArgumentParser
import Foundation
import KubeAPI
import SuiClient
import TEEAttest

/// `daasctl kubeconfig`: verifies a master's attestation, then writes a kubeconfig that pins its
/// attested CA and authenticates with Seal tokens minted by `daasctl token`.
struct KubeconfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubeconfig",
        abstract: "Verify a master's attestation and write a kubeconfig that uses Seal tokens (an exec credential plugin).")

    @Option(help: "The master URL, e.g. https://127.0.0.1:6443.") var master: String
    @OptionGroup var trust: AttestationTrustOptions
    @OptionGroup var key: KeystoreOptions
    @Option(help: "The user name tokens carry (informational).") var user = "me"
    @Option(help: "Write the kubeconfig here (mode 0600). Default: standard output.") var output: String?
    @Option(help: "The cluster and context name in the kubeconfig.") var name = "k3s-daas"

    func run() async throws {
        let keyPair = try key.keyPair()
        let result = try await trust.verifyMaster(master)
        let caPEM = result.caCertificatePEM
        // The plugin runs this very binary, by absolute path, whatever PATH kubectl later has.
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let keystore = URL(fileURLWithPath: key.path).standardizedFileURL.path
        let args = ["token", "--audience", result.binding.clusterID, "--keystore", keystore, "--address", keyPair.address.description, "--user", user]
        let text = try SealKubeconfig.execPlugin(
            server: master, caPEM: caPEM, name: name, user: "sui-\(keyPair.address.description.prefix(10))", command: executable, args: args)
        guard let output else {
            print(text, terminator: "")
            return
        }
        do {
            try ClusterPKI.write(output, text, mode: 0o600)
        } catch let error as APIError {
            throw Failure(error.message)
        }
        FileHandle.standardError.write(Data("daasctl: master attested (cluster \(result.binding.clusterID)); wrote \(output) for \(keyPair.address)\n".utf8))
    }
}
