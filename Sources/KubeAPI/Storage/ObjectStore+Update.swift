import EncStore
import Foundation

/// Update and patch: preconditions, immutable fields, admission, allocations claimed and
/// released with the write, and conflicts retried for patches.
extension ObjectStore {
    /// Replaces object `name` (or its `status`) with `body`; a `metadata.resourceVersion` in the
    /// body must match the stored one.
    public func update(
        _ type: ResourceType, namespace: String?, name: String, body: JSONValue, subresource: String? = nil, options: WriteOptions = WriteOptions()
    ) async throws -> JSONValue {
        guard case .object = body else { throw APIError.badRequest("the body of the request was in an unknown format") }
        var object = body
        try checkTypeMeta(&object, type)
        if let bodyName = object[path: ["metadata", "name"]]?.stringValue, bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        let key = type.storageKey(namespace: namespace, name: name)
        guard let currentKV = try await store.get(key).kv else { throw APIError.notFound(type, name: name) }
        if let requested = object[path: ["metadata", "resourceVersion"]]?.stringValue, !requested.isEmpty,
            requested != String(currentKV.modRevision)
        {
            throw APIError.conflict(type, name: name)
        }
        let current = try decode(currentKV)
        let merged = try await prepareUpdate(type, namespace: namespace, current: current, new: object, subresource: subresource, name: name, options: options)
        return try await commit(type, name: name, key: key, object: merged, current: current, at: currentKV.modRevision, dryRun: options.dryRun)
    }

    /// Applies a strategic merge patch (what `kubectl apply` sends) to object `name`, retrying on conflicts.
    public func strategicMergePatch(
        _ type: ResourceType, namespace: String?, name: String, patch: JSONValue, subresource: String? = nil, options: WriteOptions = WriteOptions(),
        view: PatchView? = nil
    ) async throws -> JSONValue {
        let schemas = SchemaRegistry.kubernetes
        let patched = view?.type ?? type
        let schema = schemas.definitionName(for: patched).flatMap { schemas.definitions[$0] }
        let patcher = StrategicMergePatch(schemas: schemas)
        return try await patchObject(type, namespace: namespace, name: name, patch: patch, subresource: subresource, options: options, view: view) {
            // Fields the schema does not define are dropped, as a typed decode would drop them.
            schemas.prune(try patcher.apply($0, to: $1, schema: schema), type: patched).0
        }
    }

    /// Applies an RFC 6902 JSON patch to object `name` (or its `status`), retrying on conflicts.
    public func jsonPatch(
        _ type: ResourceType, namespace: String?, name: String, patch: JSONValue, subresource: String? = nil, options: WriteOptions = WriteOptions(),
        view: PatchView? = nil
    ) async throws -> JSONValue {
        try await patchObject(type, namespace: namespace, name: name, patch: [:], subresource: subresource, options: options, view: view) { _, current in
            var patched = try JSONPatch.apply(patch, to: current)
            // resourceVersion is compared, not patched: a patched one must match the stored one.
            if let requested = patched[path: ["metadata", "resourceVersion"]], requested != current[path: ["metadata", "resourceVersion"]] {
                throw APIError.conflict(type, name: name)
            }
            patched[path: "metadata.resourceVersion"] = nil
            return patched
        }
    }

    /// Applies an RFC 7386 JSON merge patch to object `name` (or its `status`), retrying on conflicts.
    public func mergePatch(
        _ type: ResourceType, namespace: String?, name: String, patch: JSONValue, subresource: String? = nil, options: WriteOptions = WriteOptions(),
        view: PatchView? = nil
    ) async throws -> JSONValue {
        try await patchObject(type, namespace: namespace, name: name, patch: patch, subresource: subresource, options: options, view: view) {
            MergePatch.apply($0, to: $1)
        }
    }

    /// A version of a kind whose fields differ from the stored one's, as a patch sent to it sees
    /// the object: the stored object is presented in that version, patched there and converted
    /// back (kube-apiserver patches the object in the version the client addressed).
    public struct PatchView: Sendable {
        /// The version patched (its schema drives strategic merge patches).
        public var type: ResourceType
        /// The stored object in that version.
        public var present: @Sendable (JSONValue) -> JSONValue
        /// That version's object as stored.
        public var store: @Sendable (JSONValue) -> JSONValue

