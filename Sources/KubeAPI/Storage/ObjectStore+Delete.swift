import EncStore
import Foundation

/// Delete: preconditions, finalizers, graceful deletion of bound pods, dry runs.
extension ObjectStore {
    /// Options of a delete (the parts of `DeleteOptions` the registry acts on).
    public struct DeleteOptions: Sendable {
        /// `preconditions.uid`.
        public var uid: String?
        /// `preconditions.resourceVersion`.
        public var resourceVersion: String?
        /// `gracePeriodSeconds`: for pods bound to a node, how long the node has to stop them
        /// (nil: the pod's `terminationGracePeriodSeconds`, else 30; 0 deletes at once). Other
        /// kinds have no graceful deletion, as in kube-apiserver.
        public var gracePeriodSeconds: Int64?
        /// Check everything and remove nothing (`dryRun=All`).
        public var dryRun: Bool
        /// Who deletes, for the store's admission chain (nil: the built-in controllers).
        public var admission: Admission?
        /// `Background` (nil: the default) removes the object and leaves its dependents to the
        /// garbage collector; `Foreground` keeps it (finalizer `foregroundDeletion`) until they
        /// are gone; `Orphan` keeps it (finalizer `orphan`) until their references are removed.
        public var propagationPolicy: String?

        /// Creates options; every parameter defaults to "not given".
        public init(
            uid: String? = nil, resourceVersion: String? = nil, gracePeriodSeconds: Int64? = nil, dryRun: Bool = false, admission: Admission? = nil,
            propagationPolicy: String? = nil
        ) {
            self.uid = uid
            self.resourceVersion = resourceVersion
            self.gracePeriodSeconds = gracePeriodSeconds
            self.dryRun = dryRun
            self.admission = admission
            self.propagationPolicy = propagationPolicy
        }
    }

    /// What a delete did.
    public struct Deletion: Sendable {
        /// The object as removed, or as marked for deletion.
        public var object: JSONValue
        /// Whether the object is gone from the store (false: it waits for finalizers or a grace period).
        public var removed: Bool
    }

    /// Deletes object `name`: at once when it has no finalizers (and, for a pod bound to a node,
    /// no grace period), else by setting its deletionTimestamp. Namespaces become Terminating;
    /// the namespace controller empties and removes them.
    @discardableResult
    public func delete(_ type: ResourceType, namespace: String?, name: String, options: DeleteOptions = DeleteOptions()) async throws -> Deletion {
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
            try await admission.validate(
                .delete, type, namespace: namespace, name: name, subresource: nil, options: options.admission, dryRun: options.dryRun, object: nil, old: object)
            var finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue ?? []
            // Foreground and Orphan propagation hold the object with a finalizer the garbage collector removes.
            let propagation: String? = switch options.propagationPolicy {
            case "Foreground": "foregroundDeletion"
            case "Orphan": "orphan"
            default: nil
            }
            var finalizerAdded = false
            if let propagation, type.plural != "namespaces", !finalizers.contains(.string(propagation)) {
                finalizers.append(.string(propagation))
                object[path: "metadata.finalizers"] = .array(finalizers)
                finalizerAdded = true
            }
            let grace = Self.gracePeriod(type, object, requested: options.gracePeriodSeconds)
            if type.plural == "namespaces" || !finalizers.isEmpty || grace > 0 {
                let marked = Self.markedForDeletion(object, grace: grace, namespace: type.plural == "namespaces")
                // A pod already terminating with a shorter grace period keeps it.
                if marked == nil, finalizers.isEmpty, grace > 0 { return Deletion(object: object, removed: false) }
                if let marked { object = marked }
                if options.dryRun { return Deletion(object: withResourceVersion(object, kv.modRevision), removed: false) }
                if marked == nil, !finalizerAdded { return Deletion(object: object, removed: false) }
                object[path: "metadata.resourceVersion"] = nil
                switch try await store.put(key, value: object.serialized(), ifModRevision: kv.modRevision) {
                case .written(let written): return Deletion(object: try decode(written), removed: false)
                default: continue
                }
            }
            if options.dryRun { return Deletion(object: object, removed: true) }
            do {
                return Deletion(object: try await remove(type, name: name, key: key, object: object, at: kv.modRevision), removed: true)
            } catch let error as APIError where error.reason == "Conflict" {
                continue
            }
        }
        throw APIError.conflict(type, name: name)
    }

    /// The grace period a delete gives: for a pod bound to a node and not finished, the requested
    /// one, else its `terminationGracePeriodSeconds`, else 30 (negative requests count as 1, as
    /// kube-apiserver); 0 for everything else.
    static func gracePeriod(_ type: ResourceType, _ object: JSONValue, requested: Int64?) -> Int64 {
        guard type.group.isEmpty, type.plural == "pods" else { return 0 }
        let bound = !(object[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty
        let phase = object[path: ["status", "phase"]]?.stringValue
        guard bound, phase != "Succeeded", phase != "Failed" else { return 0 }
        let grace = requested ?? object[path: ["spec", "terminationGracePeriodSeconds"]]?.integerValue ?? 30
        return grace < 0 ? 1 : grace
    }

    /// `object` with its deletionTimestamp set `grace` seconds from now (a namespace also
    /// Terminating), or nil when it is already marked with a grace period no longer than `grace`.
    static func markedForDeletion(_ object: JSONValue, grace: Int64, namespace: Bool) -> JSONValue? {
        var object = object
        if let current = object[path: ["metadata", "deletionGracePeriodSeconds"]]?.integerValue,
            object[path: ["metadata", "deletionTimestamp"]] != nil, current <= grace
        {
            return nil
        }
        let seconds = min(max(grace, 0), 1 << 40)
        object[path: "metadata.deletionTimestamp"] = .string(ObjectMeta.timestamp(Date().addingTimeInterval(Double(seconds))))
        object[path: "metadata.deletionGracePeriodSeconds"] = .integer(seconds)
        if namespace { object[path: "status.phase"] = "Terminating" }
        return object
    }
}
