/// A node with the pods on it and their aggregated requests (upstream's `NodeInfo`).
public struct NodeInfo: Sendable {
    /// The node.
    public private(set) var node: Node
    /// The pods on the node, including assumed ones.
    public private(set) var pods: [PodInfo]
    /// The sum of the pods' requests.
    public private(set) var requested: Resource
    /// The sum of the pods' non-zero requests (for scoring).
    public private(set) var nonZeroRequested: Resource
    /// The node's allocatable resources.
    public private(set) var allocatable: Resource
    /// Host ports in use.
    public private(set) var usedPorts: [HostPort]
    /// Pods with pod affinity or anti-affinity terms.
    public private(set) var podsWithAffinity: Int
    /// Pods with required anti-affinity terms.
    public private(set) var podsWithRequiredAntiAffinity: Int
    /// Image sizes by normalised image name.
    public private(set) var imageSizes: [String: Int64]

    /// A node with no pods.
    public init(node: Node) {
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

    /// The node name.
    public var name: String { node.name }

    /// Replaces the node object (e.g. after an update event), keeping the pods.
    public mutating func setNode(_ node: Node) {
        self.node = node
        self.allocatable = node.allocatableResources
        self.imageSizes = NodeInfo.images(of: node)
    }

    /// Adds a pod and its requests.
    public mutating func add(_ info: PodInfo) {
        pods.append(info)
        requested.add(info.requests)
        nonZeroRequested.milliCPU = Resource.sum(nonZeroRequested.milliCPU, info.nonZeroRequests.milliCPU)
        nonZeroRequested.memory = Resource.sum(nonZeroRequested.memory, info.nonZeroRequests.memory)
        usedPorts.append(contentsOf: info.hostPorts)
        if info.hasAffinity { podsWithAffinity += 1 }
        if info.hasRequiredAntiAffinity { podsWithRequiredAntiAffinity += 1 }
    }

    /// Removes the pod with `uid`; returns it if it was here.
    @discardableResult
    public mutating func remove(uid: String) -> PodInfo? {
        guard let i = pods.firstIndex(where: { $0.pod.uid == uid }) else { return nil }
        let info = pods.remove(at: i)
        requested.subtract(info.requests)
        nonZeroRequested.milliCPU = Resource.difference(nonZeroRequested.milliCPU, info.nonZeroRequests.milliCPU)
        nonZeroRequested.memory = Resource.difference(nonZeroRequested.memory, info.nonZeroRequests.memory)
        for p in info.hostPorts {
            if let j = usedPorts.firstIndex(of: p) { usedPorts.remove(at: j) }
        }
        if info.hasAffinity { podsWithAffinity -= 1 }
        if info.hasRequiredAntiAffinity { podsWithRequiredAntiAffinity -= 1 }
        return info
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
