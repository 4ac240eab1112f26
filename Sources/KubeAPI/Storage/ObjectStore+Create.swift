import EncStore
import Foundation

/// Create: names, metadata, defaulting, validation, admission and allocations, in one transaction.
extension ObjectStore {
    /// Options of a create, update or patch.
    public struct WriteOptions: Sendable {
        /// Run every check (admission, defaulting, validation, allocation) and store nothing
        /// (`dryRun=All`). The answer is the object as it would be stored; a created object has
        /// no resourceVersion, an updated one keeps the stored one.
        public var dryRun: Bool
        /// Who writes, for the store's admission chain (nil: the built-in controllers).
        public var admission: Admission?
        /// The manager `metadata.managedFields` credits with the fields this write changes.
        public var fieldManager: String
        /// Set by server-side apply, whose object already carries its managed fields.
        var managedFieldsSet = false

        /// The manager of writes that name none: the built-in controllers.
        public static let controllerManager = "kube-controller-manager"

        /// Creates options; by default the write is stored, admitted and credited as the controllers' write.
        public init(dryRun: Bool = false, admission: Admission? = nil, fieldManager: String = WriteOptions.controllerManager) {
            self.dryRun = dryRun
            self.admission = admission
            self.fieldManager = fieldManager
        }
    }

    /// Creates `body` as a new object of `type` in `namespace`.
    public func create(_ type: ResourceType, namespace: String?, body: JSONValue, options: WriteOptions = WriteOptions()) async throws -> JSONValue {
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
        let applied = options.managedFieldsSet ? metadata["managedFields"] : nil
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
        object = try await admission.mutate(
            .create, type, namespace: namespace, name: name, subresource: nil, options: options.admission, dryRun: options.dryRun, object: object, old: nil)
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
            object[path: "metadata.managedFields"] =
                applied ?? FieldManager(type: type).update(old: nil, new: object, manager: options.fieldManager, subresource: "", now: Date())
            if attempt == 0 {
                try await admission.validate(
                    .create, type, namespace: namespace, name: name, subresource: nil, options: options.admission, dryRun: options.dryRun, object: object, old: nil)
            }
            let allocations = strategy?.allocations(object) ?? []
            if options.dryRun {
                // Everything but the write: the name and every allocation must still be free.
                if try await isAllocated(key) { throw APIError.alreadyExists(type, name: name) }
                guard let taken = try await existing(allocations).first else { return try parser.parse(object.serialized()) }
                if attempt == 3 { throw APIError.invalid(type, name: name, causes: [ServiceStrategy.conflict(taken, in: object)]) }
                continue
            }
            let keyBytes = Array(key.utf8)
            let operations = [WriteOperation.create(key, value: object.serialized())] + allocations.map { WriteOperation.create($0, value: keyBytes) }
            switch try await store.transaction(operations) {
            case .committed(_, let results):
                guard case .written(let kv) = results[0] else { throw APIError.internalError("create of \(key) wrote nothing") }
                return withResourceVersion(object, kv.modRevision)
            case .conditionFailed(0, _, _):
                throw APIError.alreadyExists(type, name: name)
            case .conditionFailed(let index, _, _):
                // Another object holds the value: pick again if it was chosen here, else report it.
                if attempt == 3 { throw APIError.invalid(type, name: name, causes: [ServiceStrategy.conflict(allocations[index - 1], in: object)]) }
            }
        }
        throw APIError.internalError("create of \(key) did not converge")
    }

    func checkTypeMeta(_ object: inout JSONValue, _ type: ResourceType) throws {
        let kind = object["kind"]?.stringValue ?? ""
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        if !kind.isEmpty, kind != type.kind || (!apiVersion.isEmpty && apiVersion != type.apiVersion) {
            throw APIError.badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(type.apiVersion))")
        }
        object["kind"] = .string(type.kind)
        object["apiVersion"] = .string(type.apiVersion)
    }

    func checkNamespaceAcceptsContent(_ namespace: String, type: ResourceType, name: String) async throws {
        let namespaces = registry.lookup(group: "", version: "v1", plural: "namespaces")!
        guard let kv = try await store.get(namespaces.storageKey(namespace: nil, name: namespace)).kv else {
            throw APIError.notFound(namespaces, name: namespace)
        }
        let object = try decode(kv)
        if object[path: ["metadata", "deletionTimestamp"]] != nil || object[path: ["status", "phase"]]?.stringValue == "Terminating" {
            throw APIError.namespaceTerminating(namespace, resource: type, name: name)
        }
    }
}
