public import EncStore
import Foundation

/// The generic registry: create, read, update, patch, delete, list and watch of any served kind,
/// stored as JSON in a ``KeyValueStore``, with kube-apiserver's metadata semantics.
///
/// An object's `metadata.resourceVersion` is its store modRevision; a list's is the store revision.
/// Stored bytes never hold the resourceVersion: it is filled in on every read.
public struct ObjectStore: Sendable, Allocator {
    /// The store underneath.
    public let store: any KeyValueStore
    /// The kinds served.
    public let registry: ResourceRegistry
    private let parser = JSONParser()

    /// Creates a registry over `store`.
    public init(store: any KeyValueStore, registry: ResourceRegistry = .builtIn) {
        self.store = store
        self.registry = registry
    }

    // MARK: Allocations

    func isAllocated(_ key: String) async throws -> Bool {
        try await store.get(key).kv != nil
    }

    /// The allocation keys among `keys` that exist now.
    private func existing(_ keys: [String]) async throws -> [String] {
        var found: [String] = []
        for key in keys where try await isAllocated(key) { found.append(key) }
        return found
    }

    // MARK: Reads

    /// The object `name`, or 404.
    public func get(_ type: ResourceType, namespace: String?, name: String) async throws -> JSONValue {
        guard let kv = try await store.get(type.storageKey(namespace: namespace, name: name)).kv else {
            throw APIError.notFound(type, name: name)
        }
        return try decode(kv)
    }

    /// Options of a list or watch.
    public struct ListOptions: Sendable {
        public var labelSelector = try! LabelSelector(parsing: "")
        public var fieldSelector = try! FieldSelector(parsing: "")
        public var limit = 0
        public var continueToken: String?
        /// List exactly at this resourceVersion (`resourceVersionMatch=Exact`); `nil` lists at the latest.
        public var exactResourceVersion: Int64?
        public init() {}
    }

    /// The continue token: where the next page starts, and the revision every page is read at,
    /// so a paged list is one consistent snapshot as in kube-apiserver.
    struct ContinueToken: Codable {
        var v = "meta.k8s.io/v1"
        var rv: Int64
        var start: String

        init(rv: Int64, start: String) {
            self.rv = rv
            self.start = start
        }

        init(decoding text: String, prefix: String) throws {
            guard text.utf8.count <= 8192, let data = Data(base64Encoded: text),
                let token = try? JSONDecoder().decode(ContinueToken.self, from: data), token.start.hasPrefix(prefix), token.rv > 0
            else {
                throw APIError.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
            }
            self = token
        }

        var encoded: String {
            (try? JSONEncoder().encode(self)).map { $0.base64EncodedString() } ?? ""
        }
    }

