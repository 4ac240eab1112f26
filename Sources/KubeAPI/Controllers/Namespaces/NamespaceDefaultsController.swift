public import Logging

/// What every namespace holds, as kube-controller-manager's serviceaccount and
/// root-ca-cert-publisher controllers keep it: the ServiceAccount `default`, and the ConfigMap
/// `kube-root-ca.crt` with the cluster CA (`ca.crt`) pods use to trust the API server.
public final class NamespaceDefaultsController: Controller {
    public let name = "namespace-defaults-controller"
    public let queue = WorkQueue<String>(name: "serviceaccount")
    let objects: ObjectStore
    let namespaces: SharedInformer
    let serviceAccounts: SharedInformer
    let configMaps: SharedInformer
    let rootCAPEM: String?
    let logger: Logger

    static let rootCAName = "kube-root-ca.crt"

    /// A controller publishing `rootCAPEM` (none: no ConfigMap) into every namespace.
    public init(objects: ObjectStore, namespaces: SharedInformer, serviceAccounts: SharedInformer, configMaps: SharedInformer, rootCAPEM: String?, logger: Logger) {
        self.objects = objects
        self.namespaces = namespaces
        self.serviceAccounts = serviceAccounts
        self.configMaps = configMaps
        self.rootCAPEM = rootCAPEM
        self.logger = logger
        namespaces.addHandler { [queue] event in
            if case .deleted = event { return }
            queue.add(event.object[path: ["metadata", "name"]]?.stringValue ?? "")
        }
        serviceAccounts.addHandler { [queue] event in
            if case .deleted(let account) = event, account[path: ["metadata", "name"]] == "default" { queue.add(account[path: ["metadata", "namespace"]]?.stringValue ?? "") }
        }
        configMaps.addHandler { [queue] event in
            let map = event.object
            guard map[path: ["metadata", "name"]]?.stringValue == Self.rootCAName else { return }
            if case .added = event { return }
            queue.add(map[path: ["metadata", "namespace"]]?.stringValue ?? "")
        }
    }

    public func reconcile(_ key: String) async throws {
        guard let namespace = namespaces.get(key), namespace[path: ["metadata", "deletionTimestamp"]] == nil,
            namespace[path: ["status", "phase"]]?.stringValue != "Terminating"
        else { return }
        let registry = objects.registry
        if serviceAccounts.get(key + "/default") == nil, let type = registry.lookup(group: "", version: "v1", plural: "serviceaccounts") {
            do {
                _ = try await objects.create(type, namespace: key, body: ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default"]])
            } catch let error as APIError where error.code == 409 || error.code == 403 {
                // exists already, or the namespace began terminating
            }
        }
        guard let rootCAPEM, let type = registry.lookup(group: "", version: "v1", plural: "configmaps") else { return }
        let data: JSONValue = ["ca.crt": .string(rootCAPEM)]
        let annotations: JSONValue = ["kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."]
        if let existing = configMaps.get(key + "/" + Self.rootCAName) {
            guard existing["data"] != data else { return }
            var body = existing
            body["data"] = data
            _ = try await objects.update(type, namespace: key, name: Self.rootCAName, body: body)
            return
        }
        do {
            _ = try await objects.create(type, namespace: key, body: [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(Self.rootCAName), "annotations": annotations], "data": data,
            ])
        } catch let error as APIError where error.code == 409 || error.code == 403 {
            return
        }
    }
}
