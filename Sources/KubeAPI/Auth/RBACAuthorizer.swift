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
        let rbac = "rbac.authorization.k8s.io"
        let registry = objects.registry
        let clusterRoleBindings = registry.lookup(group: rbac, version: "v1", plural: "clusterrolebindings")!
        let clusterRoles = registry.lookup(group: rbac, version: "v1", plural: "clusterroles")!
        for binding in try await items(clusterRoleBindings, namespace: nil) where Self.binds(binding, user) {
            guard binding[path: ["roleRef", "kind"]] == "ClusterRole", let role = binding[path: ["roleRef", "name"]]?.stringValue,
                let object = try? await objects.get(clusterRoles, namespace: nil, name: role)
            else { continue }
            if Self.allows(object["rules"], attributes) { return true }
        }
        guard let namespace = attributes.namespace else { return false }
        let roleBindings = registry.lookup(group: rbac, version: "v1", plural: "rolebindings")!
        let roles = registry.lookup(group: rbac, version: "v1", plural: "roles")!
        for binding in try await items(roleBindings, namespace: namespace) where Self.binds(binding, user) {
            guard let role = binding[path: ["roleRef", "name"]]?.stringValue else { continue }
            let object: JSONValue?
            switch binding[path: ["roleRef", "kind"]]?.stringValue {
            case "ClusterRole": object = try? await objects.get(clusterRoles, namespace: nil, name: role)
            case "Role": object = try? await objects.get(roles, namespace: namespace, name: role)
            default: object = nil
            }
            if let object, Self.allows(object["rules"], attributes) { return true }
        }
        return false
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

    /// Whether any rule in `rules` allows `attributes`.
    static func allows(_ rules: JSONValue?, _ attributes: AuthorizationAttributes) -> Bool {
        (rules?.arrayValue ?? []).contains { rule in
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
            guard resources.contains("*") || resources.contains(resource) || resources.contains("\(attributes.resource)/*")
                || (attributes.subresource != nil && resources.contains("*/\(attributes.subresource!)"))
            else { return false }
            let names = list("resourceNames")
            return names.isEmpty || (attributes.name.map(names.contains) ?? false)
        }
    }
}
