import Foundation
public import Logging
import Synchronization

/// Deletes objects whose owners are gone, as kube-controller-manager's garbage collector: every
/// served kind is watched; an object whose `ownerReferences` all name objects that no longer
/// exist is deleted (background propagation); an owner deleted with `propagationPolicy:
/// Foreground` carries the `foregroundDeletion` finalizer until its dependents are gone; one
/// deleted with `Orphan` carries the `orphan` finalizer until its dependents' references to it
/// are removed.
public final class GarbageCollector: Sendable {
    public let name = "garbage-collector"
    let objects: ObjectStore
    let kinds: [(type: ResourceType, informer: SharedInformer)]
    let logger: Logger
    /// Work: `dependent|<kind index>|<key>` to check a dependent's owners, `owner|<kind index>|<key>`
    /// to finish an owner's foreground or orphan deletion.
    public let queue = WorkQueue<String>(name: "garbage_collector_attempt_to_delete")
    private let uids = Mutex<[String: (kind: Int, key: String)]>([:])

    static let foregroundFinalizer = "foregroundDeletion"
    static let orphanFinalizer = "orphan"

    /// A collector over one informer per served kind.
    public init(objects: ObjectStore, kinds: [(type: ResourceType, informer: SharedInformer)], logger: Logger) {
        self.objects = objects
        self.kinds = kinds
        self.logger = logger
        for (index, kind) in kinds.enumerated() {
            kind.informer.addHandler { [weak self] event in self?.observe(event, kind: index) }
        }
    }

    private func observe(_ event: InformerEvent, kind: Int) {
        let object = event.object
        let key = SharedInformer.key(of: object)
        guard let uid = object[path: ["metadata", "uid"]]?.stringValue else { return }
        switch event {
        case .deleted:
            uids.withLock { _ = $0.removeValue(forKey: uid) }
            // Its dependents may now be orphans of a deleted owner.
            for (index, other) in kinds.enumerated() {
                for dependent in other.informer.byIndex(SharedInformer.ownerIndex, uid) {
                    queue.add("dependent|\(index)|\(SharedInformer.key(of: dependent))")
                }
            }
        case .added, .updated:
            uids.withLock { $0[uid] = (kind, key) }
            if !(object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).isEmpty {
                queue.add("dependent|\(kind)|\(key)")
            }
            let finalizers = (object[path: ["metadata", "finalizers"]]?.arrayValue ?? []).compactMap(\.stringValue)
            if object[path: ["metadata", "deletionTimestamp"]] != nil,
                finalizers.contains(Self.foregroundFinalizer) || finalizers.contains(Self.orphanFinalizer)
            {
                queue.add("owner|\(kind)|\(key)")
            }
            // A dependent leaving means a foreground owner may be finished.
            if case .updated(let old, _) = event, old[path: ["metadata", "deletionTimestamp"]] == nil, object[path: ["metadata", "deletionTimestamp"]] != nil {
                enqueueOwners(of: object)
            }
        }
        if case .deleted = event { enqueueOwners(of: object) }
    }

    private func enqueueOwners(of object: JSONValue) {
        for ref in object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? [] {
            guard let uid = ref["uid"]?.stringValue, let owner = uids.withLock({ $0[uid] }) else { continue }
            queue.add("owner|\(owner.kind)|\(owner.key)")
        }
    }

