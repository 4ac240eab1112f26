import EncStore
public import Logging
public import ServiceLifecycle

/// Finishes namespace deletion, as kube-controller-manager's namespace controller does: once a
/// namespace is Terminating it deletes every object in it, then the namespace itself.
public struct NamespaceController: Service {
    let objects: ObjectStore
    let logger: Logger

    /// Creates the controller.
    public init(objects: ObjectStore, logger: Logger) {
        self.objects = objects
        self.logger = logger
    }

    public func run() async throws {
        let namespaces = objects.registry.lookup(group: "", version: "v1", plural: "namespaces")!
        let options = {
            var options = ObjectStore.WatchOptions()
            options.resourceVersion = "0"
            return options
        }()
        await cancelWhenGracefulShutdown {
            do {
                for try await event in try await objects.watch(namespaces, namespace: nil, options: options) {
                    let object = event["object"] ?? .null
                    guard event["type"]?.stringValue != "DELETED", object[path: ["metadata", "deletionTimestamp"]] != nil,
                        let name = object[path: ["metadata", "name"]]?.stringValue
                    else { continue }
                    do {
                        try await finalize(name, namespaces)
                    } catch {
                        logger.error("finalizing namespace failed", metadata: ["namespace": "\(name)", "error": "\(error)"])
                    }
                }
            } catch {
                logger.error("namespace controller stopped", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Deletes every object in `namespace` through the registry (so finalizers are honoured and
    /// allocations released), retrying while some remain, then removes the namespace.
    func finalize(_ namespace: String, _ namespaces: ResourceType) async throws {
        var delay: Duration = .milliseconds(200)
        while true {
            var remaining = 0
            for type in objects.registry.types where type.namespaced {
                let list = try await objects.list(type, namespace: namespace, options: ObjectStore.ListOptions())
                for item in list["items"]?.arrayValue ?? [] {
                    remaining += 1
                    guard item[path: ["metadata", "deletionTimestamp"]] == nil, let name = item[path: ["metadata", "name"]]?.stringValue else { continue }
                    _ = try? await objects.delete(type, namespace: namespace, name: name)
                }
            }
            if remaining == 0 { break }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
        _ = try await objects.store.delete(namespaces.storageKey(namespace: nil, name: namespace))
        logger.info("namespace deleted", metadata: ["namespace": "\(namespace)"])
    }
}
