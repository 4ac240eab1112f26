import Foundation

/// The ControllerRevisions (apps/v1) of a StatefulSet or DaemonSet, as upstream's
/// `pkg/controller/history`: one revision per distinct pod template, named `<owner>-<hash>`,
/// controlled by the owner, holding a strategic merge patch that restores the template
/// (`{"spec":{"template":{...,"$patch":"replace"}}}`, what `kubectl rollout undo` applies), with
/// the owner's annotations (so `kubectl rollout history` shows `kubernetes.io/change-cause`) and a
/// `revision` number. Going back to an earlier template reuses its revision and renumbers it as
/// the newest, as upstream; the oldest revisions beyond `spec.revisionHistoryLimit` (default 10)
/// that no live pod uses are deleted.
struct ControllerHistory: Sendable {
    let objects: ObjectStore
    /// The ControllerRevision informer (indexed by owner UID).
    let revisions: SharedInformer
    let revisionType: ResourceType
    /// The owner's kind, for the owner reference.
    let ownerType: ResourceType

    init(objects: ObjectStore, revisions: SharedInformer, ownerType: ResourceType) {
        self.objects = objects
        self.revisions = revisions
        self.ownerType = ownerType
        self.revisionType = objects.registry.lookup(group: "apps", version: "v1", plural: "controllerrevisions")!
    }

    /// The owner's revisions, oldest first.
    func list(of owner: JSONValue) -> [JSONValue] {
        let uid = owner[path: ["metadata", "uid"]]?.stringValue ?? ""
        return revisions.byIndex(SharedInformer.ownerIndex, uid)
            .filter { ReplicaSetController.controllerRef($0)?["uid"]?.stringValue == uid }
            .sorted { Self.number($0) < Self.number($1) }
    }

    static func number(_ revision: JSONValue) -> Int64 { revision["revision"]?.integerValue ?? 0 }

    /// The name of the owner's revision for template hash `hash`: `<owner>-<hash>`.
    static func revisionName(_ owner: JSONValue, hash: String) -> String { DeploymentController.name(owner) + "-" + hash }

    /// The patch a revision holds: the owner's template, replacing the whole of it.
    static func data(of owner: JSONValue) -> JSONValue {
        var template = owner[path: ["spec", "template"]] ?? [:]
        template["$patch"] = "replace"
        return ["spec": ["template": template]]
    }

    /// Makes sure the revision for the owner's current template exists and is the newest;
    /// returns it. `hash` names it (`<owner>-<hash>`); `extraLabels` are added to the template's.
    func ensureCurrent(_ owner: JSONValue, hash: String, extraLabels: [String: String] = [:]) async throws -> JSONValue {
        let namespace = owner[path: ["metadata", "namespace"]]?.stringValue
        let name = Self.revisionName(owner, hash: hash)
        let existing = list(of: owner)
        let newest = existing.map(Self.number).max() ?? 0
        if let found = existing.first(where: { DeploymentController.name($0) == name }) {
            guard Self.number(found) != newest || existing.filter({ Self.number($0) == newest }).count > 1 else { return found }
            // An earlier template again (a rollback): its revision becomes the newest.
            var body = found
            body["revision"] = .integer(newest &+ 1)
            return try await objects.update(revisionType, namespace: namespace, name: name, body: body)
        }
        var labels = owner[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? [:]
        for (key, value) in extraLabels { labels[key] = .string(value) }
        var metadata: [String: JSONValue] = [
            "name": .string(name), "labels": .object(labels), "ownerReferences": [ReplicaSetController.ownerReference(owner, type: ownerType)],
        ]
        if let annotations = owner[path: ["metadata", "annotations"]], annotations != [:] { metadata["annotations"] = annotations }
        let body: JSONValue = [
            "apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": .object(metadata), "data": Self.data(of: owner), "revision": .integer(newest &+ 1),
        ]
        do {
            return try await objects.create(revisionType, namespace: namespace, body: body)
        } catch let error as APIError where error.code == 409 {
            // Created by an earlier pass the informer has not shown yet.
            return try await objects.get(revisionType, namespace: namespace, name: name)
        }
    }

    /// Deletes the oldest revisions beyond `spec.revisionHistoryLimit` (default 10), never one
    /// whose name is in `inUse`.
    func prune(_ owner: JSONValue, inUse: Set<String>) async throws {
        let limit = Int(clamping: max(0, owner[path: ["spec", "revisionHistoryLimit"]]?.integerValue ?? 10))
        let candidates = list(of: owner).filter { !inUse.contains(DeploymentController.name($0)) }
        guard candidates.count > limit else { return }
        for revision in candidates.prefix(candidates.count - limit) {
            do {
                try await objects.delete(
                    revisionType, namespace: revision[path: ["metadata", "namespace"]]?.stringValue, name: DeploymentController.name(revision),
                    options: .init(uid: revision[path: ["metadata", "uid"]]?.stringValue))
            } catch let error as APIError where error.code == 404 || error.code == 409 {
                continue
            }
        }
    }
}
