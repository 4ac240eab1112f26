/// Node authorization with NodeRestriction, as kube-apiserver applies them to kubelets: a node
/// identity (`system:node:<name>` in group `system:nodes`) may write only its own Node and
/// Node status, its own Lease in `kube-node-lease`, the status of pods bound to it, and events.
/// It may read what a kubelet reads. Requests outside those resources fall through to RBAC.
///
/// Simplified against upstream: reads of secrets and configmaps are not narrowed to the ones the
/// node's pods reference (upstream walks a pod/secret graph for that).
struct NodeAuthorizer: Sendable {
    /// The verdict for a node request.
    enum Decision: Equatable {
        /// Allowed.
        case allow
        /// Refused, with the reason appended to the 403 message.
        case deny(String)
        /// Not a resource node authorization governs: ask RBAC.
        case noOpinion
    }

    let objects: ObjectStore

    /// The node name of a node identity, or `nil` for anyone else.
    static func nodeName(of user: UserInfo) -> String? {
        guard user.groups.contains("system:nodes"), user.name.hasPrefix("system:node:") else { return nil }
        let name = String(user.name.dropFirst("system:node:".count))
        return name.isEmpty ? nil : name
    }

    /// Decides `attributes` for node `node`. Create requests are checked again with their body by
    /// ``admitCreate(node:type:body:)``.
    func authorize(node: String, _ attributes: AuthorizationAttributes) async throws -> Decision {
        guard attributes.path == nil else { return .noOpinion }
        let reads: Set<String> = ["get", "list", "watch"]
        let resource = attributes.subresource.map { "\(attributes.resource)/\($0)" } ?? attributes.resource
        switch (attributes.apiGroup, resource) {
        case ("", "nodes"), ("", "nodes/status"):
            if reads.contains(attributes.verb) { return .allow }
            if attributes.verb == "create" && attributes.subresource == nil { return .allow }
            guard ["update", "patch", "delete"].contains(attributes.verb) else { return .deny("node '\(node)' cannot \(attributes.verb) nodes") }
            return attributes.name == node ? .allow : .deny("node '\(node)' cannot modify node '\(attributes.name ?? "")'")
        case ("coordination.k8s.io", "leases"):
            guard attributes.namespace == "kube-node-lease" else { return .deny("node '\(node)' can only access leases in kube-node-lease") }
            if attributes.verb == "create" { return .allow }
            guard ["get", "update", "patch", "delete"].contains(attributes.verb) else { return .deny("node '\(node)' cannot \(attributes.verb) leases") }
            return attributes.name == node ? .allow : .deny("node '\(node)' can only access its own lease")
        case ("", "pods"), ("", "pods/status"):
            if reads.contains(attributes.verb) && attributes.subresource == nil { return .allow }
            if attributes.verb == "create" && attributes.subresource == nil { return .allow }
            let allowed: Set<String> = attributes.subresource == nil ? ["delete"] : ["get", "update", "patch"]
            guard allowed.contains(attributes.verb), let name = attributes.name, let namespace = attributes.namespace,
                let pods = objects.registry.lookup(group: "", version: "v1", plural: "pods")
            else { return .deny("node '\(node)' cannot \(attributes.verb) \(resource)") }
            guard let pod = try? await objects.get(pods, namespace: namespace, name: name) else { return .allow }  // 404 follows
            return pod[path: ["spec", "nodeName"]]?.stringValue == node
                ? .allow : .deny("node '\(node)' can only \(attributes.verb) \(resource) of pods bound to it")
        case ("", "events"), ("events.k8s.io", "events"):
            return ["create", "patch", "update"].contains(attributes.verb) || reads.contains(attributes.verb) ? .allow : .deny("node '\(node)' cannot \(attributes.verb) events")
        case ("", "services"), ("", "endpoints"), ("", "configmaps"), ("", "secrets"), ("", "persistentvolumeclaims"), ("", "persistentvolumes"),
            ("", "namespaces"), ("discovery.k8s.io", "endpointslices"):
            return reads.contains(attributes.verb) ? .allow : .deny("node '\(node)' cannot \(attributes.verb) \(resource)")
        default:
            return .noOpinion
        }
    }

    /// NodeRestriction on create bodies: a node creates only itself, its own lease, and pods
    /// bound to itself. Returns the refusal reason, or `nil` to admit.
    static func admitCreate(node: String, type: ResourceType, body: JSONValue) -> String? {
        let name = body[path: ["metadata", "name"]]?.stringValue
        switch (type.group, type.plural) {
        case ("", "nodes") where name != node:
            return "node '\(node)' cannot create node '\(name ?? "")'"
        case ("coordination.k8s.io", "leases") where name != node:
            return "node '\(node)' can only create its own lease"
        case ("", "pods") where body[path: ["spec", "nodeName"]]?.stringValue != node:
            return "node '\(node)' can only create pods with spec.nodeName set to itself"
        default:
            return nil
        }
    }
}
