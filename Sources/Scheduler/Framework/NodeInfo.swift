/// A node with the pods on it and their aggregated requests (upstream's `NodeInfo`).
public struct NodeInfo: Sendable {
    /// The fields live in one copy-on-write box: the framework hands NodeInfo values to every
    /// filter and score call, and copying a dozen reference-counted fields per node per plugin
    /// was a tenth of the master's CPU while binding (perf, `daas-bench cluster`).
    private final class Storage: @unchecked Sendable {
        // @unchecked: mutated only through `NodeInfo.mutate`, after `isKnownUniquelyReferenced`,
        // so a box shared between values (or tasks) is never written.
        var node: Node
        var pods: [PodInfo]
        var requested: Resource
        var nonZeroRequested: Resource
        var allocatable: Resource
        var usedPorts: [HostPort]
        var podsWithAffinity: Int
        var podsWithRequiredAntiAffinity: Int
        var imageSizes: [String: Int64]

        init(node: Node) {
            self.node = node
            self.pods = []
            self.requested = Resource()
            self.nonZeroRequested = Resource()
            self.allocatable = node.allocatableResources
            self.usedPorts = []
            self.podsWithAffinity = 0
            self.podsWithRequiredAntiAffinity = 0
            self.imageSizes = NodeInfo.images(of: node)
        }

        init(copying other: Storage) {
            node = other.node
            pods = other.pods
            requested = other.requested
            nonZeroRequested = other.nonZeroRequested
            allocatable = other.allocatable
            usedPorts = other.usedPorts
            podsWithAffinity = other.podsWithAffinity
            podsWithRequiredAntiAffinity = other.podsWithRequiredAntiAffinity
            imageSizes = other.imageSizes
        }
    }

    private var storage: Storage

    /// The node.
    public var node: Node { storage.node }
    /// The pods on the node, including assumed ones.
    public var pods: [PodInfo] { storage.pods }
    /// The sum of the pods' requests.
    public var requested: Resource { storage.requested }
    /// The sum of the pods' non-zero requests (for scoring).
    public var nonZeroRequested: Resource { storage.nonZeroRequested }
    /// The node's allocatable resources.
    public var allocatable: Resource { storage.allocatable }
    /// Host ports in use.
    public var usedPorts: [HostPort] { storage.usedPorts }
    /// Pods with pod affinity or anti-affinity terms.
    public var podsWithAffinity: Int { storage.podsWithAffinity }
    /// Pods with required anti-affinity terms.
    public var podsWithRequiredAntiAffinity: Int { storage.podsWithRequiredAntiAffinity }
    /// Image sizes by normalised image name.
    public var imageSizes: [String: Int64] { storage.imageSizes }

    /// A node with no pods.
    public init(node: Node) {
        storage = Storage(node: node)
    }

    /// The node name.
    public var name: String { storage.node.name }

    private mutating func mutate<T>(_ body: (Storage) -> T) -> T {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
        return body(storage)
    }

    /// Replaces the node object (e.g. after an update event), keeping the pods.
    public mutating func setNode(_ node: Node) {
        mutate { s in
            s.node = node
            s.allocatable = node.allocatableResources
            s.imageSizes = NodeInfo.images(of: node)
        }
    }

    /// Adds a pod and its requests.
    public mutating func add(_ info: PodInfo) {
        mutate { s in
            s.pods.append(info)
            s.requested.add(info.requests)
            s.nonZeroRequested.milliCPU = Resource.sum(s.nonZeroRequested.milliCPU, info.nonZeroRequests.milliCPU)
            s.nonZeroRequested.memory = Resource.sum(s.nonZeroRequested.memory, info.nonZeroRequests.memory)
            s.usedPorts.append(contentsOf: info.hostPorts)
            if info.hasAffinity { s.podsWithAffinity += 1 }
            if info.hasRequiredAntiAffinity { s.podsWithRequiredAntiAffinity += 1 }
        }
    }

    /// Removes the pod with `uid`; returns it if it was here.
    @discardableResult
    public mutating func remove(uid: String) -> PodInfo? {
        guard let i = storage.pods.firstIndex(where: { $0.pod.uid == uid }) else { return nil }
        return mutate { s in
            let info = s.pods.remove(at: i)
            s.requested.subtract(info.requests)
            s.nonZeroRequested.milliCPU = Resource.difference(s.nonZeroRequested.milliCPU, info.nonZeroRequests.milliCPU)
            s.nonZeroRequested.memory = Resource.difference(s.nonZeroRequested.memory, info.nonZeroRequests.memory)
            for p in info.hostPorts {
                if let j = s.usedPorts.firstIndex(of: p) { s.usedPorts.remove(at: j) }
            }
            if info.hasAffinity { s.podsWithAffinity -= 1 }
            if info.hasRequiredAntiAffinity { s.podsWithRequiredAntiAffinity -= 1 }
            return info
        }
    }

    static func images(of node: Node) -> [String: Int64] {
        var sizes: [String: Int64] = [:]
        for image in node.images {
            for name in image.names { sizes[normalizedImageName(name)] = image.sizeBytes }
        }
        return sizes
    }
}

/// Adds ":latest" to an image reference without a tag or digest, as ImageLocality does upstream.
public func normalizedImageName(_ name: String) -> String {
    if name.contains("@") { return name }
    let lastComponent = name.split(separator: "/").last.map(String.init) ?? name
    return lastComponent.contains(":") ? name : name + ":latest"
}
