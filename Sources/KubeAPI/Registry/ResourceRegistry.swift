import Synchronization

/// The kinds the API server serves, looked up by group, version and plural.
public struct ResourceRegistry: Sendable {
    /// Every served resource type, in discovery order.
    public private(set) var types: [ResourceType]

    /// Creates a registry of `types`.
    public init(types: [ResourceType]) { self.types = types }

    /// The resource `plural` in `group`/`version`.
    public func lookup(group: String, version: String, plural: String) -> ResourceType? {
        types.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    /// The resource of `kind` in `apiVersion`.
    public func lookup(apiVersion: String, kind: String) -> ResourceType? {
        types.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }

    /// Every stored kind once, in the version it is stored in: no virtual kinds, and no versions
    /// that are converted from another (`autoscaling/v1` HorizontalPodAutoscalers,
    /// `events.k8s.io/v1` Events).
    public var storedTypes: [ResourceType] {
        types.filter { !$0.isVirtual && !VersionConversion.convertsFields($0) }
    }

    /// The groups served other than the core group, in order of first appearance.
    public var groups: [String] {
        var seen: [String] = []
        for type in types where !type.group.isEmpty && !seen.contains(type.group) { seen.append(type.group) }
        return seen
    }

    /// The versions served in `group`.
    public func versions(of group: String) -> [String] {
        var seen: [String] = []
        for type in types where type.group == group && !seen.contains(type.version) { seen.append(type.version) }
        return seen
    }

    /// The kinds kube-apiserver serves that this server serves too.
    public static let builtIn = ResourceRegistry(types: [
        ResourceType(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false, shortNames: ["ns"], subresources: ["status"]),
        ResourceType(group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false, shortNames: ["no"], subresources: ["status"]),
        ResourceType(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, shortNames: ["po"], subresources: ["status", "binding", "eviction"], categories: ["all"]),
        ResourceType(group: "", version: "v1", kind: "Service", plural: "services", namespaced: true, shortNames: ["svc"], subresources: ["status"], categories: ["all"]),
        ResourceType(group: "", version: "v1", kind: "Endpoints", plural: "endpoints", namespaced: true, shortNames: ["ep"]),
        ResourceType(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, shortNames: ["cm"]),
        ResourceType(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true),
        ResourceType(group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true, shortNames: ["sa"], subresources: ["token"]),
        ResourceType(group: "", version: "v1", kind: "Event", plural: "events", namespaced: true, shortNames: ["ev"]),
        ResourceType(group: "", version: "v1", kind: "ReplicationController", plural: "replicationcontrollers", namespaced: true, shortNames: ["rc"], subresources: ["status", "scale"], categories: ["all"]),
        ResourceType(group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", namespaced: true, shortNames: ["pvc"], subresources: ["status"]),
        ResourceType(group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes", namespaced: false, shortNames: ["pv"], subresources: ["status"]),
        ResourceType(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true, shortNames: ["deploy"], subresources: ["status", "scale"], categories: ["all"]),
        ResourceType(group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true, shortNames: ["rs"], subresources: ["status", "scale"], categories: ["all"]),
        ResourceType(group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true, shortNames: ["sts"], subresources: ["status", "scale"], categories: ["all"]),
        ResourceType(group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", namespaced: true, shortNames: ["ds"], subresources: ["status"], categories: ["all"]),
        ResourceType(group: "apps", version: "v1", kind: "ControllerRevision", plural: "controllerrevisions", namespaced: true),
        ResourceType(group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true, subresources: ["status"], categories: ["all"]),
        ResourceType(group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", namespaced: true, shortNames: ["cj"], subresources: ["status"], categories: ["all"]),
        ResourceType(
            group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers", namespaced: true, shortNames: ["hpa"],
            subresources: ["status"], categories: ["all"]),
        ResourceType(
            group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers", namespaced: true, shortNames: ["hpa"],
            subresources: ["status"], categories: ["all"]),
        ResourceType(group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true),
        ResourceType(group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices", namespaced: true),
        ResourceType(group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", namespaced: true, shortNames: ["ev"]),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", namespaced: false),
        ResourceType(group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass", plural: "priorityclasses", namespaced: false, shortNames: ["pc"]),
        ResourceType(group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy", plural: "networkpolicies", namespaced: true, shortNames: ["netpol"]),
        ResourceType(group: "storage.k8s.io", version: "v1", kind: "StorageClass", plural: "storageclasses", namespaced: false, shortNames: ["sc"]),
        ResourceType(group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", namespaced: true, shortNames: ["pdb"], subresources: ["status"]),
        ResourceType(
            group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions", namespaced: false,
            shortNames: ["crd", "crds"], subresources: ["status"], categories: ["api-extensions"]),
        ResourceType(group: "apiregistration.k8s.io", version: "v1", kind: "APIService", plural: "apiservices", namespaced: false, subresources: ["status"], categories: ["api-extensions"]),
        ResourceType(group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectAccessReview", plural: "selfsubjectaccessreviews", namespaced: false, verbs: ["create"]),
        ResourceType(group: "authentication.k8s.io", version: "v1", kind: "SelfSubjectReview", plural: "selfsubjectreviews", namespaced: false, verbs: ["create"]),
        ResourceType(group: "metrics.k8s.io", version: "v1beta1", kind: "NodeMetrics", plural: "nodes", namespaced: false, verbs: ["get", "list"]),
        ResourceType(group: "metrics.k8s.io", version: "v1beta1", kind: "PodMetrics", plural: "pods", namespaced: true, verbs: ["get", "list"]),
    ])
}

/// The registry as it is now: the built-in kinds plus the custom kinds of established
/// CustomResourceDefinitions, which come and go while the server runs.
final class LiveRegistry: Sendable {
    private let state: Mutex<(base: [ResourceType], custom: [String: [ResourceType]], current: ResourceRegistry)>

    init(_ base: ResourceRegistry) {
        state = Mutex((base.types, [:], base))
    }

    /// The kinds served now.
    var current: ResourceRegistry { state.withLock { $0.current } }

    /// Serves `types` for definition `name` (replacing what it served before); `[]` stops serving it.
    func setCustomTypes(_ types: [ResourceType], for name: String) {
        state.withLock { state in
            state.custom[name] = types.isEmpty ? nil : types
            let custom = state.custom.keys.sorted().flatMap { state.custom[$0]! }
            state.current = ResourceRegistry(types: state.base + custom)
        }
    }
}
