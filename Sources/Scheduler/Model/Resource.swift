/// A resource name as Kubernetes spells it: "cpu", "memory", "ephemeral-storage", "pods", or an
/// extended resource such as "nvidia.com/gpu".
public typealias ResourceName = String

/// A map of resource names to quantities, as in a container's `resources.requests` or a node's
/// `status.allocatable`.
public typealias ResourceList = [ResourceName: Quantity]

/// Well-known resource names.
public enum ResourceNames {
    /// CPU, counted in milli-cores.
    public static let cpu: ResourceName = "cpu"
    /// Memory, in bytes.
    public static let memory: ResourceName = "memory"
    /// Local ephemeral storage, in bytes.
    public static let ephemeralStorage: ResourceName = "ephemeral-storage"
    /// The number of pods a node accepts.
    public static let pods: ResourceName = "pods"
}

/// Resource amounts in the units the scheduler computes with: CPU in milli-cores, the rest in
/// whole units (bytes for memory and storage).
public struct Resource: Sendable, Hashable {
    /// CPU in milli-cores.
    public var milliCPU: Int64 = 0
    /// Memory in bytes.
    public var memory: Int64 = 0
    /// Ephemeral storage in bytes.
    public var ephemeralStorage: Int64 = 0
    /// The number of pods (only meaningful for a node's allocatable).
    public var allowedPodNumber: Int64 = 0
    /// Extended and hugepage resources in whole units, by name.
    public var scalar: [ResourceName: Int64] = [:]

    /// An empty amount.
    public init() {}

    /// Converts a `ResourceList`.
    public init(_ list: ResourceList) {
        for (name, quantity) in list { self[name] = name == ResourceNames.cpu ? quantity.milliValue : quantity.value }
    }

    /// The amount of `name` (CPU in milli-cores).
    public subscript(name: ResourceName) -> Int64 {
        get {
            switch name {
            case ResourceNames.cpu: milliCPU
            case ResourceNames.memory: memory
            case ResourceNames.ephemeralStorage: ephemeralStorage
            case ResourceNames.pods: allowedPodNumber
            default: scalar[name] ?? 0
            }
        }
        set {
            switch name {
            case ResourceNames.cpu: milliCPU = newValue
            case ResourceNames.memory: memory = newValue
            case ResourceNames.ephemeralStorage: ephemeralStorage = newValue
            case ResourceNames.pods: allowedPodNumber = newValue
            default: scalar[name] = newValue
            }
        }
    }

    /// Adds `other` to this amount, resource by resource.
    public mutating func add(_ other: Resource) {
        milliCPU += other.milliCPU
        memory += other.memory
        ephemeralStorage += other.ephemeralStorage
        allowedPodNumber += other.allowedPodNumber
        for (k, v) in other.scalar { scalar[k, default: 0] += v }
    }

    /// Subtracts `other` from this amount, resource by resource.
    public mutating func subtract(_ other: Resource) {
        milliCPU -= other.milliCPU
        memory -= other.memory
        ephemeralStorage -= other.ephemeralStorage
        allowedPodNumber -= other.allowedPodNumber
        for (k, v) in other.scalar { scalar[k, default: 0] -= v }
    }

    /// Raises each resource to at least `other`'s amount (used for init containers).
    public mutating func setMax(_ other: Resource) {
        milliCPU = max(milliCPU, other.milliCPU)
        memory = max(memory, other.memory)
        ephemeralStorage = max(ephemeralStorage, other.ephemeralStorage)
        for (k, v) in other.scalar { scalar[k] = max(scalar[k] ?? 0, v) }
    }
}

/// Upstream's defaults for a container that requests no CPU or memory, used only for scoring
/// (`DefaultMilliCPURequest` and `DefaultMemoryRequest` in pkg/scheduler/util).
public enum NonZeroDefaults {
    /// 100m CPU.
    public static let milliCPU: Int64 = 100
    /// 200 MB (200 * 1024 * 1024 bytes, as upstream).
    public static let memory: Int64 = 200 * 1024 * 1024
}
