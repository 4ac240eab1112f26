/// What a request wants to do, as an authorizer sees it.
public struct AuthorizationAttributes: Sendable, Hashable {
    /// The verb: get, list, watch, create, update, patch, delete, deletecollection.
    public var verb: String
    /// For resource requests: the API group ("" for core).
    public var apiGroup: String
    /// For resource requests: the plural resource.
    public var resource: String
    /// The subresource, if any.
    public var subresource: String?
    /// The namespace, if any.
    public var namespace: String?
    /// The object name, if any.
    public var name: String?
    /// For non-resource requests: the path, e.g. `/healthz`.
    public var path: String?

    /// A resource request.
    public init(verb: String, apiGroup: String, resource: String, subresource: String? = nil, namespace: String? = nil, name: String? = nil) {
        self.verb = verb
        self.apiGroup = apiGroup
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
        self.path = nil
    }

    /// A non-resource request, e.g. GET /api.
    public init(verb: String, path: String) {
        self.verb = verb
        self.path = path
        self.apiGroup = ""
        self.resource = ""
    }

    /// The attributes of a resource request. A list or watch that selects one object by
    /// `fieldSelector=metadata.name=<name>` carries that name, as kube-apiserver's RequestInfo
    /// does, so `resourceNames` rules and the node authorizer can allow it.
    init(_ info: RequestInfo, query: QueryParameters) {
        var name = info.name
        if name == nil, info.verb == "list" || info.verb == "watch", let selector = query["fieldSelector"] {
            name = (try? FieldSelector(parsing: selector))?.exactName
        }
        self.init(verb: info.verb, apiGroup: info.group, resource: info.resource, subresource: info.subresource, namespace: info.namespace, name: name)
    }

    /// kube-apiserver's 403 message for this request.
    func forbiddenMessage(user: String) -> String {
        if let path { return "forbidden: User \"\(user)\" cannot \(verb) path \"\(path)\"" }
        let resourceText = subresource.map { "\(resource)/\($0)" } ?? resource
        let subject = name.map { "\(groupResource) \"\($0)\" is forbidden" } ?? "\(groupResource) is forbidden"
        let scope = namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        return "\(subject): User \"\(user)\" cannot \(verb) resource \"\(resourceText)\" in API group \"\(apiGroup)\" \(scope)"
    }

    private var groupResource: String { apiGroup.isEmpty ? resource : "\(resource).\(apiGroup)" }
}
