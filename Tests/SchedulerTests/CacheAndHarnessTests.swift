import Scheduler
import SchedulerTesting
import Testing

@Suite("Cluster cache and the testing harness")
struct CacheAndHarnessTests {
    @Test("assume, confirm, forget")
    func assume() throws {
        var cache = ClusterCache()
        cache.addNode(NodeBuilder("n").capacity(cpu: "4", memory: "4Gi").build())
        let pod = PodBuilder("p").requests(cpu: "1").build()
        try cache.assume(pod, on: "n")
        #expect(cache.snapshot.node(named: "n")?.requested.milliCPU == 1000)
        #expect(cache.assumedPods == ["default/p"])
        #expect(throws: SchedulerError.self) { try cache.assume(pod, on: "n") }
        cache.forget(uid: "default/p")
        #expect(cache.snapshot.node(named: "n")?.requested.milliCPU == 0)
        try cache.assume(pod, on: "n")
        var bound = pod
        bound.nodeName = "n"
        cache.addPod(bound)  // the watch event confirms it
        #expect(cache.assumedPods.isEmpty)
        cache.forget(uid: "default/p")  // confirmed pods are not forgotten
        #expect(cache.snapshot.node(named: "n")?.pods.count == 1)
        #expect(throws: SchedulerError.self) { try cache.assume(PodBuilder("q").build(), on: "missing") }
    }

    @Test("node removal keeps its pods until the node returns")
    func nodeRemoval() {
        var cache = ClusterCache()
        cache.addNode(NodeBuilder("a").build())
        cache.addNode(NodeBuilder("b").image("nginx", sizeBytes: 10).build())
        cache.addPod(PodBuilder("p").requests(cpu: "1").node("b").build())
        #expect(cache.snapshot.imageNodeCounts["nginx:latest"] == 1)
        cache.removeNode(named: "b")
        #expect(cache.nodeCount == 1)
        #expect(cache.snapshot.imageNodeCounts["nginx:latest"] == nil)
        cache.addNode(NodeBuilder("b").build())
        #expect(cache.snapshot.node(named: "b")?.requested.milliCPU == 1000)
        cache.removePod(uid: "default/p")
        #expect(cache.snapshot.node(named: "b")?.pods.isEmpty == true)
        #expect(cache.snapshot.index == ["a": 0, "b": 1])
    }

    @Test("the explanation lists every filter verdict and score, printable as a table")
    func explanation() async throws {
        let cluster = TestCluster(nodes: [
            NodeBuilder("tainted").capacity(cpu: "4", memory: "8Gi").taint(key: "dedicated", value: "x"),
            NodeBuilder("free").capacity(cpu: "4", memory: "8Gi"),
        ])
        let decision = try await cluster.schedule(PodBuilder("p").requests(cpu: "500m").build())
        #expect(decision.node == "free")
        let tainted = try #require(decision.explanation["tainted"])
        #expect(!tainted.feasible)
        #expect(tainted.filter("TaintToleration")?.reasons == ["node(s) had untolerated taint {dedicated: x}"])
        #expect(tainted.filter("NodeResourcesFit")?.isSuccess == true)
        #expect(tainted.scores.isEmpty)
        let table = decision.explanation.table()
        #expect(table.contains("tainted | TaintToleration"))
        #expect(table.contains("UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: x}"))
        #expect(table.contains("(best)"))
        #expect(table.split(separator: "\n").first?.hasPrefix("NODE") == true)
    }

    @Test("a custom plugin registered next to the defaults")
    func customPlugin() async throws {
        struct PreferEven: ScorePlugin {
            let name = "PreferEven"
            func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status) {
                (node.name.last.flatMap { Int64(String($0)) }.map { $0 % 2 == 0 ? 100 : 0 } ?? 0, .success)
            }
        }
        var registry = PluginRegistry.default
        registry.register("PreferEven") { _ in PreferEven() }
        var profile = Profile.defaultProfile()
        profile.plugins[.score]!.append(PluginReference("PreferEven", weight: 5))
        let cluster = TestCluster(nodes: [NodeBuilder("n1").capacity(cpu: "4", memory: "8Gi"), NodeBuilder("n2").capacity(cpu: "4", memory: "8Gi")])
        let decision = try await cluster.schedule(PodBuilder("p").build(), profile: profile, registry: registry)
        #expect(decision.node == "n2")
        #expect(decision.explanation["n2"]?.score("PreferEven")?.weighted == 500)
    }

    @Test("a pod nominated by preemption holds its node's room against lower-priority pods, not against higher ones")
    func nominatedPodsHoldRoom() async throws {
        var cluster = TestCluster(nodes: [NodeBuilder("n1").capacity(cpu: "2", memory: "8Gi")])
        cluster.cache.nominate(PodBuilder("vip").requests(cpu: "2").priority(100).build(), on: "n1")
        let lower = try await cluster.schedule(PodBuilder("low").requests(cpu: "1").priority(5).build())
        #expect(lower.node == nil, "the freed room is the nominated pod's")
        let higher = try await cluster.schedule(PodBuilder("boss").requests(cpu: "1").priority(200).build())
        #expect(higher.node == "n1")
        cluster.cache.clearNomination(uid: PodBuilder("vip").build().uid)
        #expect(try await cluster.schedule(PodBuilder("low").requests(cpu: "1").priority(5).build()).node == "n1", "once bound or gone, the room is free")
        #expect(cluster.snapshot.nominatedPods.isEmpty)
    }
}
