import Scheduler
import SchedulerTesting
import Testing

/// Upstream's "nothing scheduled, resources requested, differently sized nodes" cases.
private func differentlySizedCluster() -> TestCluster {
    TestCluster(nodes: [
        NodeBuilder("node1").capacity(cpu: "4000m", memory: "10000"),
        NodeBuilder("node2").capacity(cpu: "6000m", memory: "10000"),
    ])
}
private let pod3000 = PodBuilder("p").requests(cpu: "3000m", memory: "5000").build()

@Suite("NodeResourcesFit and BalancedAllocation")
struct ResourcesFitTests {
    @Test("scoring strategies reproduce upstream's worked examples", arguments: [
        ("LeastAllocated", Int64(37), Int64(50)),  // cpu 25, memory 50 -> 37; cpu 50, memory 50 -> 50
        ("MostAllocated", 62, 50),  // cpu 75, memory 50 -> 62
    ])
    func strategies(type: String, node1: Int64, node2: Int64) throws {
        let plugin = try NodeResourcesFit(args: .map(["scoringStrategy": .map(["type": .string(type)])]))
        let scores = differentlySizedCluster().score(plugin, pod: pod3000)
        #expect(scores == ["node1": node1, "node2": node2])
    }

    @Test("RequestedToCapacityRatio follows the broken-linear shape, scaled by 10")
    func requestedToCapacityRatio() throws {
        let shape: PluginArgs = .list([.map(["utilization": .int(0), "score": .int(0)]), .map(["utilization": .int(100), "score": .int(10)])])
        let plugin = try NodeResourcesFit(args: .map(["scoringStrategy": .map([
            "type": .string("RequestedToCapacityRatio"), "requestedToCapacityRatio": .map(["shape": shape]),
        ])]))
        // node1: cpu 75%, memory 50% -> round((75 + 50) / 2) = 63; node2: 50%, 50% -> 50.
        #expect(differentlySizedCluster().score(plugin, pod: pod3000) == ["node1": 63, "node2": 50])
    }

    @Test("weighted resources: cpu weight 3, memory weight 1")
    func weights() throws {
        let plugin = NodeResourcesFit(strategy: .leastAllocated, resources: [
            ResourceSpec(name: "cpu", weight: 3), ResourceSpec(name: "memory", weight: 1),
        ])
        // node1: (25*3 + 50*1) / 4 = 31; node2: (50*3 + 50) / 4 = 50.
        #expect(differentlySizedCluster().score(plugin, pod: pod3000) == ["node1": 31, "node2": 50])
    }

    @Test("unset requests count as 100m / 200MB for scoring only")
    func nonZeroDefaults() {
        let cluster = TestCluster(nodes: [NodeBuilder("n").capacity(cpu: "1000m", memory: "2000Mi")])
        // cpu (1000-100)*100/1000 = 90; memory (2000-200)*100/2000 = 90.
        #expect(cluster.score(NodeResourcesFit(), pod: PodBuilder("p").requests().build()) == ["n": 90])
        // A pod with no requests always passes the filter.
        let full = TestCluster(nodes: [NodeBuilder("n").capacity(cpu: "1m", memory: "1")])
        #expect(full.filter(NodeResourcesFit(), pod: PodBuilder("p").requests().build(), node: "n").isSuccess)
    }

    @Test("BalancedAllocation: upstream's 87 / 100")
    func balanced() throws {
        #expect(differentlySizedCluster().score(try NodeResourcesBalancedAllocation(), pod: pod3000) == ["node1": 87, "node2": 100])
    }

    @Test("filter reasons", arguments: [
        (PodBuilder("p").requests(cpu: "3", memory: "1Gi"), ["Insufficient cpu"]),
        (PodBuilder("p").requests(cpu: "1", memory: "3Gi"), ["Insufficient memory"]),
        (PodBuilder("p").requests(cpu: "3", memory: "3Gi"), ["Insufficient cpu", "Insufficient memory"]),
        (PodBuilder("p").requests(cpu: "1", ["example.com/gpu": "1"]), ["Insufficient example.com/gpu"]),
        (PodBuilder("p").requests(cpu: "1").initContainer(cpu: "2500m"), ["Insufficient cpu"]),
        (PodBuilder("p").requests(cpu: "1500m").overhead(cpu: "600m"), ["Insufficient cpu"]),
        (PodBuilder("p").requests(cpu: "1500m").initContainer(cpu: "2"), []),
        (PodBuilder("p").requests(cpu: "2", memory: "2Gi"), []),
    ])
    func filterReasons(pod: PodBuilder, reasons: [String]) {
        let cluster = TestCluster(nodes: [NodeBuilder("n").capacity(cpu: "2", memory: "2Gi")])
        let status = cluster.filter(NodeResourcesFit(), pod: pod.build(), node: "n")
        #expect(status.reasons == reasons)
        #expect(status.code == (reasons.isEmpty ? .success : .unschedulable))
    }

