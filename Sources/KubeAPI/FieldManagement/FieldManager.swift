import Foundation

/// Keeps `metadata.managedFields` as kube-apiserver's field manager does: every write records
/// the fields its manager changed (operation `Update`), server-side apply records the fields of
/// the applied configuration (operation `Apply`), merges it into the live object, removes what the
/// manager stopped applying and no one else owns, and refuses to change fields other managers own
/// unless forced.
struct FieldManager {
    let schemas: SchemaRegistry
    /// The schema of the kind (nil: untyped).
    let schema: JSONValue?
    /// The kind's `group/version`.
    let apiVersion: String
    /// Whether the kind has a `status` subresource (its main resource then ignores `status`).
    let hasStatus: Bool

    /// Update entries kept before the oldest are merged into `ancient-changes`.
    static let maxUpdateManagers = 10

    init(type: ResourceType, schemas: SchemaRegistry = .kubernetes) {
        self.schemas = schemas
        self.schema = type.custom.map(\.schema) ?? schemas.definitionName(for: type).flatMap { schemas.definitions[$0] }
        self.apiVersion = type.apiVersion
        self.hasStatus = type.subresources.contains("status")
    }

    /// Metadata fields no manager owns (structured-merge-diff's stripped fields).
    private static let serverMetadata = ["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion"]

    /// `set` without the fields no one owns and those the endpoint ignores (`status` on the main
    /// resource of a kind with a status subresource; all but `status` on that subresource).
    func tracked(_ set: FieldSet, subresource: String) -> FieldSet {
        var result = set.removing("f:apiVersion").removing("f:kind")
        if var metadata = result.children["f:metadata"] {
            metadata.isMember = false
            for field in Self.serverMetadata { metadata = metadata.removing("f:" + field) }
            result.children["f:metadata"] = metadata.isEmpty ? nil : metadata
        }
        if subresource == "status" { return result.keeping("f:status") }
        if subresource.isEmpty, hasStatus { return result.removing("f:status") }
        return result
    }

    /// The managed fields of an object written by `manager` with anything but apply: `old` is
    /// the stored object (nil on create), `new` the object about to be stored, whose own
    /// `managedFields` (main resource only) replace the stored ones when they decode, and reset
    /// them when they are `[]` or `[{}]`.
    func update(old: JSONValue?, new: JSONValue, manager: String, subresource: String, now: Date) -> JSONValue? {
        var entries = (try? ManagedFieldsEntry.decode(old?[path: ["metadata", "managedFields"]])) ?? []
        if subresource.isEmpty, let sent = new[path: ["metadata", "managedFields"]], sent != .null {
            if sent == [] || sent == [[:]] {
                return nil
            }
            if let decoded = try? ManagedFieldsEntry.decode(sent), !decoded.isEmpty { entries = decoded }
        }
        // An object stored without managed fields is not tracked until it is applied to or reset.
        if old != nil, entries.isEmpty { return nil }
        let walker = FieldWalker(schemas: schemas)
        let (rawChanged, rawRemoved) = walker.compare(old ?? [:], new, schema: schema)
        let changed = tracked(rawChanged, subresource: subresource)
        let removed = tracked(rawRemoved, subresource: subresource)
        let identity = ManagedFieldsEntry(manager: manager, operation: .update, apiVersion: apiVersion, subresource: subresource, fields: FieldSet())
        var mine = entries.first { $0.sameIdentity(as: identity) } ?? identity
        entries.removeAll { $0.sameIdentity(as: identity) }
        for index in entries.indices { entries[index].fields = entries[index].fields.subtracting(changed).subtracting(removed) }
        mine.fields = mine.fields.subtracting(removed).union(changed)
        if !changed.isEmpty { mine.time = ObjectMeta.timestamp(now) }
        entries.append(mine)
        return ManagedFieldsEntry.encode(capped(entries))
    }

    /// At most ``maxUpdateManagers`` Update entries: the oldest are merged, per API version, into
    /// one named `ancient-changes`.
    private func capped(_ entries: [ManagedFieldsEntry]) -> [ManagedFieldsEntry] {
        var kept = entries.filter { !$0.fields.isEmpty }
        while kept.count(where: { $0.operation == .update }) > Self.maxUpdateManagers {
            let candidates = kept.indices.filter { kept[$0].operation == .update && kept[$0].manager != "ancient-changes" }
            guard let oldest = candidates.min(by: { (kept[$0].time ?? "") < (kept[$1].time ?? "") }) else { break }
            let entry = kept.remove(at: oldest)
            let ancient = ManagedFieldsEntry(manager: "ancient-changes", operation: .update, apiVersion: entry.apiVersion, subresource: entry.subresource, fields: FieldSet())
            if let index = kept.firstIndex(where: { $0.sameIdentity(as: ancient) }) {
                kept[index].fields = kept[index].fields.union(entry.fields)
                kept[index].time = max(kept[index].time ?? "", entry.time ?? "")
            } else {
                var merged = ancient
                merged.fields = entry.fields
                merged.time = entry.time
                kept.append(merged)
            }
        }
        return kept
    }