    /// A `<Kind>List` of the objects that match `options`, with paging.
    public func list(_ type: ResourceType, namespace: String?, options: ListOptions) async throws -> JSONValue {
        let prefix = type.storagePrefix(namespace: namespace)
        var after: String?
        var snapshot = options.exactResourceVersion
        var fromContinue = false
        if let text = options.continueToken, !text.isEmpty {
            let token = try ContinueToken(decoding: text, prefix: prefix)
            after = token.start
            snapshot = token.rv
            fromContinue = true
        }
        /// One page of the store at the snapshot revision (or the latest when there is none).
        func range(limit: Int, after: String?) async throws -> RangeResult {
            guard let snapshot else { return try await store.range(prefix: prefix, limit: limit, after: after) }
            do {
                return try await store.range(prefix: prefix, limit: limit, after: after, atRevision: snapshot)
            } catch let error as StoreError where error.code == .compacted {
                if fromContinue {
                    throw APIError(
                        code: 410, reason: "Expired",
                        message: "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
                }
                throw APIError.expired(requested: String(snapshot), oldest: error.compactRevision ?? 0)
            } catch let error as StoreError where error.code == .futureRevision {
                let current = try await store.currentRevision()
                throw APIError(code: 504, reason: "Timeout", message: "Too large resource version: \(snapshot), current: \(current)", details: ["retryAfterSeconds": 1])
            }
        }
        var items: [JSONValue] = []
        var revision: Int64 = 0
        var next: String?
        scan: while true {
            let page = try await range(limit: options.limit > 0 ? max(options.limit, 100) : 0, after: after)
            revision = max(revision, page.revision)
            for kv in page.kvs {
                let object = try decode(kv)
                after = kv.key
                guard matches(object, options) else { continue }
                items.append(object)
                if options.limit > 0, items.count == options.limit {
                    next = kv.key
                    break scan
                }
            }
            if !page.more { break }
        }
        if let last = next, try await range(limit: 1, after: last).kvs.isEmpty { next = nil }
        var metadata: JSONValue = ["resourceVersion": .string(String(revision))]
        if let next { metadata["continue"] = .string(ContinueToken(rv: revision, start: next).encoded) }
        return ["apiVersion": .string(type.apiVersion), "kind": .string(type.kind + "List"), "metadata": metadata, "items": .array(items)]
    }

    func matches(_ object: JSONValue, _ options: ListOptions) -> Bool {
        options.labelSelector.matches(object[path: ["metadata", "labels"]]?.stringMap ?? [:]) && options.fieldSelector.matches(object)
    }

    // MARK: Create

    /// Creates `body` as a new object of `type` in `namespace`.
    public func create(_ type: ResourceType, namespace: String?, body: JSONValue) async throws -> JSONValue {
        guard case .object = body else { throw APIError.badRequest("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml") }
        var object = body
        try checkTypeMeta(&object, type)
        var metadata = object["metadata"]?.objectValue ?? [:]
        if let bodyNamespace = metadata["namespace"]?.stringValue, !bodyNamespace.isEmpty, type.namespaced, bodyNamespace != namespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        var name = metadata["name"]?.stringValue ?? ""
        if name.isEmpty, let generate = metadata["generateName"]?.stringValue, !generate.isEmpty {
            name = generate + ObjectMeta.randomSuffix()
        }
        guard !name.isEmpty else {
            throw APIError.invalid(type, name: "", causes: [APIError.Cause(field: "metadata.name", type: "FieldValueRequired", message: "Required value: name or generateName is required")])
        }
        var causes = ObjectMeta.nameCauses(name, resource: type) + ObjectMeta.labelCauses(metadata["labels"])
        if type.namespaced {
            guard let namespace else { throw APIError.badRequest("a namespace is required to create \(type.groupResource)") }
            if causes.isEmpty { try await checkNamespaceAcceptsContent(namespace, type: type, name: name) }
            metadata["namespace"] = .string(namespace)
        } else {
            metadata["namespace"] = nil
        }
        metadata["name"] = .string(name)
        metadata["uid"] = .string(UUID().uuidString.lowercased())
        metadata["creationTimestamp"] = .string(ObjectMeta.timestamp(Date()))
        for serverOwned in ["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"] {
            metadata[serverOwned] = nil
        }
        object["metadata"] = .object(metadata)
        if type.subresources.contains("status"), type.plural != "namespaces", type.plural != "nodes" {
            object["status"] = nil
        }
        if type.plural == "namespaces" {
            object["spec"] = ["finalizers": ["kubernetes"]]
            object["status"] = ["phase": "Active"]
            var labels = metadata["labels"]?.objectValue ?? [:]
            labels["kubernetes.io/metadata.name"] = .string(name)
            object[path: "metadata.labels"] = .object(labels)
        }
        let key = type.storageKey(namespace: namespace, name: name)
        let strategy = Strategies.strategy(for: type)
        let prepared = object
        for attempt in 0..<4 {
            var object = prepared
            if let strategy {
                try await strategy.prepareForCreate(&object, allocator: self)
                if attempt == 0 { causes += strategy.validate(object) }
            }
            guard causes.isEmpty else { throw APIError.invalid(type, name: name, causes: causes) }
            if object["spec"] != nil { object[path: "metadata.generation"] = 1 }
            let allocations = strategy?.allocations(object) ?? []
            let keyBytes = Array(key.utf8)
            let operations = [WriteOperation.create(key, value: object.serialized())] + allocations.map { WriteOperation.create($0, value: keyBytes) }
            switch try await store.transaction(operations) {
            case .committed(_, let results):
                guard case .written(let kv) = results[0] else { throw APIError.internalError("create of \(key) wrote nothing") }
                return try decode(kv)
            case .conditionFailed(0, _, _):
                throw APIError.alreadyExists(type, name: name)
            case .conditionFailed(let index, _, _):
                // Another object holds the value: pick again if it was chosen here, else report it.
                if attempt == 3 { throw APIError.invalid(type, name: name, causes: [ServiceStrategy.conflict(allocations[index - 1], in: object)]) }
            }
        }
        throw APIError.internalError("create of \(key) did not converge")
    }

    private func checkTypeMeta(_ object: inout JSONValue, _ type: ResourceType) throws {
        let kind = object["kind"]?.stringValue ?? ""
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        if !kind.isEmpty, kind != type.kind || (!apiVersion.isEmpty && apiVersion != type.apiVersion) {
            throw APIError.badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(type.apiVersion))")
        }
        object["kind"] = .string(type.kind)
        object["apiVersion"] = .string(type.apiVersion)
    }

