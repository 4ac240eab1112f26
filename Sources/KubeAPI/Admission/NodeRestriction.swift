/// NodeRestriction, as kube-apiserver's admission plugin of that name applies it to kubelets: a
/// node creates only its own Node, its own Lease, and mirror pods (`kubernetes.io/config.mirror`)
/// bound to itself that reference no other API object. Here it also keeps
/// the Sui address a Node name is bound to: a node registering (or updating a Node that records
/// none) stamps the address its token was signed by, and no node may change or remove it; an
/// admin may (that releases the name). Nor may a node set its own stake
/// (`daas.io/stake-mist`, label or annotation, which the scheduler's StakeWeighted reads): what
/// the master recorded is kept, as upstream keeps `node-restriction.kubernetes.io/` labels. Nor
/// may a node pick its pod network (`spec.podCIDR`, `spec.podCIDRs`): the master allocates it,
/// and a node claiming another's range would draw that node's traffic.
struct NodeRestriction: AdmissionPlugin {
    func mutate(_ attributes: inout AdmissionAttributes) async throws {
        guard NodeAuthorizer.nodeName(of: attributes.user) != nil, attributes.type.group.isEmpty, attributes.type.plural == "nodes",
            var object = attributes.object
        else { return }
        let key = NodeAuthorizer.addressAnnotation
        let recorded = attributes.oldObject?[path: ["metadata", "annotations", key]]?.stringValue
        let address = recorded ?? attributes.user.suiAddress
        var annotations = object[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        annotations[key] = address.map { .string($0) }
        annotations[NodeKeys.stake] = attributes.oldObject?[path: ["metadata", "annotations", NodeKeys.stake]]
        object[path: "metadata.annotations"] = annotations.isEmpty ? nil : .object(annotations)
        var labels = object[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels[NodeKeys.stake] = attributes.oldObject?[path: ["metadata", "labels", NodeKeys.stake]]
        object[path: "metadata.labels"] = labels.isEmpty ? nil : .object(labels)
        if attributes.subresource == nil {
            var spec = object["spec"]?.objectValue ?? [:]
            for key in ["podCIDR", "podCIDRs"] { spec[key] = attributes.oldObject?[path: ["spec", key]] }
            object["spec"] = .object(spec)
        }
        attributes.object = object
    }

    /// The annotation of a mirror pod (a node's static pod, shown in the API).
    static let mirrorAnnotation = "kubernetes.io/config.mirror"

    func validate(_ attributes: AdmissionAttributes) async throws {
        guard let node = NodeAuthorizer.nodeName(of: attributes.user), attributes.operation == .create, let body = attributes.object else { return }
        let type = attributes.type
        let reason: String?
        switch (type.group, type.plural) {
        case ("", "nodes") where attributes.name != node:
            reason = "node '\(node)' cannot create node '\(attributes.name)'"
        case ("coordination.k8s.io", "leases") where attributes.name != node:
            reason = "node '\(node)' can only create its own lease"
        case ("", "pods") where body[path: ["metadata", "annotations", Self.mirrorAnnotation]] == nil:
            reason = "pod does not have \"\(Self.mirrorAnnotation)\" annotation, node \"\(node)\" can only create mirror pods"
        case ("", "pods") where body[path: ["spec", "nodeName"]]?.stringValue != node:
            reason = "node '\(node)' can only create pods with spec.nodeName set to itself"
        case ("", "pods"):
            // A mirror pod may not reference other API objects (kube's NodeRestriction).
            if !(body[path: ["spec", "serviceAccountName"]]?.stringValue ?? "").isEmpty {
                reason = "node \"\(node)\" can not create pods that reference a service account"
            } else if !PodReferences.secretNames(body).isEmpty {
                reason = "node \"\(node)\" can not create pods that reference secrets"
            } else if !PodReferences.configMapNames(body).isEmpty {
                reason = "node \"\(node)\" can not create pods that reference configmaps"
            } else if !PodReferences.claimNames(body).isEmpty {
                reason = "node \"\(node)\" can not create pods that reference persistentvolumeclaims"
            } else {
                reason = nil
            }
        default:
            reason = nil
        }
        if let reason {
            let request = AuthorizationAttributes(verb: "create", apiGroup: type.group, resource: type.plural, namespace: attributes.namespace)
            throw RequestAuthorizer.forbidden(request, user: attributes.user, reason: reason)
        }
    }
}
