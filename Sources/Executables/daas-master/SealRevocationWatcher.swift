import KubeAPI
import Logging
import SealAuth
import ServiceLifecycle
import SuiClient

/// Keeps the verifier's revocation list equal to the ConfigMap `kube-system/seal-revocations`,
/// which `daasctl seal revoke` writes: keys `nonce.<nonce>` revoke one token, keys
/// `address.<0x address>` every token of an address.
struct SealRevocationWatcher: Service {
    /// Where revocations live in the cluster.
    static let namespace = "kube-system"
    static let name = "seal-revocations"

    let objects: ObjectStore
    let verifier: SealVerifier
    let logger: Logger

    func run() async throws {
        let configMaps = objects.registry.lookup(group: "", version: "v1", plural: "configmaps")!
        var options = ObjectStore.WatchOptions()
        options.list.fieldSelector = try FieldSelector(parsing: "metadata.name=\(Self.name)")
        while !Task.isShuttingDownGracefully {
            do {
                // Read the current list first, so a ConfigMap deleted while no watch ran is noticed.
                let list = try await objects.list(configMaps, namespace: Self.namespace, options: options.list)
                apply(list["items"]?.arrayValue?.first.map(Self.revocations(in:)) ?? SealRevocations())
                options.resourceVersion = list[path: ["metadata", "resourceVersion"]]?.stringValue
                let events = try await objects.watch(configMaps, namespace: Self.namespace, options: options)
                for try await event in events.cancelOnGracefulShutdown() {
                    apply(event.type == "DELETED" ? SealRevocations() : Self.revocations(in: event.object))
                }
            } catch {
                // A compacted resourceVersion or a dropped stream: start over from a fresh list.
                logger.debug("seal revocation watch restarted", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
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
