/// Role-based access control as kube-apiserver does it: members of `system:masters` may do
/// anything; everyone else may do what the rules of the Roles and ClusterRoles bound to them
/// (through RoleBindings in the request's namespace and ClusterRoleBindings) allow.
public struct RBACAuthorizer: Sendable {
    let objects: ObjectStore

    /// Creates an authorizer reading roles and bindings from `objects`.
    public init(objects: ObjectStore) { self.objects = objects }

    /// Whether `user` may do `attributes`.
    public func authorize(_ user: UserInfo, _ attributes: AuthorizationAttributes) async throws -> Bool {
        if user.groups.contains("system:masters") { return true }
        return try await rules(for: user, namespace: attributes.namespace).contains { Self.allows($0, attributes) }
    }

    /// Every rule `user` holds in `namespace` (cluster-wide rules only when `namespace` is nil):
    /// the rules of ClusterRoles bound by ClusterRoleBindings, and of Roles and ClusterRoles bound
    /// by RoleBindings in the namespace, as kube's rule resolver collects them.
    func rules(for user: UserInfo, namespace: String?) async throws -> [JSONValue] {
        let rbac = "rbac.authorization.k8s.io"
        let registry = objects.registry
        guard let clusterRoleBindings = registry.lookup(group: rbac, version: "v1", plural: "clusterrolebindings"),
            let clusterRoles = registry.lookup(group: rbac, version: "v1", plural: "clusterroles"),
            let roleBindings = registry.lookup(group: rbac, version: "v1", plural: "rolebindings"),
            let roles = registry.lookup(group: rbac, version: "v1", plural: "roles")
        else { return [] }
        var rules: [JSONValue] = []
        for binding in try await items(clusterRoleBindings, namespace: nil) where Self.binds(binding, user) {
            guard binding[path: ["roleRef", "kind"]] == "ClusterRole", let role = binding[path: ["roleRef", "name"]]?.stringValue,
                let object = try? await objects.get(clusterRoles, namespace: nil, name: role)
            else { continue }
            rules += object["rules"]?.arrayValue ?? []
        }
        guard let namespace else { return rules }
        for binding in try await items(roleBindings, namespace: namespace) where Self.binds(binding, user) {
            guard let role = binding[path: ["roleRef", "name"]]?.stringValue else { continue }
            let object: JSONValue?
            switch binding[path: ["roleRef", "kind"]]?.stringValue {
            case "ClusterRole": object = try? await objects.get(clusterRoles, namespace: nil, name: role)
            case "Role": object = try? await objects.get(roles, namespace: namespace, name: role)
            default: object = nil
            }
            rules += object?["rules"]?.arrayValue ?? []
        }
        return rules
    }

    private func items(_ type: ResourceType, namespace: String?) async throws -> [JSONValue] {
        try await objects.list(type, namespace: namespace, options: ObjectStore.ListOptions())["items"]?.arrayValue ?? []
    }

    /// Whether `binding` names `user`, one of its groups, or (as `system:serviceaccount:<ns>:<name>`) its service account.
    static func binds(_ binding: JSONValue, _ user: UserInfo) -> Bool {
        (binding["subjects"]?.arrayValue ?? []).contains { subject in
            let name = subject["name"]?.stringValue ?? ""
            switch subject["kind"]?.stringValue {
            case "User": return name == user.name
            case "Group": return user.groups.contains(name)
            case "ServiceAccount":
                let namespace = subject["namespace"]?.stringValue ?? binding[path: ["metadata", "namespace"]]?.stringValue ?? ""
                return user.name == "system:serviceaccount:\(namespace):\(name)"
            default: return false
            }
        }
    }

    /// Whether `rule` allows `attributes`, with kube's matching: `*` matches every verb, group,
    /// resource and URL; `*/status` matches the status subresource of any resource; a resource
    /// with a subresource is matched as `resource/subresource` only (`pods/*` is not a wildcard
    /// and matches neither `pods` nor `pods/log`); a URL rule ending in `*` matches by prefix.
    static func allows(_ rule: JSONValue, _ attributes: AuthorizationAttributes) -> Bool {
        func list(_ key: String) -> [String] { (rule[key]?.arrayValue ?? []).compactMap(\.stringValue) }
        let verbs = list("verbs")
        guard verbs.contains("*") || verbs.contains(attributes.verb) else { return false }
        if let path = attributes.path {
            return list("nonResourceURLs").contains { $0 == "*" || $0 == path || ($0.hasSuffix("*") && path.hasPrefix(String($0.dropLast()))) }
        }
        let groups = list("apiGroups")
        guard groups.contains("*") || groups.contains(attributes.apiGroup) else { return false }
        let resource = attributes.subresource.map { "\(attributes.resource)/\($0)" } ?? attributes.resource
        let resources = list("resources")
        guard resources.contains("*") || resources.contains(resource)
            || (attributes.subresource.map { resources.contains("*/\($0)") } ?? false)
        else { return false }
        let names = list("resourceNames")
        return names.isEmpty || (attributes.name.map(names.contains) ?? false)
    }
}
