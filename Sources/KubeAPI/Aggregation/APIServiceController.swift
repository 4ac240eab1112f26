import Foundation
public import Logging
public import ServiceLifecycle

/// Keeps apiregistration.k8s.io/v1 APIServices as kube-aggregator does for what this server can
/// serve: every group-version served here (built-in and custom kinds) has a local APIService,
/// created when missing, and local APIServices are `Available`. An APIService naming a Service is
/// `Available` once its extension server answers discovery through the ``APIServiceProxy`` (which
/// then serves its group), and says why not otherwise: the Service or its endpoints are missing,
/// or the discovery check failed. Remote APIServices are checked again every few seconds. Runs
/// in every API server.
public final class APIServiceController: Controller, Service {
    public let name = "apiservice-controller"
    public let queue = WorkQueue<String>(name: "APIServiceRegistrationController", baseDelay: .milliseconds(100), maxDelay: .seconds(10))
    let objects: ObjectStore
    let apiServices: SharedInformer
    let apiServiceType: ResourceType
    let logger: Logger
    /// How often local group-versions are checked for missing APIServices (custom kinds come and go).
    let registrationInterval: Duration
    /// Checks and remembers remote APIServices' discovery (nil: remote ones are never available).
    let proxy: APIServiceProxy?

    /// A controller over the APIService informer.
    public init(objects: ObjectStore, apiServices: SharedInformer, proxy: APIServiceProxy?, registrationInterval: Duration = .seconds(2), logger: Logger) {
        self.objects = objects
        self.proxy = proxy
        self.apiServices = apiServices
        self.apiServiceType = objects.registry.lookup(group: "apiregistration.k8s.io", version: "v1", plural: "apiservices")!
        self.registrationInterval = registrationInterval
        self.logger = logger
        apiServices.addHandler { [queue] event in
            if case .deleted = event { return }
            queue.add(SharedInformer.key(of: event.object))
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.runUntilCancelled(workers: 1, after: self.apiServices, logger: self.logger) {
                while !Task.isCancelled {
                    await self.registerLocalGroupVersions()
                    try? await Task.sleep(for: self.registrationInterval)
                }
            }
        }
    }

    /// kube-apiserver's group priorities for the built-in groups (`groupPriorityMinimum`, `versionPriority`).
    static func priorities(group: String) -> (Int64, Int64) {
        switch group {
        case "": (18000, 1)
        case "apps": (17800, 15)
        case "events.k8s.io": (17750, 15)
        case "authentication.k8s.io": (17700, 15)
        case "authorization.k8s.io": (17600, 15)
        case "autoscaling": (17500, 15)
        case "batch": (17400, 15)
        case "networking.k8s.io": (17200, 15)
        case "policy": (17100, 15)
        case "rbac.authorization.k8s.io": (17000, 15)
        case "storage.k8s.io": (16800, 15)
        case "apiextensions.k8s.io": (16700, 15)
        case "coordination.k8s.io": (16500, 15)
        case "discovery.k8s.io": (16200, 15)
        case "scheduling.k8s.io": (16600, 15)
        case "apiregistration.k8s.io": (18000, 15)
        default: (1000, 100)
        }
    }

    /// Creates the local APIService of every group-version served here that has none, and
    /// removes those created for custom kinds no longer served.
    func registerLocalGroupVersions() async {
        var seen = Set<String>()
        for type in objects.registry.types {
            let name = "\(type.version).\(type.group)"
            guard seen.insert(name).inserted, apiServices.get(name) == nil else { continue }
            let (groupPriority, versionPriority) = Self.priorities(group: type.group)
            var spec: JSONValue = ["version": .string(type.version), "groupPriorityMinimum": .integer(groupPriority), "versionPriority": .integer(versionPriority)]
            if !type.group.isEmpty { spec["group"] = .string(type.group) }
            var metadata: JSONValue = ["name": .string(name)]
            if type.custom == nil { metadata["labels"] = ["kube-aggregator.kubernetes.io/automanaged": "onstart"] } else {
                metadata["labels"] = ["kube-aggregator.kubernetes.io/automanaged": "true"]
            }
            do {
                _ = try await objects.create(apiServiceType, namespace: nil, body: ["metadata": metadata, "spec": spec], options: .init(fieldManager: "kube-apiserver"))
            } catch let error as APIError where error.code == 409 {
                continue
            } catch {
                logger.notice("could not register the local APIService", metadata: ["apiservice": "\(name)", "error": "\(error)"])
            }
        }
        for apiService in apiServices.list() where apiService[path: ["metadata", "labels", "kube-aggregator.kubernetes.io/automanaged"]] == "true" {
            guard let name = apiService[path: ["metadata", "name"]]?.stringValue, !seen.contains(name) else { continue }
            _ = try? await objects.delete(apiServiceType, namespace: nil, name: name)
        }
    }

