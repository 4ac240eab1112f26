/// kube-apiserver's RBAC escalation prevention: creating or updating a Role or ClusterRole needs
/// the `escalate` verb on it or every rule it grants; creating or updating a RoleBinding or
/// ClusterRoleBinding needs the `bind` verb on the role it references or every rule of that
/// role. Members of `system:masters` may do either.
struct RBACEscalation: AdmissionPlugin {
    static let group = "rbac.authorization.k8s.io"

    let authorizer: RequestAuthorizer

    func validate(_ attributes: AdmissionAttributes) async throws {
        guard attributes.type.group == Self.group, attributes.operation != .delete, attributes.subresource == nil,
            let object = attributes.object, !attributes.user.groups.contains("system:masters")
        else { return }
        switch attributes.type.plural {
        case "roles", "clusterroles":
            try await checkRole(attributes, object)
        case "rolebindings", "clusterrolebindings":
            try await checkBinding(attributes, object)
        default:
            return
        }
    }

    private func checkRole(_ attributes: AdmissionAttributes, _ role: JSONValue) async throws {
        let user = attributes.user
        let owned = try await authorizer.rbac.rules(for: user, namespace: attributes.namespace)
        if role["aggregationRule"] != nil, role["aggregationRule"] != .null,
            !owned.contains(where: { RuleCoverage.covers($0, .init(verb: "*", group: "*", resource: "*")) })
        {
            throw attributes.forbidden("must have cluster-admin privileges to use the aggregationRule")
        }
        // kube asks with the request's name: a create has none, so a resourceNames-limited
        // escalate grant only helps updates.
        let escalate = AuthorizationAttributes(
            verb: "escalate", apiGroup: Self.group, resource: attributes.type.plural, namespace: attributes.namespace,
            name: attributes.operation == .update ? attributes.name : nil)
        if try await authorizer.allows(user, escalate) { return }
        try requireCoverage(attributes, owned: owned, granted: role["rules"]?.arrayValue ?? [])
    }

    private func checkBinding(_ attributes: AdmissionAttributes, _ binding: JSONValue) async throws {
        let user = attributes.user
        let kind = binding[path: ["roleRef", "kind"]]?.stringValue ?? ""
        let roleName = binding[path: ["roleRef", "name"]]?.stringValue ?? ""
        let plural = kind == "Role" ? "roles" : "clusterroles"
        let bind = AuthorizationAttributes(
            verb: "bind", apiGroup: binding[path: ["roleRef", "apiGroup"]]?.stringValue ?? Self.group, resource: plural,
            namespace: attributes.namespace, name: roleName)
        if try await authorizer.allows(user, bind) { return }
        guard let roles = authorizer.rbac.objects.registry.lookup(group: Self.group, version: "v1", plural: plural) else { return }
        let role = try await authorizer.rbac.objects.get(roles, namespace: kind == "Role" ? attributes.namespace : nil, name: roleName)
        let owned = try await authorizer.rbac.rules(for: user, namespace: attributes.namespace)
        try requireCoverage(attributes, owned: owned, granted: role["rules"]?.arrayValue ?? [])
    }

    private func requireCoverage(_ attributes: AdmissionAttributes, owned: [JSONValue], granted: [JSONValue]) throws {
        let missing = RuleCoverage.missing(owner: owned, servant: granted)
        guard !missing.isEmpty else { return }
        let groups = "[" + attributes.user.groups.map { "\"\($0)\"" }.joined(separator: " ") + "]"
        throw attributes.forbidden(
            "user \"\(attributes.user.name)\" (groups=\(groups)) is attempting to grant RBAC permissions not currently held:\n\(RuleCoverage.describe(missing))")
    }
}