    private func checkNamespaceAcceptsContent(_ namespace: String, type: ResourceType, name: String) async throws {
        let namespaces = registry.lookup(group: "", version: "v1", plural: "namespaces")!
        guard let kv = try await store.get(namespaces.storageKey(namespace: nil, name: namespace)).kv else {
            throw APIError.notFound(namespaces, name: namespace)
        }
        let object = try decode(kv)
        if object[path: ["metadata", "deletionTimestamp"]] != nil || object[path: ["status", "phase"]]?.stringValue == "Terminating" {
            throw APIError.namespaceTerminating(namespace, resource: type, name: name)
        }
    }

    // MARK: Update

    /// Replaces object `name` (or its `status`) with `body`; a `metadata.resourceVersion` in the
    /// body must match the stored one.
    public func update(
        _ type: ResourceType, namespace: String?, name: String, body: JSONValue, subresource: String? = nil
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
        let merged = try prepareUpdate(type, current: current, new: object, subresource: subresource, name: name)
        return try await commit(type, name: name, key: key, object: merged, current: current, at: currentKV.modRevision)
    }

    /// Applies a strategic merge patch (what `kubectl apply` sends) to object `name`, retrying on conflicts.
    public func strategicMergePatch(
        _ type: ResourceType, namespace: String?, name: String, patch: JSONValue, subresource: String? = nil
    ) async throws -> JSONValue {
        let schemas = SchemaRegistry.kubernetes
        let schema = schemas.definitionName(for: type).flatMap { schemas.definitions[$0] }
        let patcher = StrategicMergePatch(schemas: schemas)
        return try await patchObject(type, namespace: namespace, name: name, patch: patch, subresource: subresource) {
            // Fields the schema does not define are dropped, as a typed decode would drop them.
            schemas.prune(try patcher.apply($0, to: $1, schema: schema), type: type).0
        }
    }

    /// Applies an RFC 7386 JSON merge patch to object `name` (or its `status`), retrying on conflicts.
    public func mergePatch(
        _ type: ResourceType, namespace: String?, name: String, patch: JSONValue, subresource: String? = nil
    ) async throws -> JSONValue {
        try await patchObject(type, namespace: namespace, name: name, patch: patch, subresource: subresource) { MergePatch.apply($0, to: $1) }
    }

