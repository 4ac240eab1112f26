/// A taint's effect.
public enum TaintEffect: String, Sendable, Hashable, CaseIterable {
    /// New pods that do not tolerate the taint are not scheduled here.
    case noSchedule = "NoSchedule"
    /// The scheduler tries to avoid the node for pods that do not tolerate the taint.
    case preferNoSchedule = "PreferNoSchedule"
    /// Like NoSchedule; running pods that do not tolerate it are also evicted (by the node controller).
    case noExecute = "NoExecute"
}

/// A node taint.
public struct Taint: Sendable, Hashable {
    /// The taint key.
    public var key: String
    /// The taint value (may be empty).
    public var value: String
    /// The effect.
    public var effect: TaintEffect

    /// A taint.
    public init(key: String, value: String = "", effect: TaintEffect) {
        self.key = key
        self.value = value
        self.effect = effect
    }
}

/// A container image present on a node.
public struct ContainerImage: Sendable, Hashable {
    /// The names the image is known by (e.g. "nginx:1.25", "docker.io/library/nginx@sha256:...").
    public var names: [String]
    /// The image size in bytes.
    public var sizeBytes: Int64

    /// An image.
    public init(names: [String], sizeBytes: Int64) {
        self.names = names
        self.sizeBytes = sizeBytes
    }
}

/// What the scheduler needs to know about a node (a subset of core/v1 Node).
public struct Node: Sendable, Hashable {
    /// The node name (unique).
    public var name: String
    /// Labels, including the well-known topology labels.
    public var labels: [String: String]
    /// Annotations.
    public var annotations: [String: String]
    /// Taints.
    public var taints: [Taint]
    /// `spec.unschedulable` (cordoned).
    public var unschedulable: Bool
    /// `status.capacity`.
    public var capacity: ResourceList
    /// `status.allocatable`; when empty, capacity is used.
    public var allocatable: ResourceList
    /// `status.images`.
    public var images: [ContainerImage]

    /// A node. `kubernetes.io/hostname` is set to `name` unless `labels` sets it.
    public init(
        name: String, labels: [String: String] = [:], annotations: [String: String] = [:], taints: [Taint] = [],
        unschedulable: Bool = false, capacity: ResourceList = [:], allocatable: ResourceList = [:], images: [ContainerImage] = []
    ) {
        self.name = name
        var labels = labels
        if labels[WellKnownLabels.hostname] == nil { labels[WellKnownLabels.hostname] = name }
        self.labels = labels
        self.annotations = annotations
        self.taints = taints
        self.unschedulable = unschedulable
        self.capacity = capacity
        self.allocatable = allocatable
        self.images = images
    }

    /// Allocatable resources, falling back to capacity (as the kubelet reports both).
    public var allocatableResources: Resource { Resource(allocatable.isEmpty ? capacity : allocatable) }
}

/// Well-known label keys.
public enum WellKnownLabels {
    /// `kubernetes.io/hostname`.
    public static let hostname = "kubernetes.io/hostname"
    /// `topology.kubernetes.io/zone`.
    public static let zone = "topology.kubernetes.io/zone"
    /// `topology.kubernetes.io/region`.
    public static let region = "topology.kubernetes.io/region"
}
