import Foundation

/// One entry of `metadata.managedFields`: the fields a manager owns through one kind of write.
struct ManagedFieldsEntry: Hashable, Sendable {
    /// `Apply` (server-side apply) or `Update` (every other write).
    enum Operation: String, Sendable { case apply = "Apply", update = "Update" }

    var manager: String
    var operation: Operation
    /// The API version of the last write (`apps/v1`, `v1`).
    var apiVersion: String
    /// When the manager last changed a field, RFC 3339 seconds (nil: never recorded).
    var time: String?
    /// The subresource written (`status`, `scale`), empty for the object itself.
    var subresource: String
    var fields: FieldSet

    /// Entries per (manager, subresource) for Apply, per (manager, apiVersion, subresource) for Update.
    func sameIdentity(as other: ManagedFieldsEntry) -> Bool {
        manager == other.manager && operation == other.operation && subresource == other.subresource
            && (operation == .apply || apiVersion == other.apiVersion)
    }

    /// The most entries decoded from one object.
    static let maxEntries = 256

    /// The entries of `value` (a `metadata.managedFields` list).
    /// - Throws: ``FieldSetError`` for an entry with a bad operation, no apiVersion, a
    ///   `fieldsType` other than FieldsV1, or undecodable fields, as `DecodeManagedFields` refuses.
    static func decode(_ value: JSONValue?) throws(FieldSetError) -> [ManagedFieldsEntry] {
        guard let value, value != .null else { return [] }
        guard let items = value.arrayValue else { throw FieldSetError("managedFields must be a list") }
        guard items.count <= maxEntries else { throw FieldSetError("managedFields has more than \(maxEntries) entries") }
        var entries: [ManagedFieldsEntry] = []
        for item in items {
            guard let operation = item["operation"]?.stringValue.flatMap(Operation.init(rawValue:)) else {
                throw FieldSetError("operation must be Apply or Update")
            }
            guard let apiVersion = item["apiVersion"]?.stringValue, !apiVersion.isEmpty else { throw FieldSetError("apiVersion must not be empty") }
            guard item["fieldsType"] == "FieldsV1" else { throw FieldSetError("fieldsType must be FieldsV1") }
            entries.append(ManagedFieldsEntry(
                manager: item["manager"]?.stringValue ?? "", operation: operation, apiVersion: apiVersion, time: item["time"]?.stringValue,
                subresource: item["subresource"]?.stringValue ?? "", fields: try FieldSet(fieldsV1: item["fieldsV1"] ?? [:])))
        }
        return entries
    }

    /// The `metadata.managedFields` list of `entries`, empty ones dropped, in kube-apiserver's
    /// order: Apply before Update, then by time, manager, apiVersion and subresource.
    static func encode(_ entries: [ManagedFieldsEntry]) -> JSONValue {
        let sorted = entries.filter { !$0.fields.isEmpty }.sorted { a, b in
            if a.operation != b.operation { return a.operation == .apply }
            if (a.time ?? "") != (b.time ?? "") { return (a.time ?? "") < (b.time ?? "") }
            if a.manager != b.manager { return a.manager < b.manager }
            if a.apiVersion != b.apiVersion { return a.apiVersion < b.apiVersion }
            return a.subresource < b.subresource
        }
        return .array(sorted.map { entry in
            var object: [String: JSONValue] = [
                "manager": .string(entry.manager), "operation": .string(entry.operation.rawValue), "apiVersion": .string(entry.apiVersion),
                "fieldsType": "FieldsV1", "fieldsV1": .rawJSON(entry.fields.fieldsV1.serialized()),
            ]
            if let time = entry.time { object["time"] = .string(time) }
            if !entry.subresource.isEmpty { object["subresource"] = .string(entry.subresource) }
            return .object(object)
        })
    }
}
