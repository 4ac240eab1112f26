import Foundation
public import Logging
public import ServiceLifecycle

/// Serves the kinds of CustomResourceDefinitions, as apiextensions-apiserver's naming,
/// establishing and finalizing controllers do together: an accepted definition's versions are
/// served at once and its status reports `NamesAccepted` and `Established`; a deleted one is
/// `Terminating` while its objects are deleted, then stops being served and its cleanup
/// finalizer is removed. It runs in every API server (each serves the kinds), not under leader
/// election. Level-triggered on the definition's name.
public final class CustomResourceDefinitionController: Controller, Service {
    public let name = "customresourcedefinition-controller"
    public let queue = WorkQueue<String>(name: "crd_establishing", baseDelay: .milliseconds(100), maxDelay: .seconds(5))
    let objects: ObjectStore
    let definitions: SharedInformer
    let definitionType: ResourceType
    let logger: Logger

    /// A controller over the CustomResourceDefinition informer.
    public init(objects: ObjectStore, definitions: SharedInformer, logger: Logger) {
        self.objects = objects
        self.definitions = definitions
        self.definitionType = objects.registry.lookup(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions")!
        self.logger = logger
        definitions.addHandler { [queue] event in queue.add(SharedInformer.key(of: event.object)) }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.runUntilCancelled(workers: 2, after: self.definitions, logger: self.logger)
        }
    }

    public func reconcile(_ key: String) async throws {
        let definition: JSONValue
        do {
            definition = try await objects.get(definitionType, namespace: nil, name: key)
        } catch let error as APIError where error.code == 404 {
            objects.live.setCustomTypes([], for: key)
            return
        }
        let types = CustomResourceTypes.types(of: definition)
        if definition[path: ["metadata", "deletionTimestamp"]] != nil {
            try await finalize(definition, key: key, types: types)
            return
        }
        if let conflict = namesConflict(definition, key: key) {
            objects.live.setCustomTypes([], for: key)
            try await writeStatus(definition, conditions: [
                Self.condition("NamesAccepted", false, reason: conflict.reason, message: conflict.message),
                Self.condition("Established", false, reason: "NotAccepted", message: "not all names are accepted"),
            ])
            return
        }
        objects.live.setCustomTypes(types, for: key)
        try await writeStatus(definition, conditions: [
            Self.condition("NamesAccepted", true, reason: "NoConflicts", message: "no conflicts found"),
            Self.condition("Established", true, reason: "InitialNamesAccepted", message: "the initial names have been accepted"),
        ])
    }

    /// Another definition (or a built-in kind) of the same group already uses this kind or a short name.
    private func namesConflict(_ definition: JSONValue, key: String) -> (reason: String, message: String)? {
        let group = definition[path: ["spec", "group"]]?.stringValue ?? ""
        let kind = definition[path: ["spec", "names", "kind"]]?.stringValue ?? ""
        let shortNames = definition[path: ["spec", "names", "shortNames"]]?.arrayValue?.compactMap(\.stringValue) ?? []
        for type in objects.registry.types where type.group == group && type.custom?.definition != key {
            if type.kind == kind { return ("KindConflict", "\(APIError.quoted(kind)) is already in use") }
            if let taken = shortNames.first(where: type.shortNames.contains) { return ("ShortNamesConflict", "\(APIError.quoted(taken)) is already in use") }
        }
        return nil
    }

    /// Deletes every object of a deleted definition, then lets the definition go.
    private func finalize(_ definition: JSONValue, key: String, types: [ResourceType]) async throws {
        let finalizers = definition[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        guard finalizers.contains(.string(CustomResourceDefinitionStrategy.cleanupFinalizer)) else {
            objects.live.setCustomTypes([], for: key)
            return
        }
        if let type = types.first {
            let list = try await objects.list(type, namespace: nil, options: ObjectStore.ListOptions())
            let items = list["items"]?.arrayValue ?? []
            if !items.isEmpty {
                try await writeStatus(definition, conditions: [
                    Self.condition("Terminating", true, reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress"),
                ])
                for item in items where item[path: ["metadata", "deletionTimestamp"]] == nil {
                    guard let name = item[path: ["metadata", "name"]]?.stringValue else { continue }
                    do {
                        _ = try await objects.delete(type, namespace: item[path: ["metadata", "namespace"]]?.stringValue, name: name, options: .init(propagationPolicy: "Background"))
                    } catch let error as APIError where error.code == 404 || error.code == 409 {
                        continue
                    }
                }
                throw RequeueRequest("\(items.count) custom resource(s) of \(key) remaining")
            }
        }
        objects.live.setCustomTypes([], for: key)
        _ = try await objects.mergePatch(
            definitionType, namespace: nil, name: key,
            patch: ["metadata": ["finalizers": .array(finalizers.filter { $0 != .string(CustomResourceDefinitionStrategy.cleanupFinalizer) })]])
        logger.info("custom resource definition removed", metadata: ["definition": "\(key)"])
    }

    static func condition(_ type: String, _ status: Bool, reason: String, message: String) -> JSONValue {
        ["type": .string(type), "status": status ? "True" : "False", "reason": .string(reason), "message": .string(message)]
    }

    /// Writes accepted names, stored versions and `conditions` (keeping transition times of
    /// conditions whose status did not change) when they differ from what is stored.
    private func writeStatus(_ definition: JSONValue, conditions: [JSONValue]) async throws {
        var status = definition["status"]?.objectValue ?? [:]
        let old = status["conditions"]?.arrayValue ?? []
        let now = JSONValue.string(ObjectMeta.timestamp(Date()))
        var merged = old.filter { existing in !conditions.contains { $0["type"] == existing["type"] } }
        for var condition in conditions {
            let previous = old.first { $0["type"] == condition["type"] }
            condition["lastTransitionTime"] = previous?["status"] == condition["status"] ? (previous?["lastTransitionTime"] ?? now) : now
            merged.append(condition)
        }
        status["conditions"] = .array(merged.sorted { ($0["type"]?.stringValue ?? "") < ($1["type"]?.stringValue ?? "") })
        if conditions.contains(where: { $0["type"] == "NamesAccepted" && $0["status"] == "True" }) {
            status["acceptedNames"] = definition[path: ["spec", "names"]]
        } else if status["acceptedNames"] == nil {
            status["acceptedNames"] = ["plural": "", "kind": ""]
        }
        var stored = status["storedVersions"]?.arrayValue ?? []
        if let storage = definition[path: ["spec", "versions"]]?.arrayValue?.first(where: { $0["storage"] == true })?["name"], !stored.contains(storage) {
            stored.append(storage)
        }
        status["storedVersions"] = .array(stored)
        guard JSONValue.object(status) != definition["status"] else { return }
        var updated = definition
        updated["status"] = .object(status)
        _ = try await objects.update(
            definitionType, namespace: nil, name: definition[path: ["metadata", "name"]]?.stringValue ?? "", body: updated, subresource: "status",
            options: .init(fieldManager: "kube-apiserver"))
    }
}