        public init(type: ResourceType, present: @escaping @Sendable (JSONValue) -> JSONValue, store: @escaping @Sendable (JSONValue) -> JSONValue) {
            self.type = type
            self.present = present
            self.store = store
        }
    }

    func patchObject(
        _ type: ResourceType, namespace: String?, name: String, patch: JSONValue, subresource: String?, options: WriteOptions, view: PatchView? = nil,
        apply: (JSONValue, JSONValue) throws -> JSONValue
    ) async throws -> JSONValue {
        let key = type.storageKey(namespace: namespace, name: name)
        for _ in 0..<8 {
            guard let currentKV = try await store.get(key).kv else { throw APIError.notFound(type, name: name) }
            let current = try decode(currentKV)
            if let requested = patch[path: ["metadata", "resourceVersion"]]?.stringValue, requested != String(currentKV.modRevision) {
                throw APIError.conflict(type, name: name)
            }
            var patched = try view.map { $0.store(try apply(patch, $0.present(current))) } ?? apply(patch, current)
            patched[path: "metadata.resourceVersion"] = nil
            let merged = try await prepareUpdate(type, namespace: namespace, current: current, new: patched, subresource: subresource, name: name, options: options)
            do {
                return try await commit(type, name: name, key: key, object: merged, current: current, at: currentKV.modRevision, dryRun: options.dryRun)
            } catch let error as APIError where error.reason == "Conflict" {
                continue
            }
        }
        throw APIError.conflict(type, name: name)
    }