    /// Runs the collector's workers until the queue shuts down; informers must have synced.
    public func run(workers: Int) async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<workers {
                group.addTask {
                    while let item = await self.queue.get() {
                        do {
                            try await self.process(item)
                            self.queue.forget(item)
                        } catch {
                            if (error as? APIError)?.code != 409 { self.logger.notice("garbage collection failed; retrying", metadata: ["item": "\(item)", "error": "\(error)"]) }
                            self.queue.addRateLimited(item)
                        }
                        self.queue.done(item)
                    }
                }
            }
        }
    }

    private func process(_ item: String) async throws {
        let parts = item.split(separator: "|", maxSplits: 2).map(String.init)
        guard parts.count == 3, let index = Int(parts[1]), kinds.indices.contains(index) else { return }
        if parts[0] == "dependent" {
            try await checkOwners(kind: index, key: parts[2])
        } else {
            try await finishOwner(kind: index, key: parts[2])
        }
    }

    /// Whether an owner named by `ref` (in `namespace`) still exists with that UID, read live.
    private func ownerExists(_ ref: JSONValue, namespace: String?) async -> Bool {
        guard let uid = ref["uid"]?.stringValue else { return false }
        if uids.withLock({ $0[uid] != nil }) { return true }
        guard let apiVersion = ref["apiVersion"]?.stringValue, let kind = ref["kind"]?.stringValue, let name = ref["name"]?.stringValue,
            let type = objects.registry.types.first(where: { $0.apiVersion == apiVersion && $0.kind == kind })
        else {
            // A kind this server does not serve: never treated as gone.
            return true
        }
        guard let live = try? await objects.get(type, namespace: type.namespaced ? namespace : nil, name: name) else { return false }
        return live[path: ["metadata", "uid"]]?.stringValue == uid
    }

    /// Deletes a dependent whose owners are all gone (removing references to the gone ones
    /// when some owner remains).
    private func checkOwners(kind: Int, key: String) async throws {
        let (type, informer) = kinds[kind]
        guard let object = informer.get(key), object[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let namespace = object[path: ["metadata", "namespace"]]?.stringValue
        let refs = object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
        guard !refs.isEmpty else { return }
        var gone: [String] = []
        var remaining = 0
        for ref in refs {
            if await ownerExists(ref, namespace: namespace) { remaining += 1 } else { gone.append(ref["uid"]?.stringValue ?? "") }
        }
        guard !gone.isEmpty else { return }
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        if remaining == 0 {
            // Owners deleted in the foreground delete their dependents in the foreground too.
            let blocking = refs.contains { $0["blockOwnerDeletion"]?.boolValue == true }
            logger.debug("deleting an orphaned dependent", metadata: ["kind": "\(type.plural)", "key": "\(key)"])
            do {
                try await objects.delete(type, namespace: namespace, name: name, options: .init(uid: object[path: ["metadata", "uid"]]?.stringValue))
            } catch let error as APIError where error.code == 404 {
                return
            }
            _ = blocking
        } else {
            let kept = refs.filter { !gone.contains($0["uid"]?.stringValue ?? "") }
            var patch: JSONValue = ["metadata": ["ownerReferences": .array(kept)]]
            patch[path: "metadata.resourceVersion"] = object[path: ["metadata", "resourceVersion"]]
            _ = try await objects.mergePatch(type, namespace: namespace, name: name, patch: patch)
        }
    }

    /// Finishes a foreground deletion (deletes dependents; removes the finalizer once none
    /// blocks) or an orphaning one (removes the references; then the finalizer).
    private func finishOwner(kind: Int, key: String) async throws {
        let (type, informer) = kinds[kind]
        guard let owner = informer.get(key), owner[path: ["metadata", "deletionTimestamp"]] != nil,
            let uid = owner[path: ["metadata", "uid"]]?.stringValue
        else { return }
        let finalizers = (owner[path: ["metadata", "finalizers"]]?.arrayValue ?? []).compactMap(\.stringValue)
        var dependents: [(Int, JSONValue)] = []
        for (index, other) in kinds.enumerated() {
            for dependent in other.informer.byIndex(SharedInformer.ownerIndex, uid) { dependents.append((index, dependent)) }
        }
        var remove: String?
        if finalizers.contains(Self.orphanFinalizer) {
            for (index, dependent) in dependents {
                let refs = (dependent[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).filter { $0["uid"]?.stringValue != uid }
                var patch: JSONValue = ["metadata": ["ownerReferences": refs.isEmpty ? .null : .array(refs)]]
                patch[path: "metadata.resourceVersion"] = dependent[path: ["metadata", "resourceVersion"]]
                do {
                    _ = try await objects.mergePatch(
                        kinds[index].type, namespace: dependent[path: ["metadata", "namespace"]]?.stringValue,
                        name: dependent[path: ["metadata", "name"]]?.stringValue ?? "", patch: patch)
                } catch let error as APIError where error.code == 404 {
                    continue
                }
            }
            remove = Self.orphanFinalizer
        } else if finalizers.contains(Self.foregroundFinalizer) {
            var blocking = 0
            for (index, dependent) in dependents {
                let ref = (dependent[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).first { $0["uid"]?.stringValue == uid }
                if ref?["blockOwnerDeletion"]?.boolValue == true { blocking += 1 }
                guard dependent[path: ["metadata", "deletionTimestamp"]] == nil else { continue }
                do {
                    try await objects.delete(
                        kinds[index].type, namespace: dependent[path: ["metadata", "namespace"]]?.stringValue,
                        name: dependent[path: ["metadata", "name"]]?.stringValue ?? "",
                        options: .init(uid: dependent[path: ["metadata", "uid"]]?.stringValue, propagationPolicy: "Foreground"))
                } catch let error as APIError where error.code == 404 {
                    continue
                }
            }
            guard blocking == 0 else { return }  // revisited when a dependent goes away
            remove = Self.foregroundFinalizer
        }
        guard let remove else { return }
        let kept = finalizers.filter { $0 != remove }
        var patch: JSONValue = ["metadata": ["finalizers": kept.isEmpty ? .null : .array(kept.map { .string($0) })]]
        patch[path: "metadata.resourceVersion"] = owner[path: ["metadata", "resourceVersion"]]
        do {
            _ = try await objects.mergePatch(type, namespace: owner[path: ["metadata", "namespace"]]?.stringValue, name: owner[path: ["metadata", "name"]]?.stringValue ?? "", patch: patch)
        } catch let error as APIError where error.code == 404 {
            return
        }
    }
}
