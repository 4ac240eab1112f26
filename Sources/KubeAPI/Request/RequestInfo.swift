/// What a request asks for, resolved from its path and method as kube-apiserver's RequestInfoFactory does.
public struct RequestInfo: Sendable, Hashable {
    /// The verb: get, list, watch, create, update, patch, delete, deletecollection.
    public var verb: String
    /// The API group; empty for the core group.
    public var group: String
    /// The API version.
    public var version: String
    /// The namespace from the path, if any.
    public var namespace: String?
    /// The plural resource name.
    public var resource: String
    /// The object name, if any.
    public var name: String?
    /// The subresource, if any (`status`, `scale`, `binding`...).
    public var subresource: String?

    /// Resolves `/api/v1/...` and `/apis/<group>/<version>/...` resource paths; `nil` for other paths.
    public init?(method: String, path: String, query: QueryParameters) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !parts.isEmpty else { return nil }
        switch parts.removeFirst() {
        case "api":
            guard parts.count >= 2 else { return nil }
            group = ""
            version = parts.removeFirst()
        case "apis":
            guard parts.count >= 3 else { return nil }
            group = parts.removeFirst()
            version = parts.removeFirst()
        default:
            return nil
        }
        guard !parts.isEmpty else { return nil }
        if parts[0] == "namespaces", parts.count > 1 {
            namespace = parts[1]
            // kube-apiserver: namespaces/<name>/status and /finalize are the namespace's own subresources.
            if parts.count > 2, !["status", "finalize"].contains(parts[2]) {
                parts = Array(parts.dropFirst(2))
            }
        }
        resource = parts[0]
        name = parts.count > 1 ? parts[1] : nil
        // A proxy subresource takes a path of its own (nodes/<name>/proxy/<path>), as in kube;
        // any other trailing parts stay part of the subresource (and so are not found).
        subresource = parts.count > 2 ? (parts[2] == "proxy" ? "proxy" : parts[2...].joined(separator: "/")) : nil
        if resource == "namespaces" { namespace = nil }
        let watching = query["watch"] == "true" || query["watch"] == "1"
        switch method {
        case "GET", "HEAD": verb = name == nil ? (watching ? "watch" : "list") : (watching ? "watch" : "get")
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = name == nil ? "deletecollection" : "delete"
        default: verb = method.lowercased()
        }
    }
}
