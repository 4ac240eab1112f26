import EncStore
import Foundation
public import Logging

/// Finishes namespace deletion, as kube-controller-manager's namespace controller: once a
/// namespace is Terminating it deletes every object in it through the registry (so finalizers,
/// graceful pod deletion and allocations are honoured), reports progress in the namespace's
/// `NamespaceContentRemaining` / `NamespaceFinalizersRemaining` conditions, and removes the
/// namespace when it is empty and its own `metadata.finalizers` are gone. Level-triggered: a
/// namespace still holding objects is looked at again with the queue's backoff.
public final class NamespaceLifecycleController: Controller {
    public let name = "namespace-controller"
    public let queue = WorkQueue<String>(name: "namespace", baseDelay: .milliseconds(200), maxDelay: .seconds(5))
    let objects: ObjectStore
    let namespaces: SharedInformer
    let namespaceType: ResourceType
    let logger: Logger

    /// A controller over the namespace informer.
    public init(objects: ObjectStore, namespaces: SharedInformer, logger: Logger) {
        self.objects = objects
        self.namespaces = namespaces
        self.namespaceType = objects.registry.lookup(group: "", version: "v1", plural: "namespaces")!
        self.logger = logger
        namespaces.addHandler { [queue] event in
            if case .deleted = event { return }
            if event.object[path: ["metadata", "deletionTimestamp"]] != nil { queue.add(SharedInformer.key(of: event.object)) }
        }
    }

    public func reconcile(_ key: String) async throws {
        guard let namespace = namespaces.get(key), namespace[path: ["metadata", "deletionTimestamp"]] != nil else { return }
        // The store, not the cache, decides what remains: a consistent list per kind.
        var remaining: [String: Int] = [:]
        for type in objects.registry.storedTypes where type.namespaced {
            let list = try await objects.list(type, namespace: key, options: ObjectStore.ListOptions())
            for item in list["items"]?.arrayValue ?? [] {
                remaining[type.groupResource, default: 0] += 1
                guard item[path: ["metadata", "deletionTimestamp"]] == nil, let name = item[path: ["metadata", "name"]]?.stringValue else { continue }
                do {
                    _ = try await objects.delete(type, namespace: key, name: name, options: .init(propagationPolicy: "Background"))
                } catch let error as APIError where error.code == 404 || error.code == 409 {
                    continue
                }
            }
        }
        let finalizers = namespace[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        if remaining.isEmpty && finalizers.isEmpty {
            _ = try await objects.store.delete(namespaceType.storageKey(namespace: nil, name: key))
            logger.info("namespace deleted", metadata: ["namespace": "\(key)"])
            return
        }
        try await report(namespace, remaining: remaining, finalizers: finalizers)
        throw RequeueRequest("\(remaining.values.reduce(0, +)) object(s) remaining")
    }

    /// Writes the deletion conditions kubectl describe shows while a namespace terminates.
    private func report(_ namespace: JSONValue, remaining: [String: Int], finalizers: [JSONValue]) async throws {
        let summary = remaining.sorted { $0.key < $1.key }.map { "\($0.key) has \($0.value) resource instances" }.joined(separator: ", ")
        let conditions: [JSONValue] = [
            [
                "type": "NamespaceContentRemaining", "status": remaining.isEmpty ? "False" : "True",
                "reason": remaining.isEmpty ? "ContentRemoved" : "SomeResourcesRemain",
                "message": .string(remaining.isEmpty ? "All content successfully removed" : "Some resources are remaining: \(summary)"),
            ],
            [
                "type": "NamespaceFinalizersRemaining", "status": finalizers.isEmpty ? "False" : "True",
                "reason": finalizers.isEmpty ? "ContentHasNoFinalizers" : "SomeFinalizersRemain",
                "message": .string(finalizers.isEmpty ? "All content-preserving finalizers finished" : "Some content in the namespace has finalizers remaining: \(finalizers.compactMap(\.stringValue).joined(separator: ", "))"),
            ],
        ]
        let old = (namespace[path: ["status", "conditions"]]?.arrayValue ?? []).map { condition -> JSONValue in
            var condition = condition
            condition["lastTransitionTime"] = nil
            return condition
        }
        guard old != conditions else { return }
        var body = namespace
        let now = ObjectMeta.timestamp(.now)
        body[path: "status.conditions"] = .array(conditions.map { condition in
            var condition = condition
            condition["lastTransitionTime"] = .string(now)
            return condition
        })
        do {
            _ = try await objects.update(namespaceType, namespace: nil, name: DeploymentController.name(namespace), body: body, subresource: "status")
        } catch let error as APIError where error.code == 404 || error.code == 409 {
            return
        }
    }
}
