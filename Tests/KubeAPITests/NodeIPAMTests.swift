import EncStore
import Logging
import Testing

@testable import KubeAPI

@Suite("Node IPAM: podCIDRs from the cluster CIDR, once each")
struct NodeIPAMTests {
    @Test("the cluster CIDR is cut in node subnets; bad ranges are refused")
    func ranges() {
        let range = ClusterCIDR("10.42.0.0/16", nodeMaskSize: 24)
        #expect(range?.subnets.count == 256 && range?.subnets.first == "10.42.0.0/24" && range?.subnets.last == "10.42.255.0/24")
        #expect(ClusterCIDR("10.42.7.9/22", nodeMaskSize: 24)?.subnets == ["10.42.4.0/24", "10.42.5.0/24", "10.42.6.0/24", "10.42.7.0/24"])
        for bad in ["10.42.0.0", "10.42.0.0/24", "10.42.0.0/4", "300.0.0.0/16", "10.42.0.0/16/1", "a.b.c.d/16"] {
            #expect(ClusterCIDR(bad, nodeMaskSize: 24) == nil, "\(bad)")
        }
        #expect(ClusterCIDR("10.0.0.0/8", nodeMaskSize: 30) == nil, "more than 65,536 subnets")
    }

    @Test("nodes registering together get distinct podCIDRs; a podCIDR is kept by updates that leave it out and cannot change")
    func allocation() async throws {
        let objects = ObjectStore(store: MVCCStore.inMemory())
        let nodes = objects.registry.lookup(group: "", version: "v1", plural: "nodes")!
        let logger = Logger(label: "ipam-tests")
        let informers = InformerSet(objects: objects, logger: logger)
        let manager = ControllerManager(
            objects: objects, informers: informers, configuration: .init(clusterCIDR: ClusterCIDR("10.42.0.0/22", nodeMaskSize: 24)!), logger: logger)
        let running = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await informers.run() }
                group.addTask { try? await manager.run() }
            }
        }
        defer { running.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<5 {
                group.addTask { _ = try await objects.create(nodes, namespace: nil, body: ["metadata": ["name": .string("node-\(index)")]]) }
            }
            try await group.waitForAll()
        }
        var cidrs: [String] = []
        for _ in 0..<200 {
            cidrs = try await (0..<5).asyncMap { try await objects.get(nodes, namespace: nil, name: "node-\($0)")[path: ["spec", "podCIDR"]]?.stringValue ?? "" }
            if cidrs.filter({ !$0.isEmpty }).count == 4 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let allocated = cidrs.filter { !$0.isEmpty }
        #expect(allocated.count == 4 && Set(allocated).count == 4, "four /24s in a /22, each once: \(cidrs)")
        #expect(Set(allocated) == ["10.42.0.0/24", "10.42.1.0/24", "10.42.2.0/24", "10.42.3.0/24"])

        let name = "node-\(cidrs.firstIndex { !$0.isEmpty }!)"
        var node = try await objects.get(nodes, namespace: nil, name: name)
        let cidr = node[path: ["spec", "podCIDR"]]
        node["spec"] = [:]
        node[path: "metadata.resourceVersion"] = nil
        #expect(try await objects.update(nodes, namespace: nil, name: name, body: node)[path: ["spec", "podCIDR"]] == cidr)
        node[path: "spec.podCIDR"] = "10.99.0.0/24"
        await #expect(throws: APIError.self) { _ = try await objects.update(nodes, namespace: nil, name: name, body: node) }
    }

    @Test("NetworkPolicies print their pod selector as kubectl does")
    func policyTable() {
        let type = ResourceRegistry.builtIn.lookup(group: "networking.k8s.io", version: "v1", plural: "networkpolicies")!
        let table = TableConvertor.table(type, items: [
            ["metadata": ["name": "all", "creationTimestamp": "2026-01-01T00:00:00Z"], "spec": ["podSelector": [:]]],
            ["metadata": ["name": "web", "creationTimestamp": "2026-01-01T00:00:00Z"],
             "spec": ["podSelector": ["matchLabels": ["app": "web"], "matchExpressions": [["key": "tier", "operator": "In", "values": ["a", "b"]], ["key": "x", "operator": "DoesNotExist"]]]]],
        ], listMetadata: [:], includeObject: "None", now: 1_767_225_600)
        #expect(table["rows"]?.arrayValue?.map { $0["cells"]?.arrayValue?[1] } == ["<none>", "app=web,tier in (a,b),!x"])
    }
}

extension Range where Bound == Int {
    func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for value in self { results.append(try await transform(value)) }
        return results
    }
}