    func prepareUpdate(
        _ type: ResourceType, namespace: String?, current: JSONValue, new: JSONValue, subresource: String?, name: String, options: WriteOptions
    ) async throws -> JSONValue {
        var object = new
        object = try await admission.mutate(
            .update, type, namespace: namespace, name: name, subresource: subresource, options: options.admission, dryRun: options.dryRun, object: object,
            old: current)
        if subresource == "status" {
            object = current
            object["status"] = new["status"]
        } else if type.subresources.contains("status") {
            object["status"] = current["status"]
        }
        var metadata = object["metadata"]?.objectValue ?? [:]
        let old = current["metadata"]?.objectValue ?? [:]
        for immutable in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
            metadata[immutable] = old[immutable]
        }
        metadata["resourceVersion"] = nil
        object["metadata"] = .object(metadata)
        var causes = ObjectMeta.labelCauses(metadata["labels"])
        if subresource == nil, let strategy = Strategies.strategy(for: type) {
            strategy.prepareForUpdate(&object, old: current)
            causes += strategy.validateUpdate(object, old: current)
        } else if subresource == "status", let strategy = Strategies.strategy(for: type) {
            causes += strategy.validateStatusUpdate(object, old: current)
        }
        guard causes.isEmpty else { throw APIError.invalid(type, name: name, causes: causes) }
        if object["spec"] != current["spec"], let generation = old["generation"]?.integerValue {
            object[path: "metadata.generation"] = .integer(generation &+ 1)
        }
        if !options.managedFieldsSet {
            object[path: "metadata.managedFields"] = FieldManager(type: type).update(
                old: current, new: object, manager: options.fieldManager, subresource: subresource ?? "", now: Date())
        }
        try await admission.validate(
            .update, type, namespace: namespace, name: name, subresource: subresource, options: options.admission, dryRun: options.dryRun, object: object,
            old: current)
        return object
    }

    /// Writes `object` if the key is still at `revision` (claiming and releasing its allocations
    /// in the same transaction); removes it when it is being deleted and its last finalizer is gone.
    /// A dry run checks the same and returns the object with the stored resourceVersion.
    func commit(
        _ type: ResourceType, name: String, key: String, object: JSONValue, current: JSONValue, at revision: Int64, dryRun: Bool = false
    ) async throws -> JSONValue {
        let strategy = Strategies.strategy(for: type)
        let oldAllocations = strategy?.allocations(current) ?? []
        let finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        // The last finalizer gone from an object being deleted removes it, unless it still has a
        // grace period to run out (a terminating pod waits for its node).
        if object[path: ["metadata", "deletionTimestamp"]] != nil, finalizers.isEmpty, type.plural != "namespaces",
            (object[path: ["metadata", "deletionGracePeriodSeconds"]]?.integerValue ?? 0) == 0
        {
            if dryRun { return withResourceVersion(object, revision) }
            return try await remove(type, name: name, key: key, object: object, at: revision)
        }
        // A write that changes nothing is not made: the object keeps its resourceVersion.
        var unchanged = current
        unchanged[path: "metadata.resourceVersion"] = object[path: ["metadata", "resourceVersion"]]
        if unchanged == object { return withResourceVersion(object, revision) }
        let newAllocations = strategy?.allocations(object) ?? []
        let claimed = newAllocations.filter { !oldAllocations.contains($0) }
        if dryRun {
            if let taken = try await existing(claimed).first { throw APIError.invalid(type, name: name, causes: [ServiceStrategy.conflict(taken, in: object)]) }
            return withResourceVersion(object, revision)
        }
        let released = try await existing(oldAllocations.filter { !newAllocations.contains($0) })
        let operations = [WriteOperation.update(key, value: object.serialized(), ifModRevision: revision)]
            + claimed.map { WriteOperation.create($0, value: Array(key.utf8)) } + released.map { WriteOperation.delete($0) }
        switch try await store.transaction(operations) {
        case .committed(_, let results):
            guard case .written(let kv) = results[0] else { throw APIError.internalError("update of \(key) wrote nothing") }
            return withResourceVersion(object, kv.modRevision)
        case .conditionFailed(0, _, _):
            throw APIError.conflict(type, name: name)
        case .conditionFailed(let index, _, _):
            throw APIError.invalid(type, name: name, causes: [ServiceStrategy.conflict(operations[index].key, in: object)])
        }
    }

    /// Deletes `key` if it is still at `revision`, releasing the object's allocations.
    func remove(_ type: ResourceType, name: String, key: String, object: JSONValue, at revision: Int64) async throws -> JSONValue {
        let allocations = try await existing(Strategies.strategy(for: type)?.allocations(object) ?? [])
        switch try await store.transaction([WriteOperation.delete(key, ifModRevision: revision)] + allocations.map { WriteOperation.delete($0) }) {
        case .committed(let deletedAt, _):
            var gone = object
            gone[path: "metadata.resourceVersion"] = .string(String(deletedAt))
            return gone
        case .conditionFailed:
            throw APIError.conflict(type, name: name)
        }
    }

    /// 409 for binding a pod that is bound already.
    static func alreadyBound(_ name: String, to node: String) -> APIError {
        APIError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is already assigned to node \"\(node)\"")
    }

    /// Assigns a pod to a node (the `binding` subresource): sets `spec.nodeName` once.
    public func bind(_ pods: ResourceType, namespace: String, name: String, node: String) async throws {
        let key = pods.storageKey(namespace: namespace, name: name)
        for _ in 0..<8 {
            guard let kv = try await store.get(key).kv else { throw APIError.notFound(pods, name: name) }
            var pod = try decode(kv)
            if let bound = pod[path: ["spec", "nodeName"]]?.stringValue, !bound.isEmpty { throw Self.alreadyBound(name, to: bound) }
            pod[path: "spec.nodeName"] = .string(node)
            pod[path: "metadata.resourceVersion"] = nil
            // As kube-apiserver's binding storage: the pod is now scheduled.
            var conditions = (pod[path: ["status", "conditions"]]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "PodScheduled" }
            conditions.append(["type": "PodScheduled", "status": "True", "lastTransitionTime": .string(ObjectMeta.timestamp(Date())), "lastProbeTime": .null])
            pod[path: "status.conditions"] = .array(conditions)
            if case .written = try await store.put(key, value: pod.serialized(), ifModRevision: kv.modRevision) { return }
        }
        throw APIError.conflict(pods, name: name)
    }
}
