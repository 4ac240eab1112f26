import ArgumentParser
import EncStore
import Foundation
import Logging

/// `daas-master`: the control plane. Today it opens (creating on first start) the encrypted
/// store; the API server, controllers, scheduler and attestation are not built yet and it says so.
@main
struct DaasMaster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daas-master",
        abstract: "K3s-DaaS control plane (today: the encrypted store only; see the README status table)."
    )

    @Option(help: "Data directory for the store, keys and certificates.")
    var dataDir = "./data"

    @Option(help: "Key file holding the store's data keys (created with mode 0600 if missing). Default: <data-dir>/store.key.")
    var keyFile: String?

    @Option(help: "Read the store's data keys from this environment variable instead of a key file.")
    var keyEnv: String?

    func run() async throws {
        var logger = Logger(label: "daas-master")
        logger.logLevel = .info
        let provider = keyEnv.map { KeyProvider.environment($0) } ?? .file(keyFile ?? dataDir + "/store.key")
        let store: MVCCStore
        do {
            store = try MVCCStore.lmdb(directory: dataDir + "/store", keyProvider: provider, logger: logger)
        } catch let error as StoreError {
            throw Failure("cannot open the store: \(error.message)")
        }
        let revision = try await store.currentRevision()
        let keys = try await store.count(prefix: "")
        await store.close()
        print("""
            daas-master: encrypted store ready at \(dataDir)/store (revision \(revision), \(keys.count) keys, keys from \(provider)).
            daas-master: the Kubernetes API server is not built yet (README status table), so there is no cluster for kubectl to reach; exiting.
            """)
    }
}
