import Foundation
public import Logging

/// Keeps each selector Service's Endpoints and EndpointSlice equal to its pods, as
/// kube-controller-manager's endpoints and endpointslice controllers: pods in the Service's
/// namespace whose labels match its selector and that have an IP are its endpoints, ready or not
/// (a terminating pod is not ready; `publishNotReadyAddresses` publishes every one as ready);
/// named target ports resolve against each pod's container ports. Services without a selector
/// keep whatever Endpoints their owner writes.
public final class EndpointsController: Controller {
    public let name = "endpoints-controller"
    public let queue = WorkQueue<String>(name: "endpoint")
    let objects: ObjectStore
    let services: SharedInformer
    let pods: SharedInformer
    let endpoints: SharedInformer
    let slices: SharedInformer
    let endpointsType: ResourceType
    let sliceType: ResourceType
    let logger: Logger

    static let managedBy = "endpointslice-controller.k8s.io"

    public init(objects: ObjectStore, services: SharedInformer, pods: SharedInformer, endpoints: SharedInformer, slices: SharedInformer, logger: Logger) {
        self.objects = objects
        self.services = services
        self.pods = pods
        self.endpoints = endpoints
        self.slices = slices
        self.endpointsType = objects.registry.lookup(group: "", version: "v1", plural: "endpoints")!
        self.sliceType = objects.registry.lookup(group: "discovery.k8s.io", version: "v1", plural: "endpointslices")!
        self.logger = logger
        services.addHandler { [queue] event in queue.add(SharedInformer.key(of: event.object)) }
        pods.addHandler { [weak self] event in
            guard let self else { return }
            let namespace = event.object[path: ["metadata", "namespace"]]?.stringValue ?? ""
            var labelSets = [event.object[path: ["metadata", "labels"]]?.stringMap ?? [:]]
            if case .updated(let old, _) = event { labelSets.append(old[path: ["metadata", "labels"]]?.stringMap ?? [:]) }
            for service in self.services.byIndex(SharedInformer.namespaceIndex, namespace) {
                guard let selector = service[path: ["spec", "selector"]]?.stringMap, !selector.isEmpty else { continue }
                if labelSets.contains(where: { labels in selector.allSatisfy { labels[$0.key] == $0.value } }) { self.queue.add(SharedInformer.key(of: service)) }
            }
        }
    }

    /// A target port resolved against a pod: a number, or a named container port.
    static func resolve(_ target: JSONValue?, port: JSONValue, in pod: JSONValue) -> Int64? {
        switch target ?? port["port"] {
        case .integer(let number)?: return number
        case .string(let name)?:
            if let number = Int64(name) { return number }
            for container in pod[path: ["spec", "containers"]]?.arrayValue ?? [] {
                for containerPort in container["ports"]?.arrayValue ?? [] where containerPort["name"]?.stringValue == name {
                    return containerPort["containerPort"]?.integerValue
                }
            }
            return nil
        default: return port["port"]?.integerValue
        }
    }

