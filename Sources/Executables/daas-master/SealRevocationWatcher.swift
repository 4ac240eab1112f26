import KubeAPI
import Logging
import SealAuth
import ServiceLifecycle
import SuiClient

/// Keeps the verifier's revocation list equal to the ConfigMap `kube-system/seal-revocations`
/// (followed by a shared informer), which `daasctl seal revoke` writes: keys `nonce.<nonce>` revoke one token, keys
/// `address.<0x address>` every token of an address.
struct SealRevocationWatcher: Service {
    /// Where revocations live in the cluster.
    static let namespace = "kube-system"
    static let name = "seal-revocations"

    let objects: ObjectStore
    let verifier: SealVerifier
    let logger: Logger

    func run() async throws {
        // The shared informer machinery (list, watch, relist on 410) over the one ConfigMap.
        let configMaps = objects.registry.lookup(group: "", version: "v1", plural: "configmaps")!
        var options = ObjectStore.ListOptions()
        options.fieldSelector = try FieldSelector(parsing: "metadata.name=\(Self.name)")
        let informer = SharedInformer(
            source: RegistrySource(objects: objects, type: configMaps, namespace: Self.namespace, options: options), logger: logger)
        informer.addHandler { event in
            if case .deleted = event {
                apply(SealRevocations())
            } else {
                apply(Self.revocations(in: event.object))
            }
        }
        await cancelWhenGracefulShutdown { await informer.run() }
    }

    private func apply(_ revocations: SealRevocations) {
        guard revocations != verifier.revocations else { return }
        verifier.setRevocations(revocations)
        logger.info("seal revocations updated", metadata: ["tokens": "\(revocations.nonces.count)", "addresses": "\(revocations.addresses.count)"])
    }

    /// The revocations a ConfigMap's `data` keys name.
    static func revocations(in configMap: JSONValue) -> SealRevocations {
        var revocations = SealRevocations()
        for key in (configMap["data"]?.objectValue ?? [:]).keys {
            if key.hasPrefix("nonce.") {
                revocations.nonces.insert(String(key.dropFirst(6)))
            } else if key.hasPrefix("address."), let address = SuiAddress(hex: String(key.dropFirst(8))) {
                revocations.addresses.insert(address)
            }
        }
        return revocations
    }
}
