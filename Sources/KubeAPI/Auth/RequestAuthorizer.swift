/// The authorizer chain kube-apiserver runs with `--authorization-mode=Node,RBAC`: node
/// authorization for node identities, then RBAC.
struct RequestAuthorizer: Sendable {
    let node: NodeAuthorizer
    let rbac: RBACAuthorizer

    init(objects: ObjectStore) {
        node = NodeAuthorizer(objects: objects)
        rbac = RBACAuthorizer(objects: objects)
    }

    /// The verdict for `user` doing `attributes`; `.noOpinion` means nothing allowed it.
    func authorize(_ user: UserInfo, _ attributes: AuthorizationAttributes) async throws -> AuthorizationDecision {
        if let node = NodeAuthorizer.nodeName(of: user) {
            let decision = try await self.node.authorize(node: node, user: user, attributes)
            if decision != .noOpinion { return decision }
        }
        return try await rbac.authorize(user, attributes) ? .allow : .noOpinion
    }

    /// Whether `user` is allowed `attributes` (a denial or no opinion is false).
    func allows(_ user: UserInfo, _ attributes: AuthorizationAttributes) async throws -> Bool {
        try await authorize(user, attributes) == .allow
    }

    /// kube-apiserver's 403 for `attributes`, with the authorizer's `reason` appended when given.
    static func forbidden(_ attributes: AuthorizationAttributes, user: UserInfo, reason: String?) -> APIError {
        var details: JSONValue = ["kind": .string(attributes.resource)]
        if let name = attributes.name { details["name"] = .string(name) }
        if !attributes.apiGroup.isEmpty { details["group"] = .string(attributes.apiGroup) }
        let message = attributes.forbiddenMessage(user: user.name) + (reason.map { ": \($0)" } ?? "")
        return APIError(code: 403, reason: "Forbidden", message: message, details: attributes.path == nil ? details : nil)
    }
}