    /// Server-side apply of `config` by `manager` to `live` (nil: the object does not exist).
    /// - Returns: the merged object, carrying its new managed fields.
    /// - Throws: ``APIError`` 409 listing the fields other managers own that the apply would
    ///   change, unless `force` (then those managers lose them).
    func apply(live: JSONValue?, config: JSONValue, manager: String, subresource: String, force: Bool, now: Date) throws -> JSONValue {
        let walker = FieldWalker(schemas: schemas)
        let merger = ApplyMerge(schemas: schemas)
        let current = live ?? [:]
        var entries = (try? ManagedFieldsEntry.decode(current[path: ["metadata", "managedFields"]])) ?? []
        if live != nil, entries.isEmpty {
            // The first apply to an untracked object: someone set what is there.
            let existing = tracked(walker.fieldSet(of: current, schema: schema), subresource: subresource)
            if !existing.isEmpty {
                entries.append(ManagedFieldsEntry(manager: "before-first-apply", operation: .update, apiVersion: apiVersion, time: nil, subresource: subresource, fields: existing))
            }
        }
        let applied = tracked(walker.fieldSet(of: config, schema: schema), subresource: subresource)
        let identity = ManagedFieldsEntry(manager: manager, operation: .apply, apiVersion: apiVersion, subresource: subresource, fields: FieldSet())
        var mine = entries.first { $0.sameIdentity(as: identity) } ?? identity
        entries.removeAll { $0.sameIdentity(as: identity) }
        let others = entries.reduce(FieldSet()) { $0.union($1.fields) }

        var merged = merger.merge(current, config, schema: schema)
        // Fields this manager applied before and no longer applies go, unless someone else owns them.
        for path in mine.fields.subtracting(applied).paths where !others.containsPrefix(path) {
            merged = merger.remove(path[...], from: merged, schema: schema)
        }
        let (rawChanged, _) = walker.compare(current, merged, schema: schema)
        let changed = tracked(rawChanged, subresource: subresource)
        var conflicts: [(ManagedFieldsEntry, [String])] = []
        for entry in entries {
            for path in entry.fields.intersection(changed).paths { conflicts.append((entry, path)) }
        }
        if !conflicts.isEmpty, !force, !forgiven(conflicts.map(\.1), manager: manager, live: current) {
            throw Self.conflictError(conflicts)
        }
        for index in entries.indices { entries[index].fields = entries[index].fields.subtracting(changed) }
        if merged != current || mine.fields != applied || mine.apiVersion != apiVersion { mine.time = ObjectMeta.timestamp(now) }
        mine.fields = applied
        mine.apiVersion = apiVersion
        entries.append(mine)
        merged[path: "metadata.managedFields"] = ManagedFieldsEntry.encode(capped(entries))
        return merged
    }

    /// kubectl's upgrade path: an apply by `kubectl` may take the fields its client-side
    /// `last-applied-configuration` annotation already sets.
    private func forgiven(_ paths: [[String]], manager: String, live: JSONValue) -> Bool {
        guard manager == "kubectl",
            let text = live[path: ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"]]?.stringValue,
            let lastApplied = try? JSONParser().parse(Array(text.utf8))
        else { return false }
        let owned = FieldWalker(schemas: schemas).fieldSet(of: lastApplied, schema: schema)
        return paths.allSatisfy { owned.contains($0) }
    }

    /// kube-apiserver's 409 for an apply conflict.
    static func conflictError(_ conflicts: [(ManagedFieldsEntry, [String])]) -> APIError {
        func describe(_ entry: ManagedFieldsEntry) -> String {
            var text = APIError.quoted(entry.manager)
            if !entry.subresource.isEmpty { text += " with subresource \(APIError.quoted(entry.subresource))" }
            if entry.operation == .update { text += " using \(entry.apiVersion)" }
            return text
        }
        let causes: [JSONValue] = conflicts.map { entry, path in
            ["reason": "FieldManagerConflict", "message": .string("conflict with \(describe(entry))"), "field": .string(FieldPathElement.describe(path))]
        }
        let message: String
        if conflicts.count == 1 {
            message = "Apply failed with 1 conflict: conflict with \(describe(conflicts[0].0)): \(FieldPathElement.describe(conflicts[0].1))"
        } else {
            var byManager: [String: [String]] = [:]
            for (entry, path) in conflicts { byManager[describe(entry), default: []].append(FieldPathElement.describe(path)) }
            var lines: [String] = []
            for manager in byManager.keys.sorted() {
                lines.append("conflicts with \(manager):")
                lines += byManager[manager]!.map { "- \($0)" }
            }
            message = "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
        }
        return APIError(code: 409, reason: "Conflict", message: message, details: ["causes": .array(causes)])
    }
}
