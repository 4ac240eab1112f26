/// Node selector terms as in a pod's required node affinity or a PersistentVolume's
/// `spec.nodeAffinity.required`: a node matches when any term matches, and a term matches when
/// all its `matchExpressions` hold for the node's labels and all its `matchFields` for its
/// `metadata.name` (an empty term matches nothing), as kube's `nodeaffinity` helpers.
public enum NodeSelectorTerms {
    /// Whether a node with `labels` and `name` matches `terms` (false for no terms).
    public static func match(_ terms: [JSONValue], labels: [String: String], name: String) -> Bool {
        terms.contains { term in
            let expressions = term["matchExpressions"]?.arrayValue ?? []
            let fields = term["matchFields"]?.arrayValue ?? []
            guard !expressions.isEmpty || !fields.isEmpty else { return false }
            return expressions.allSatisfy { requirement($0, labels) } && fields.allSatisfy { requirement($0, ["metadata.name": name]) }
        }
    }

    /// Whether one requirement (`key`, `operator`, `values`) holds for `labels`.
    public static func requirement(_ value: JSONValue, _ labels: [String: String]) -> Bool {
        guard let key = value["key"]?.stringValue else { return false }
        let values = (value["values"]?.arrayValue ?? []).compactMap(\.stringValue)
        let actual = labels[key]
        switch value["operator"]?.stringValue {
        case "In": return actual.map(values.contains) ?? false
        case "NotIn": return actual.map { !values.contains($0) } ?? true
        case "Exists": return actual != nil
        case "DoesNotExist": return actual == nil
        case "Gt", "Lt":
            guard let actual, let lhs = Int64(actual), let rhs = values.first.flatMap({ Int64($0) }) else { return false }
            return value["operator"] == "Gt" ? lhs > rhs : lhs < rhs
        default: return false
        }
    }
}