    @Test("existing pods' requests count, and the pod limit")
    func existingPods() {
        let cluster = TestCluster(
            nodes: [NodeBuilder("n").capacity(cpu: "2", memory: "2Gi", pods: 2)],
            pods: [PodBuilder("a").requests(cpu: "1500m").node("n"), PodBuilder("b").requests(cpu: "100m").node("n")])
        let status = cluster.filter(NodeResourcesFit(), pod: PodBuilder("p").requests(cpu: "500m").build(), node: "n")
        #expect(status.reasons == ["Too many pods", "Insufficient cpu"])
    }

    @Test("ignoredResources and ignoredResourceGroups skip extended resources in the filter")
    func ignored() throws {
        let cluster = TestCluster(nodes: [NodeBuilder("n").capacity(cpu: "2", memory: "2Gi")])
        let pod = PodBuilder("p").requests(cpu: "1", ["example.com/foo": "1", "other.io/bar": "2"]).build()
        #expect(cluster.filter(NodeResourcesFit(), pod: pod, node: "n").reasons == ["Insufficient example.com/foo", "Insufficient other.io/bar"])
        let byName = try NodeResourcesFit(args: .map(["ignoredResources": .list([.string("other.io/bar")])]))
        #expect(cluster.filter(byName, pod: pod, node: "n").reasons == ["Insufficient example.com/foo"])
        let byGroup = try NodeResourcesFit(args: .map(["ignoredResourceGroups": .list([.string("example.com")])]))
        #expect(cluster.filter(byGroup, pod: pod, node: "n").reasons == ["Insufficient other.io/bar"])
        #expect(throws: SchedulerError.self) { try NodeResourcesFit(args: .map(["ignoredResourceGroups": .list([.string("a/b")])])) }
    }

    @Test("invalid args are rejected with clear errors")
    func invalidArgs() {
        #expect(throws: SchedulerError.self) { try NodeResourcesFit(args: .map(["scoringStrategy": .map(["type": .string("Random")])])) }
        #expect(throws: SchedulerError.self) {
            try NodeResourcesFit(args: .map(["scoringStrategy": .map(["type": .string("RequestedToCapacityRatio")])]))
        }
        #expect(throws: SchedulerError.self) {
            try NodeResourcesFit(args: .map(["scoringStrategy": .map(["resources": .list([.map(["name": .string("cpu"), "weight": .int(0)])])])]))
        }
    }
}

@Suite("Hostile quantities")
struct HostileQuantityTests {
    @Test("requests and capacities at Int64's ends saturate: every plugin scores and nothing traps")
    func extremes() async throws {
        let cluster = TestCluster(
            nodes: [
                NodeBuilder("huge").capacity(cpu: "7Ei", memory: "7Ei"),
                NodeBuilder("small").capacity(cpu: "4", memory: "8Gi"),
            ],
            pods: [
                PodBuilder("a").node("huge").requests(cpu: "7Ei", memory: "7Ei"),
                PodBuilder("b").node("huge").requests(cpu: "7Ei", memory: "7Ei").overhead(cpu: "7Ei", memory: "7Ei"),
            ])
        let pod = PodBuilder("p").requests(cpu: "7Ei", memory: "7Ei").initContainer(cpu: "7Ei", memory: "7Ei").build()
        let decision = try await cluster.schedule(pod)
        #expect(decision.node == nil, "7Ei on top of 21Ei cannot fit anywhere")
        for strategy in ["LeastAllocated", "MostAllocated"] {
            let plugin = try NodeResourcesFit(args: .map(["scoringStrategy": .map(["type": .string(strategy)])]))
            let scores = cluster.score(plugin, pod: pod)
            #expect(scores.values.allSatisfy { (0...100).contains($0) }, "\(strategy): \(scores)")
        }
        let balanced = cluster.score(try NodeResourcesBalancedAllocation(), pod: pod)
        #expect(balanced.values.allSatisfy { (0...100).contains($0) }, "\(balanced)")
    }
}
