import ArgumentParser
import EncStore
import Foundation
import KubeAPI
import Logging
import ServiceLifecycle
import UnixSignals

/// `daas-master`: the control plane. Opens (creating on first start) the encrypted store, serves
/// the Kubernetes API over HTTPS, writes `<data-dir>/admin.kubeconfig`, and runs until SIGTERM/SIGINT.
@main
struct DaasMaster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daas-master",
        abstract: "K3s-DaaS control plane: encrypted store and Kubernetes API server (see the README status table)."
    )

    @Option(help: "Data directory for the store, keys and certificates.")
    var dataDir = "./data"

    @Option(help: "Address to serve the API on, host:port (port 0 picks a free one).")
    var listen = "127.0.0.1:6443"

    @Option(help: "Key file holding the store's data keys (created with mode 0600 if missing). Default: <data-dir>/store.key.")
    var keyFile: String?

    @Option(help: "Read the store's data keys from this environment variable instead of a key file.")
    var keyEnv: String?

    @Option(help: "Attestation of this master: dev (a local attester under <data-dir>/attest), nitro (the enclave's /dev/nsm) or none.")
    var attestation = "dev"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func run() async throws {
        var logger = Logger(label: "daas-master")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw Failure("--listen must be host:port, got \(listen)")
        }
        let host = String(listen[..<colon])
        let provider = keyEnv.map { KeyProvider.environment($0) } ?? .file(keyFile ?? dataDir + "/store.key")
        let store: MVCCStore
        do {
            store = try MVCCStore.lmdb(directory: dataDir + "/store", keyProvider: provider, logger: logger)
        } catch let error as StoreError {
            throw Failure("cannot open the store: \(error.message)")
        }
        let objects = ObjectStore(store: store)
        var configuration = KubeAPIServer.Configuration(host: host, port: port, dataDirectory: dataDir)
        do {
            configuration.attestation = try MasterAttestation.make(mode: attestation, dataDir: dataDir, pki: try configuration.pki())
        } catch let error as Failure {
            await store.close()
            throw error
        } catch {
            await store.close()
            throw Failure("cannot start \(attestation) attestation: \(error)")
        }
        let server = KubeAPIServer(
            configuration: configuration, objects: objects, logger: logger,
            onReady: { kubeconfig, url in
                let path = URL(fileURLWithPath: kubeconfig).standardizedFileURL.path
                FileHandle.standardOutput.write(
                    Data("daas-master: serving the Kubernetes API at \(url)\ndaas-master: export KUBECONFIG=\(path)\n".utf8))
            })
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: store),
                    .init(service: NamespaceController(objects: objects, logger: logger)),
                    .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            await store.close()
            throw Failure("\(error)")
        }
        await store.close()
    }
}