    public func reconcile(_ key: String) async throws {
        guard let apiService = apiServices.get(key) else {
            if let dot = key.firstIndex(of: ".") { proxy?.forget(group: String(key[key.index(after: dot)...]), version: String(key[..<dot])) }
            return
        }
        let condition: JSONValue
        let remote = apiService[path: ["spec", "service"]].map { $0 != .null } ?? false
        if let service = apiService[path: ["spec", "service"]], service != .null {
            condition = try await remoteCondition(service, group: apiService[path: ["spec", "group"]]?.stringValue ?? "", version: apiService[path: ["spec", "version"]]?.stringValue ?? "")
        } else {
            condition = Self.available(true, reason: "Local", message: "Local APIServices are always available")
        }
        let old = (apiService[path: ["status", "conditions"]]?.arrayValue ?? []).first { $0["type"] == "Available" }
        if old?["status"] != condition["status"] || old?["reason"] != condition["reason"] || old?["message"] != condition["message"] {
            var fresh = condition
            let now = JSONValue.string(ObjectMeta.timestamp(Date()))
            fresh["lastTransitionTime"] = old?["status"] == condition["status"] ? (old?["lastTransitionTime"] ?? now) : now
            var updated = apiService
            updated["status"] = ["conditions": [fresh]]
            _ = try await objects.update(apiServiceType, namespace: nil, name: key, body: updated, subresource: "status", options: .init(fieldManager: "kube-apiserver"))
        }
        // A remote service is looked at again: its Service, endpoints and server come and go.
        if remote { throw RequeueRequest(condition["message"]?.stringValue ?? "recheck") }
    }

    private func remoteCondition(_ service: JSONValue, group: String, version: String) async throws -> JSONValue {
        let condition = try await serviceCondition(service)
        guard condition["status"] == "True" else {
            proxy?.forget(group: group, version: version)
            return condition
        }
        guard let proxy else { return Self.available(false, reason: "ProxyNotSupported", message: "this API server does not proxy requests to extension API servers") }
        if let failure = await proxy.checkDiscovery(group: group, version: version, objects: objects) {
            return Self.available(false, reason: "FailedDiscoveryCheck", message: failure)
        }
        return Self.available(true, reason: "Passed", message: "all checks passed")
    }

    private func serviceCondition(_ service: JSONValue) async throws -> JSONValue {
        let namespace = service["namespace"]?.stringValue ?? ""
        let name = service["name"]?.stringValue ?? ""
        let services = objects.registry.lookup(group: "", version: "v1", plural: "services")!
        let endpoints = objects.registry.lookup(group: "", version: "v1", plural: "endpoints")!
        guard (try? await objects.get(services, namespace: namespace, name: name)) != nil else {
            return Self.available(false, reason: "ServiceNotFound", message: "service/\(name) in \"\(namespace)\" is not present")
        }
        let subsets = (try? await objects.get(endpoints, namespace: namespace, name: name))?["subsets"]?.arrayValue ?? []
        guard subsets.contains(where: { !($0["addresses"]?.arrayValue ?? []).isEmpty }) else {
            return Self.available(false, reason: "MissingEndpoints", message: "endpoints for service/\(name) in \"\(namespace)\" have no addresses")
        }
        return Self.available(true, reason: "Passed", message: "endpoints present")
    }

    static func available(_ status: Bool, reason: String, message: String) -> JSONValue {
        ["type": "Available", "status": status ? "True" : "False", "reason": .string(reason), "message": .string(message)]
    }
}
