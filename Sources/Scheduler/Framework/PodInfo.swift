/// A pod together with values derived from it once, when it enters the cache or a cycle.
public struct PodInfo: Sendable {
    /// The pod.
    public let pod: Pod
    /// Its effective requests: max(sum of containers, each init container) plus overhead.
    public let requests: Resource
    /// The same with unset CPU/memory requests counted as 100m / 200 MB (for scoring).
    public let nonZeroRequests: Resource
    /// Host ports the pod occupies.
    public let hostPorts: [HostPort]
    /// Whether the pod has any pod affinity or anti-affinity terms.
    public let hasAffinity: Bool
    /// Whether the pod has required anti-affinity terms.
    public let hasRequiredAntiAffinity: Bool

    /// Derives the values from `pod`.
    public init(_ pod: Pod) {
        self.pod = pod
        (self.requests, self.nonZeroRequests) = PodInfo.computeRequests(pod)
        var ports: [HostPort] = []
        for c in pod.containers + pod.initContainers {
            for p in c.ports where p.hostPort > 0 { ports.append(HostPort(ip: p.hostIP, protocol: p.protocol, port: p.hostPort)) }
        }
        self.hostPorts = ports
        let a = pod.affinity
        self.hasAffinity = a?.podAffinity != nil || a?.podAntiAffinity != nil
        self.hasRequiredAntiAffinity = !(a?.podAntiAffinity?.required.isEmpty ?? true)
    }

    /// Upstream's `PodRequests`: containers summed, each init container as a floor, plus overhead;
    /// and the non-zero variant used for scoring.
    static func computeRequests(_ pod: Pod) -> (Resource, Resource) {
        var sum = Resource()
        var nonZero = Resource()
        for c in pod.containers {
            let r = Resource(c.requests)
            sum.add(r)
            nonZero.milliCPU = Resource.sum(nonZero.milliCPU, c.requests[ResourceNames.cpu] == nil ? NonZeroDefaults.milliCPU : r.milliCPU)
            nonZero.memory = Resource.sum(nonZero.memory, c.requests[ResourceNames.memory] == nil ? NonZeroDefaults.memory : r.memory)
        }
        for c in pod.initContainers {
            let r = Resource(c.requests)
            sum.setMax(r)
            var nz = Resource()
            nz.milliCPU = c.requests[ResourceNames.cpu] == nil ? NonZeroDefaults.milliCPU : r.milliCPU
            nz.memory = c.requests[ResourceNames.memory] == nil ? NonZeroDefaults.memory : r.memory
            nonZero.setMax(nz)
        }
        if !pod.overhead.isEmpty {
            let o = Resource(pod.overhead)
            sum.add(o)
            nonZero.milliCPU = Resource.sum(nonZero.milliCPU, o.milliCPU)
            nonZero.memory = Resource.sum(nonZero.memory, o.memory)
        }
        return (sum, nonZero)
    }
}

/// A host port in use: IP ("" / "0.0.0.0" for all), protocol and port.
public struct HostPort: Sendable, Hashable {
    /// The host IP, normalised so that "" becomes "0.0.0.0".
    public let ip: String
    /// The protocol ("TCP" when empty).
    public let `protocol`: String
    /// The port.
    public let port: Int32

    /// A host port.
    public init(ip: String, protocol: String, port: Int32) {
        self.ip = ip.isEmpty ? "0.0.0.0" : ip
        self.protocol = `protocol`.isEmpty ? "TCP" : `protocol`
        self.port = port
    }

    /// Whether two host ports conflict: same protocol and port, and the same IP or either is 0.0.0.0.
    public func conflicts(with other: HostPort) -> Bool {
        port == other.port && `protocol` == other.protocol && (ip == other.ip || ip == "0.0.0.0" || other.ip == "0.0.0.0")
    }
}
