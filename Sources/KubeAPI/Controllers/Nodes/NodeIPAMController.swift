import Foundation
public import Logging
import Synchronization

/// kube-controller-manager's node IPAM (range allocator), as k3s runs it: every Node gets the
/// lowest free `/<mask>` of the cluster CIDR (k3s: 10.42.0.0/16 in /24s) as `spec.podCIDR` and
/// `spec.podCIDRs`, once; a node's agent builds its pod bridge from it and routes to the others'.
/// A full range leaves the node without one and records a `CIDRNotAvailable` event, as upstream.
public final class NodeIPAMController: Controller {
    public let name = "node-ipam-controller"
    public let queue = WorkQueue<String>(name: "node_ipam")
    let objects: ObjectStore
    let nodes: SharedInformer
    let nodeType: ResourceType
    let range: ClusterCIDR
    let events: EventRecorder
    /// Subnets handed out but maybe not yet seen by the informer (workers run concurrently),
    /// as upstream's range allocator keeps its bitmap.
    private let reserved = Mutex<[String: String]>([:])

    /// Allocates from `range` to the nodes `nodes` delivers.
    public init(objects: ObjectStore, nodes: SharedInformer, range: ClusterCIDR, logger: Logger) {
        self.objects = objects
        self.nodes = nodes
        self.range = range
        self.nodeType = objects.registry.lookup(group: "", version: "v1", plural: "nodes")!
        self.events = EventRecorder(objects: objects, component: "cidrAllocator", logger: logger)
        nodes.addHandler { [queue] event in
            guard case .deleted = event else { return queue.add(SharedInformer.key(of: event.object)) }
        }
    }

    public func reconcile(_ key: String) async throws {
        guard let node = nodes.get(key), (node[path: ["spec", "podCIDR"]]?.stringValue ?? "").isEmpty,
            node[path: ["metadata", "deletionTimestamp"]] == nil
        else { return }
        let cached = nodes.list()
        let names = Set(cached.compactMap { $0[path: ["metadata", "name"]]?.stringValue })
        let taken = cached.compactMap { $0[path: ["spec", "podCIDR"]]?.stringValue }
        let choice: String? = reserved.withLock { reserved in
            // Reservations of nodes that are gone are released; the rest count as used.
            reserved = reserved.filter { names.contains($0.value) && $0.value != key }
            let used = Set(taken).union(reserved.keys)
            guard let cidr = range.subnets.first(where: { !used.contains($0) }) else { return nil }
            reserved[cidr] = key
            return cidr
        }
        guard let cidr = choice else {
            await events.record(node, type: "Warning", reason: "CIDRNotAvailable", message: "Node \(key) status is now: CIDRNotAvailable")
            return
        }
        var updated = node
        var spec = node["spec"] ?? [:]
        spec["podCIDR"] = .string(cidr)
        spec["podCIDRs"] = [.string(cidr)]
        updated["spec"] = spec
        do {
            _ = try await objects.update(nodeType, namespace: nil, name: key, body: updated)
        } catch {
            reserved.withLock { _ = $0.removeValue(forKey: cidr) }
            throw error
        }
    }
}

/// An IPv4 cluster CIDR cut into node subnets (`10.42.0.0/16` in `/24`s).
public struct ClusterCIDR: Sendable, Hashable {
    /// The network address as a number.
    let network: UInt32
    /// The cluster prefix length.
    public let prefixLength: Int
    /// Each node's prefix length.
    public let nodeMaskSize: Int

    /// Parses `A.B.C.D/N` with `N` in 8...28 and a node mask in N+1...30 (at most 65,536 subnets).
    public init?(_ text: String, nodeMaskSize: Int = 24) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let length = Int(parts[1]), (8...28).contains(length), nodeMaskSize > length, nodeMaskSize <= 30,
            nodeMaskSize - length <= 16, let address = Self.address(parts[0])
        else { return nil }
        network = address & (UInt32.max << UInt32(32 - length))
        prefixLength = length
        self.nodeMaskSize = nodeMaskSize
    }

    /// `A.B.C.D` as a number.
    static func address(_ text: Substring) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard octet.count <= 3, let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    /// `number` as `A.B.C.D`.
    static func text(_ number: UInt32) -> String { "\(number >> 24).\((number >> 16) & 0xff).\((number >> 8) & 0xff).\(number & 0xff)" }

    /// The node subnets in order, as `A.B.C.D/M`.
    public var subnets: [String] {
        let count = 1 << (nodeMaskSize - prefixLength)
        let step = UInt32(1) << UInt32(32 - nodeMaskSize)
        return (0..<count).map { Self.text(network + UInt32($0) * step) + "/\(nodeMaskSize)" }
    }

    /// The CIDR's text.
    public var description: String { Self.text(network) + "/\(prefixLength)" }
}
