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

    /// Adds `other` to this amount, resource by resource, saturating at Int64's bounds (quantities
    /// come from hostile objects: `8Ei` twice must not trap).
    public mutating func add(_ other: Resource) {
        milliCPU = Self.sum(milliCPU, other.milliCPU)
        memory = Self.sum(memory, other.memory)
        ephemeralStorage = Self.sum(ephemeralStorage, other.ephemeralStorage)
        allowedPodNumber = Self.sum(allowedPodNumber, other.allowedPodNumber)
        for (k, v) in other.scalar { scalar[k] = Self.sum(scalar[k] ?? 0, v) }
    }

    /// Subtracts `other` from this amount, resource by resource, saturating at Int64's bounds.
    public mutating func subtract(_ other: Resource) {
        milliCPU = Self.difference(milliCPU, other.milliCPU)
        memory = Self.difference(memory, other.memory)
        ephemeralStorage = Self.difference(ephemeralStorage, other.ephemeralStorage)
        allowedPodNumber = Self.difference(allowedPodNumber, other.allowedPodNumber)
        for (k, v) in other.scalar { scalar[k] = Self.difference(scalar[k] ?? 0, v) }
    }

    /// `a + b`, saturating.
    static func sum(_ a: Int64, _ b: Int64) -> Int64 {
        let (result, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : result
    }

    /// `value * factor / whole` without overflow (as upstream computes scores in int64 on
    /// values that cannot be that large there); 0 when `whole` is 0.
    static func scaled(_ value: Int64, by factor: Int64, over whole: Int64) -> Int64 {
        guard whole != 0 else { return 0 }
        let result = Int128(value) * Int128(factor) / Int128(whole)
        return result > Int128(Int64.max) ? .max : (result < Int128(Int64.min) ? .min : Int64(result))
    }

    /// `a - b`, saturating.
    static func difference(_ a: Int64, _ b: Int64) -> Int64 {
        let (result, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b < 0 ? .max : .min) : result
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
