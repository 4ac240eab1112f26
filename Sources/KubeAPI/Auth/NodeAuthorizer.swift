/// Node authorization, as kube-apiserver applies it to kubelets: a node identity
/// (`system:node:<name>` in group `system:nodes`) may write only its own Node and Node status,
/// its own Lease in `kube-node-lease`, the status of pods bound to it, and events; it may read
/// the secrets, configmaps, persistent volume claims and volumes that pods bound to it
/// reference (upstream's node graph), one object at a time; and it may read what every kubelet
/// reads (services, endpoints, namespaces, nodes, pods; network policies, which the agent enforces
/// as k3s's embedded policy controller does). Other resources fall through to RBAC.
///
/// A node identity that came from a Seal token also carries the Sui address that signed it. A
/// Node records the address that registered it (``addressAnnotation``, first registration wins);
/// a token for that node name signed by another address is refused everything. An admin releases
/// the name by removing the annotation (or the Node).
struct NodeAuthorizer: Sendable {
    /// The Node annotation holding the Sui address the node name is bound to.
    static let addressAnnotation = NodeKeys.suiAddress

    let objects: ObjectStore

    /// The node name of a node identity, or `nil` for anyone else.
    static func nodeName(of user: UserInfo) -> String? {
        guard user.groups.contains("system:nodes"), user.name.hasPrefix("system:node:") else { return nil }
        let name = String(user.name.dropFirst("system:node:".count))
        return name.isEmpty ? nil : name
    }

    /// The address `node`'s Node object is bound to, if it exists and records one.
    func boundAddress(_ node: String) async throws -> String? {
        guard let nodes = objects.registry.lookup(group: "", version: "v1", plural: "nodes"),
            let object = try? await objects.get(nodes, namespace: nil, name: node)
        else { return nil }
        return object[path: ["metadata", "annotations", Self.addressAnnotation]]?.stringValue
    }

    /// Decides `attributes` for node `node` (`user` is its identity). Create and update bodies
    /// are checked again by the NodeRestriction admission plugin.
    func authorize(node: String, user: UserInfo, _ attributes: AuthorizationAttributes) async throws -> AuthorizationDecision {
        if let address = user.suiAddress, let bound = try await boundAddress(node), bound != address {
            return .deny("node '\(node)' is registered to Sui address \(bound), not to \(address), the signer of this token")
        }
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
        case ("", "secrets"), ("", "configmaps"):
            guard reads.contains(attributes.verb) else { return .deny("node '\(node)' can only read resources of this type") }
            guard let namespace = attributes.namespace else { return .deny("node '\(node)' can only read namespaced object of this type") }
            guard let name = attributes.name else { return .deny("No Object name found") }
            let referenced = try await podsOnNode(node, namespace: namespace).contains { pod in
                (attributes.resource == "secrets" ? PodReferences.secretNames(pod) : PodReferences.configMapNames(pod)).contains(name)
            }
            return referenced ? .allow : .deny("no relationship found between node '\(node)' and this object")
        case ("", "serviceaccounts/token"):
            // As kube's node authorizer: a node may request tokens for the service accounts of
            // the pods bound to it (the kubelet's projected service account volumes).
            guard attributes.verb == "create", let namespace = attributes.namespace, let name = attributes.name else {
                return .deny("node '\(node)' can only create tokens of individual service accounts")
            }
            let used = try await podsOnNode(node, namespace: namespace).contains {
                ($0[path: ["spec", "serviceAccountName"]]?.stringValue ?? "default") == name
            }
            return used ? .allow : .deny("no relationship found between node '\(node)' and this object")
        case ("", "persistentvolumeclaims"):
            guard attributes.verb == "get", let namespace = attributes.namespace, let name = attributes.name else {
                return .deny("node '\(node)' can only get individual persistentvolumeclaims")
            }
            let referenced = try await podsOnNode(node, namespace: namespace).contains { PodReferences.claimNames($0).contains(name) }
            return referenced ? .allow : .deny("no relationship found between node '\(node)' and this object")
        case ("", "persistentvolumes"):
            guard attributes.verb == "get", let name = attributes.name else { return .deny("node '\(node)' can only get individual persistentvolumes") }
            return try await volumeIsUsed(name, by: node) ? .allow : .deny("no relationship found between node '\(node)' and this object")
        case ("", "services"), ("", "endpoints"), ("", "namespaces"), ("discovery.k8s.io", "endpointslices"), ("networking.k8s.io", "networkpolicies"):
            return reads.contains(attributes.verb) ? .allow : .deny("node '\(node)' cannot \(attributes.verb) \(resource)")
        default:
            return .noOpinion
        }
    }

    /// The pods in `namespace` bound to `node`.
    private func podsOnNode(_ node: String, namespace: String) async throws -> [JSONValue] {
        guard let pods = objects.registry.lookup(group: "", version: "v1", plural: "pods") else { return [] }
        var options = ObjectStore.ListOptions()
        options.fieldSelector.requirements = [.init(path: ["spec", "nodeName"], value: node, equal: true)]
        return try await objects.list(pods, namespace: namespace, options: options)["items"]?.arrayValue ?? []
    }

    /// Whether a claim bound to persistent volume `volume` is used by a pod on `node`.
    private func volumeIsUsed(_ volume: String, by node: String) async throws -> Bool {
        guard let pods = objects.registry.lookup(group: "", version: "v1", plural: "pods"),
            let claims = objects.registry.lookup(group: "", version: "v1", plural: "persistentvolumeclaims")
        else { return false }
        var options = ObjectStore.ListOptions()
        options.fieldSelector.requirements = [.init(path: ["spec", "nodeName"], value: node, equal: true)]
        for pod in try await objects.list(pods, namespace: nil, options: options)["items"]?.arrayValue ?? [] {
            let namespace = pod[path: ["metadata", "namespace"]]?.stringValue
            for claim in PodReferences.claimNames(pod) {
                if let object = try? await objects.get(claims, namespace: namespace, name: claim),
                    object[path: ["spec", "volumeName"]]?.stringValue == volume
                {
                    return true
                }
            }
        }
        return false
    }
}