    private func patchObject(
        _ type: ResourceType, namespace: String?, name: String, patch: JSONValue, subresource: String?,
        apply: (JSONValue, JSONValue) throws -> JSONValue
    ) async throws -> JSONValue {
        let key = type.storageKey(namespace: namespace, name: name)
        for _ in 0..<8 {
            guard let currentKV = try await store.get(key).kv else { throw APIError.notFound(type, name: name) }
            let current = try decode(currentKV)
            if let requested = patch[path: ["metadata", "resourceVersion"]]?.stringValue, requested != String(currentKV.modRevision) {
                throw APIError.conflict(type, name: name)
            }
            var patched = try apply(patch, current)
            patched[path: "metadata.resourceVersion"] = nil
            let merged = try prepareUpdate(type, current: current, new: patched, subresource: subresource, name: name)
            do {
                return try await commit(type, name: name, key: key, object: merged, current: current, at: currentKV.modRevision)
            } catch let error as APIError where error.reason == "Conflict" {
                continue
            }
        }
        throw APIError.conflict(type, name: name)
    }

    private func prepareUpdate(_ type: ResourceType, current: JSONValue, new: JSONValue, subresource: String?, name: String) throws -> JSONValue {
        var object = new
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
        }
        guard causes.isEmpty else { throw APIError.invalid(type, name: name, causes: causes) }
        if object["spec"] != current["spec"], let generation = old["generation"]?.integerValue {
            object[path: "metadata.generation"] = .integer(generation + 1)
        }
        return object
    }

    /// Writes `object` if the key is still at `revision` (claiming and releasing its allocations
    /// in the same transaction); removes it when it is being deleted and its last finalizer is gone.
    private func commit(
        _ type: ResourceType, name: String, key: String, object: JSONValue, current: JSONValue, at revision: Int64
    ) async throws -> JSONValue {
        let strategy = Strategies.strategy(for: type)
        let oldAllocations = strategy?.allocations(current) ?? []
        let finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        if object[path: ["metadata", "deletionTimestamp"]] != nil, finalizers.isEmpty, type.plural != "namespaces" {
            return try await remove(type, name: name, key: key, object: object, at: revision)
        }
        let newAllocations = strategy?.allocations(object) ?? []
        let claimed = newAllocations.filter { !oldAllocations.contains($0) }
        let released = try await existing(oldAllocations.filter { !newAllocations.contains($0) })
        let operations = [WriteOperation.update(key, value: object.serialized(), ifModRevision: revision)]
            + claimed.map { WriteOperation.create($0, value: Array(key.utf8)) } + released.map { WriteOperation.delete($0) }
        switch try await store.transaction(operations) {
        case .committed(_, let results):
            guard case .written(let kv) = results[0] else { throw APIError.internalError("update of \(key) wrote nothing") }
            return try decode(kv)
        case .conditionFailed(0, _, _):
            throw APIError.conflict(type, name: name)
        case .conditionFailed(let index, _, _):
            throw APIError.invalid(type, name: name, causes: [ServiceStrategy.conflict(operations[index].key, in: object)])
        }
    }

    /// Deletes `key` if it is still at `revision`, releasing the object's allocations.
    private func remove(_ type: ResourceType, name: String, key: String, object: JSONValue, at revision: Int64) async throws -> JSONValue {
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

    /// Assigns a pod to a node (the `binding` subresource): sets `spec.nodeName` once.
    public func bind(_ pods: ResourceType, namespace: String, name: String, node: String) async throws {
        let key = pods.storageKey(namespace: namespace, name: name)
        for _ in 0..<8 {
            guard let kv = try await store.get(key).kv else { throw APIError.notFound(pods, name: name) }
            var pod = try decode(kv)
            if let bound = pod[path: ["spec", "nodeName"]]?.stringValue, !bound.isEmpty {
                throw APIError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is already assigned to node \"\(bound)\"")
            }
            pod[path: "spec.nodeName"] = .string(node)
            pod[path: "metadata.resourceVersion"] = nil
            if case .written = try await store.put(key, value: pod.serialized(), ifModRevision: kv.modRevision) { return }
        }
        throw APIError.conflict(pods, name: name)
    }

    // MARK: Delete

    /// Options of a delete.
    public struct DeleteOptions: Sendable {
        /// `preconditions.uid`.
        public var uid: String?
        /// `preconditions.resourceVersion`.
        public var resourceVersion: String?
        public init(uid: String? = nil, resourceVersion: String? = nil) {
            self.uid = uid
            self.resourceVersion = resourceVersion
        }
    }

    /// Deletes object `name`: at once when it has no finalizers, else by setting its
    /// deletionTimestamp. Namespaces become Terminating; ``NamespaceFinalizer`` empties and removes them.
    /// - Returns: the object as deleted, or as marked for deletion.
    public func delete(_ type: ResourceType, namespace: String?, name: String, options: DeleteOptions = DeleteOptions()) async throws -> JSONValue {
        let key = type.storageKey(namespace: namespace, name: name)
        for _ in 0..<8 {
            guard let kv = try await store.get(key).kv else { throw APIError.notFound(type, name: name) }
            var object = try decode(kv)
            if let uid = options.uid, uid != object[path: ["metadata", "uid"]]?.stringValue {
                throw APIError(
                    code: 409, reason: "Conflict",
                    message: "Operation cannot be fulfilled on \(type.groupResource) \"\(name)\": Precondition failed: UID in precondition: \(uid), UID in object meta: \(object[path: ["metadata", "uid"]]?.stringValue ?? "")")
            }
            if let version = options.resourceVersion, version != String(kv.modRevision) {
                throw APIError(
                    code: 409, reason: "Conflict",
                    message: "Operation cannot be fulfilled on \(type.groupResource) \"\(name)\": Precondition failed: ResourceVersion in precondition: \(version), ResourceVersion in object meta: \(kv.modRevision)")
            }
            let finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue ?? []
            if type.plural == "namespaces" || !finalizers.isEmpty {
                if object[path: ["metadata", "deletionTimestamp"]] == nil {
                    object[path: "metadata.deletionTimestamp"] = .string(ObjectMeta.timestamp(Date()))
                    object[path: "metadata.deletionGracePeriodSeconds"] = 0
                }
                if type.plural == "namespaces" { object[path: "status.phase"] = "Terminating" }
                object[path: "metadata.resourceVersion"] = nil
                switch try await store.put(key, value: object.serialized(), ifModRevision: kv.modRevision) {
                case .written(let written): return try decode(written)
                default: continue
                }
            }
            do {
                return try await remove(type, name: name, key: key, object: object, at: kv.modRevision)
            } catch let error as APIError where error.reason == "Conflict" {
                continue
            }
        }
        throw APIError.conflict(type, name: name)
    }

    // MARK: Encoding

    /// Decodes a stored object and fills in its resourceVersion.
    func decode(_ kv: KeyValue) throws -> JSONValue {
        do {
            var object = try parser.parse(kv.value)
            object[path: "metadata.resourceVersion"] = .string(String(kv.modRevision))
            return object
        } catch {
            throw APIError.internalError("stored object \(kv.key) is not valid JSON: \(error)")
        }
    }
}

extension JSONValue {
    /// Sets the value at a dotted path, creating objects on the way; `nil` removes the member.
    subscript(path path: String) -> JSONValue? {
        get { self[path: path.split(separator: ".").map(String.init)] }
        set {
            let keys = path.split(separator: ".").map(String.init)
            set(keys[...], to: newValue)
        }
    }

    private mutating func set(_ keys: ArraySlice<String>, to value: JSONValue?) {
        guard let first = keys.first else { return }
        var members = objectValue ?? [:]
        if keys.count == 1 {
            members[first] = value
        } else {
            var child = members[first] ?? .object([:])
            child.set(keys.dropFirst(), to: value)
            members[first] = child
        }
        self = .object(members)
    }
}
