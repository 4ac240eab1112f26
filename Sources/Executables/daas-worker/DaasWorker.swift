import Agent
import ArgumentParser
import Foundation
import Logging
import SealAuth
import ServiceLifecycle
import SuiClient
import TEEAttest
import UnixSignals

/// `daas-worker`: the node agent. It trusts a master only after verifying its attestation (fresh
/// nonce, root, PCRs, TLS key and CA binding), then authenticates with node Seal tokens, registers
/// its Node and renews its Lease until SIGTERM/SIGINT. It does not run pods yet.
@main
struct DaasWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daas-worker",
        abstract: "K3s-DaaS node agent: attested join, node Seal tokens, Node registration and Lease heartbeats (no pods yet).")

    @Option(help: "The master URL, e.g. https://127.0.0.1:6443.") var master: String
    @Option(help: "Trusted attestation root (PEM). Default: the AWS Nitro Enclaves Root-G1 (which needs --pcr 0=HEX).") var root: String?
    @Option(name: .customLong("pcr"), help: "An expected PCR of the master as N=HEX; repeatable.") var pcrs: [String] = []
    @Option(help: "The cluster id the master must attest.") var clusterID: String?
    @Option(name: .customLong("ca-sha256"), help: "SHA-256 (hex) of the cluster CA's DER the master must attest.") var caSHA256: String?
    @Option(help: "This node's name. Default: the host name.") var nodeName: String?
    @Option(help: "The Sui keystore holding the node's key. Default: $DAAS_KEYSTORE, else ~/.daas/sui.keystore.") var keystore: String?
    @Option(help: "The address of the key to use. Default: the keystore's first key.") var address: String?
    @Option(help: "Lifetime of each node token, in seconds (the master accepts at most 24 h by default).") var tokenLifetime: Int64 = 3_600
    @Option(help: "Seconds between Lease renewals.") var heartbeatInterval: Int = 10
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() async throws {
        var logger = Logger(label: "daas-worker")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let name = (nodeName ?? ProcessInfo.processInfo.hostName).lowercased()
        guard SealSubject("node:\(name)") != nil else { throw Failure("--node-name \(name) is not a valid node name (DNS-1123 subdomain)") }
        guard tokenLifetime > 60, heartbeatInterval > 0 else { throw Failure("--token-lifetime must exceed 60 s and --heartbeat-interval be positive") }
        let keyPair = try loadKey()

        // The join: nothing is sent to the master before its attestation verifies.
        let attested: MasterAttestationClient.Result
        do {
            let trust = try MasterTrust(rootPEMFile: root, pcrs: pcrs, clusterID: clusterID, caSHA256: caSHA256)
            attested = try await MasterAttestationClient.verify(url: master, trust: trust)
        } catch let error as AttestationError {
            throw Failure("master attestation refused: \(error)")
        }
        let attestedCluster = attested.binding.clusterID
        logger.info("master attested", metadata: ["cluster": "\(attestedCluster)", "module": "\(attested.verified.moduleID)", "node": "\(name)"])

        let tokens = NodeTokenSource(keyPair: keyPair, node: name, audience: attestedCluster, lifetime: tokenLifetime)
        var configuration = NodeAgentConfiguration(apiServer: master, caCertificatePEM: attested.caCertificatePEM, nodeName: name)
        configuration.renewInterval = .seconds(heartbeatInterval)
        let agent = NodeAgent(configuration: configuration, credentials: { try await tokens.token() }, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: agent, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as AgentError {
            throw Failure("\(error)")
        }
    }

    private func loadKey() throws -> SuiKeyPair {
        let path = keystore ?? SuiKeystore.defaultPath
        var selected: SuiAddress?
        if let address {
            guard let parsed = SuiAddress(hex: address) else { throw Failure("--address \(address) is not a Sui address") }
            selected = parsed
        }
        do {
            return try SuiKeystore.load(path: path).keyPair(for: selected)
        } catch let error as SuiClientError {
            throw Failure("\(path): \(error)")
        }
    }
}