    public func reconcile(_ key: String) async throws {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return }
        let (namespace, name) = (parts[0], parts[1])
        guard let service = services.get(key) else {
            // The Service is gone: its Endpoints and slices go too (also owned, for the collector).
            if endpoints.get(key) != nil { _ = try? await objects.delete(endpointsType, namespace: namespace, name: name) }
            return
        }
        guard let selector = service[path: ["spec", "selector"]]?.stringMap, !selector.isEmpty else { return }
        let publishNotReady = service[path: ["spec", "publishNotReadyAddresses"]]?.boolValue == true
        let servicePorts = service[path: ["spec", "ports"]]?.arrayValue ?? []
        var subsets: [String: (ports: [JSONValue], ready: [JSONValue], notReady: [JSONValue])] = [:]
        var sliceEndpoints: [JSONValue] = []
        var slicePorts: [JSONValue]?
        let members = pods.byIndex(SharedInformer.namespaceIndex, namespace).filter { pod in
            let labels = pod[path: ["metadata", "labels"]]?.stringMap ?? [:]
            return selector.allSatisfy { labels[$0.key] == $0.value } && !(pod[path: ["status", "podIP"]]?.stringValue ?? "").isEmpty
                && !["Succeeded", "Failed"].contains(pod[path: ["status", "phase"]]?.stringValue ?? "")
        }.sorted { DeploymentController.name($0) < DeploymentController.name($1) }
        for pod in members {
            let ip = pod[path: ["status", "podIP"]]?.stringValue ?? ""
            let terminating = pod[path: ["metadata", "deletionTimestamp"]] != nil
            let ready = publishNotReady || (ReplicaSetController.isReady(pod) && !terminating)
            let ports: [JSONValue] = servicePorts.compactMap { port in
                guard let number = Self.resolve(port["targetPort"], port: port, in: pod) else { return nil }
                var value: JSONValue = ["port": .integer(number), "protocol": port["protocol"] ?? "TCP"]
                if let portName = port["name"]?.stringValue, !portName.isEmpty { value["name"] = .string(portName) }
                if let appProtocol = port["appProtocol"] { value["appProtocol"] = appProtocol }
                return value
            }
            let reference: JSONValue = ["kind": "Pod", "name": pod[path: ["metadata", "name"]] ?? "", "namespace": .string(namespace), "uid": pod[path: ["metadata", "uid"]] ?? ""]
            var address: JSONValue = ["ip": .string(ip), "targetRef": reference]
            // A pod naming this Service as its subdomain is found by its hostname (headless DNS).
            let hostname = pod[path: ["spec", "hostname"]]?.stringValue.flatMap { !$0.isEmpty && pod[path: ["spec", "subdomain"]]?.stringValue == name ? $0 : nil }
            if let hostname { address["hostname"] = .string(hostname) }
            if let node = pod[path: ["spec", "nodeName"]] { address["nodeName"] = node }
            let signature = JSONValue.array(ports).jsonString
            var subset = subsets[signature] ?? (ports, [], [])
            if ready { subset.ready.append(address) } else if !terminating { subset.notReady.append(address) }
            subsets[signature] = subset
            var endpoint: JSONValue = [
                "addresses": [.string(ip)], "targetRef": reference,
                "conditions": ["ready": .bool(ready), "serving": .bool(ReplicaSetController.isReady(pod) || publishNotReady), "terminating": .bool(terminating)],
            ]
            if let node = pod[path: ["spec", "nodeName"]] { endpoint["nodeName"] = node }
            if let hostname { endpoint["hostname"] = .string(hostname) }
            sliceEndpoints.append(endpoint)
            slicePorts = slicePorts ?? ports
        }
        let subsetValues: [JSONValue] = subsets.keys.sorted().compactMap { signature in
            let subset = subsets[signature]!
            guard !subset.ready.isEmpty || !subset.notReady.isEmpty else { return nil }
            var value: JSONValue = ["ports": .array(subset.ports)]
            if !subset.ready.isEmpty { value["addresses"] = .array(subset.ready) }
            if !subset.notReady.isEmpty { value["notReadyAddresses"] = .array(subset.notReady) }
            return value
        }
        try await writeEndpoints(service, namespace: namespace, name: name, subsets: subsetValues)
        try await writeSlice(service, namespace: namespace, name: name, endpoints: sliceEndpoints, ports: slicePorts ?? servicePorts.map { port in
            var value: JSONValue = ["protocol": port["protocol"] ?? "TCP"]
            if let portName = port["name"]?.stringValue, !portName.isEmpty { value["name"] = .string(portName) }
            return value
        })
    }

    private func owner(_ service: JSONValue) -> JSONValue {
        ["apiVersion": "v1", "kind": "Service", "name": service[path: ["metadata", "name"]] ?? "", "uid": service[path: ["metadata", "uid"]] ?? "",
         "controller": true, "blockOwnerDeletion": true]
    }

    private func writeEndpoints(_ service: JSONValue, namespace: String, name: String, subsets: [JSONValue]) async throws {
        let labels = service[path: ["metadata", "labels"]] ?? [:]
        if let existing = endpoints.get(namespace + "/" + name) {
            guard existing["subsets"] ?? .array([]) != .array(subsets) || existing[path: ["metadata", "labels"]] ?? [:] != labels else { return }
            var body = existing
            body["subsets"] = subsets.isEmpty ? nil : .array(subsets)
            body[path: "metadata.labels"] = labels
            _ = try await objects.update(endpointsType, namespace: namespace, name: name, body: body)
            return
        }
        var body: JSONValue = ["apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": labels]]
        if !subsets.isEmpty { body["subsets"] = .array(subsets) }
        do {
            _ = try await objects.create(endpointsType, namespace: namespace, body: body)
        } catch let error as APIError where error.code == 409 {
            throw APIError.conflict(endpointsType, name: name)  // the informer is behind: retry
        }
    }

    private func writeSlice(_ service: JSONValue, namespace: String, name: String, endpoints: [JSONValue], ports: [JSONValue]) async throws {
        var labels = service[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels["kubernetes.io/service-name"] = .string(name)
        labels["endpointslice.kubernetes.io/managed-by"] = .string(Self.managedBy)
        let existing = slices.byIndex(SharedInformer.namespaceIndex, namespace).first {
            $0[path: ["metadata", "labels", "kubernetes.io/service-name"]]?.stringValue == name
                && $0[path: ["metadata", "labels", "endpointslice.kubernetes.io/managed-by"]]?.stringValue == Self.managedBy
        }
        if let existing {
            guard existing["endpoints"] ?? .array([]) != .array(endpoints) || existing["ports"] ?? .array([]) != .array(ports) else { return }
            var body = existing
            body["endpoints"] = .array(endpoints)
            body["ports"] = .array(ports)
            body[path: "metadata.labels"] = .object(labels)
            _ = try await objects.update(sliceType, namespace: namespace, name: DeploymentController.name(existing), body: body)
            return
        }
        let body: JSONValue = [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": ["name": .string(name + "-" + DeploymentController.templateHash(service[path: ["metadata", "uid"]] ?? "", collisionCount: 0).prefix(5)), "namespace": .string(namespace), "labels": .object(labels), "ownerReferences": [owner(service)]],
            "addressType": "IPv4", "endpoints": .array(endpoints), "ports": .array(ports),
        ]
        do {
            _ = try await objects.create(sliceType, namespace: namespace, body: body)
        } catch let error as APIError where error.code == 409 {
            throw APIError.conflict(sliceType, name: name)  // the informer is behind: retry
        }
    }
}
