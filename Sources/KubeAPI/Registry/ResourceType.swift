/// One kind the API server serves: its group, version, names, scope and subresources.
public struct ResourceType: Sendable, Hashable {
    /// The API group; empty for the core group.
    public var group: String
    /// The version served (one per resource for now).
    public var version: String
    /// The kind, e.g. `ConfigMap`.
    public var kind: String
    /// The plural resource name in URLs, e.g. `configmaps`.
    public var plural: String
    /// The singular name, e.g. `configmap`.
    public var singular: String
    /// Whether objects live in a namespace.
    public var namespaced: Bool
    /// Short names kubectl accepts, e.g. `cm`.
    public var shortNames: [String]
    /// Served subresources, e.g. `status`, `scale`.
    public var subresources: [String]
    /// Discovery categories, e.g. `all`.
    public var categories: [String]
    /// The verbs served. Virtual kinds are computed per request and never stored: reviews serve
    /// only `create`, resource metrics only `get` and `list`.
    public var verbs: [String]
    /// What a CustomResourceDefinition declares about this kind (nil for built-in kinds).
    public var custom: CustomResourceInfo?

    /// Whether objects of this kind are computed per request rather than stored.
    public var isVirtual: Bool { verbs == ["create"] || verbs == ["get", "list"] }

    /// Creates a resource type.
    public init(
        group: String, version: String, kind: String, plural: String, namespaced: Bool,
        shortNames: [String] = [], subresources: [String] = [], categories: [String] = [],
        verbs: [String] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    ) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = kind.lowercased()
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.subresources = subresources
        self.categories = categories
        self.verbs = verbs
    }

    /// `v1` or `apps/v1`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `configmaps` or `deployments.apps`, as errors name a resource.
    public var groupResource: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// The store key prefix of this resource's objects, ending in `/`.
    public var storagePrefix: String { "/registry/\(groupResource)/" }

    /// The store key of an object.
    public func storageKey(namespace: String?, name: String) -> String {
        if namespaced, let namespace { return storagePrefix + namespace + "/" + name }
        return storagePrefix + name
    }

    /// The store key prefix of a namespace's objects (or every object when `namespace` is nil).
    public func storagePrefix(namespace: String?) -> String {
        guard namespaced, let namespace else { return storagePrefix }
        return storagePrefix + namespace + "/"
    }
}
