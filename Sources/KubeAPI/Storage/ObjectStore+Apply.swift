import EncStore
import Foundation

/// Server-side apply (`application/apply-patch+yaml`): merges a manager's configuration into the
/// object, creating it when it does not exist, with the field manager's ownership rules.
extension ObjectStore {
    /// The result of an apply.
    public struct ApplyResult: Sendable {
        /// The object as stored (or as it would be, on a dry run).
        public var object: JSONValue
        /// Whether the apply created it (the answer is then 201).
        public var created: Bool
    }

    /// Applies `config` to object `name` as `options.fieldManager`, retrying on write conflicts.
    /// - Parameters:
    ///   - force: take fields other managers own instead of failing with 409.
    /// - Throws: ``APIError`` 400 for a configuration of another kind, name or namespace or one
    ///   carrying managedFields; 409 for conflicts with other managers.
    public func apply(
        _ type: ResourceType, namespace: String?, name: String, config: JSONValue, subresource: String? = nil, force: Bool,
        options: WriteOptions
    ) async throws -> ApplyResult {
        try checkApplied(config, type: type, namespace: namespace, name: name)
        var options = options
        options.managedFieldsSet = true
        let manager = FieldManager(type: type)
        let key = type.storageKey(namespace: namespace, name: name)
        for _ in 0..<8 {
            guard let currentKV = try await store.get(key).kv else {
                guard subresource == nil else { throw APIError.notFound(type, name: name) }
                if let uid = config[path: ["metadata", "uid"]]?.stringValue, !uid.isEmpty {
                    throw APIError(
                        code: 409, reason: "Conflict",
                        message: "uid mismatch: the provided object specified uid \(uid), and no existing object was found")
                }
                var object = try manager.apply(live: nil, config: config, manager: options.fieldManager, subresource: "", force: force, now: Date())
                object[path: "metadata.name"] = .string(name)
                do {
                    return ApplyResult(object: try await create(type, namespace: namespace, body: object, options: options), created: true)
                } catch let error as APIError where error.reason == "AlreadyExists" {
                    continue
                }
            }
            let current = try decode(currentKV)
            if let requested = config[path: ["metadata", "resourceVersion"]]?.stringValue, !requested.isEmpty, requested != String(currentKV.modRevision) {
                throw APIError.conflict(type, name: name)
            }
            if let uid = config[path: ["metadata", "uid"]]?.stringValue, !uid.isEmpty, uid != current[path: ["metadata", "uid"]]?.stringValue {
                throw APIError(
                    code: 409, reason: "Conflict",
                    message: "Operation cannot be fulfilled on \(type.groupResource) \"\(name)\": Precondition failed: UID in precondition: \(uid), UID in object meta: \(current[path: ["metadata", "uid"]]?.stringValue ?? "")",
                    details: APIError.details(type, name: name))
            }
            var merged = try manager.apply(live: current, config: config, manager: options.fieldManager, subresource: subresource ?? "", force: force, now: Date())
            merged[path: "metadata.resourceVersion"] = nil
            let object = try await prepareUpdate(type, namespace: namespace, current: current, new: merged, subresource: subresource, name: name, options: options)
            do {
                let stored = try await commit(type, name: name, key: key, object: object, current: current, at: currentKV.modRevision, dryRun: options.dryRun)
                return ApplyResult(object: stored, created: false)
            } catch let error as APIError where error.reason == "Conflict" && error.details?["causes"] == nil {
                continue
            }
        }
        throw APIError.conflict(type, name: name)
    }

    /// kube-apiserver's checks of an applied configuration before any merge.
    private func checkApplied(_ config: JSONValue, type: ResourceType, namespace: String?, name: String) throws {
        guard case .object = config else { throw APIError.badRequest("error decoding YAML: the applied configuration must be an object") }
        let apiVersion = config["apiVersion"]?.stringValue ?? ""
        let kind = config["kind"]?.stringValue ?? ""
        guard apiVersion == type.apiVersion, kind == type.kind else {
            let group = apiVersion.split(separator: "/").count == 2 ? String(apiVersion.split(separator: "/")[0]) : ""
            let version = String(apiVersion.split(separator: "/").last ?? "")
            throw APIError.badRequest("invalid object type: \(group)/\(version), Kind=\(kind.prefix(100))")
        }
        if let managed = config[path: ["metadata", "managedFields"]], managed != .null {
            throw APIError.badRequest("metadata.managedFields must be nil")
        }
        if let bodyName = config[path: ["metadata", "name"]]?.stringValue, bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName.prefix(253))) does not match the name on the URL (\(name))")
        }
        if let bodyNamespace = config[path: ["metadata", "namespace"]]?.stringValue, !bodyNamespace.isEmpty, type.namespaced, bodyNamespace != namespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
    }
}
