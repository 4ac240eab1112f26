import Scheduler
import SchedulerTesting
import Testing

@Suite("Node plugins: taints, affinity, name, ports, unschedulable, images")
struct NodePluginTests {
    @Test("TaintToleration filter", arguments: [
        (PodBuilder("p"), Status.Code.unschedulableAndUnresolvable),
        (PodBuilder("p").toleration(key: "dedicated", value: "x", effect: .noSchedule), .success),
        (PodBuilder("p").toleration(key: "dedicated", operator: .exists), .success),
        (PodBuilder("p").toleration(operator: .exists), .success),
        (PodBuilder("p").toleration(key: "dedicated", value: "y"), .unschedulableAndUnresolvable),
        (PodBuilder("p").toleration(key: "dedicated", value: "x", effect: .noExecute), .unschedulableAndUnresolvable),
    ])
    func taintFilter(pod: PodBuilder, code: Status.Code) {
        let cluster = TestCluster(nodes: [NodeBuilder("n").taint(key: "dedicated", value: "x")])
        let status = cluster.filter(TaintTolerationPlugin(), pod: pod.build(), node: "n")
        #expect(status.code == code)
        if code != .success { #expect(status.reasons == ["node(s) had untolerated taint {dedicated: x}"]) }
    }

    @Test("TaintToleration score: fewer intolerable PreferNoSchedule taints is better (upstream example)")
    func taintScore() {
        let cluster = TestCluster(nodes: [
            NodeBuilder("none"),
            NodeBuilder("one").taint(key: "a", value: "1", effect: .preferNoSchedule),
            NodeBuilder("two").taint(key: "a", value: "1", effect: .preferNoSchedule).taint(key: "b", value: "2", effect: .preferNoSchedule),
            NodeBuilder("tolerated").taint(key: "c", value: "3", effect: .preferNoSchedule),
        ])
        let pod = PodBuilder("p").toleration(key: "c", value: "3", effect: .preferNoSchedule).build()
        #expect(cluster.score(TaintTolerationPlugin(), pod: pod) == ["none": 100, "one": 50, "two": 0, "tolerated": 100])
    }

    @Test("NodeAffinity filter: nodeSelector, matchExpressions and matchFields", arguments: [
        (PodBuilder("p").nodeSelector("disk", "ssd"), true),
        (PodBuilder("p").nodeSelector("disk", "hdd"), false),
        (PodBuilder("p").requiredNodeAffinity(NodeSelectorTerm(matchExpressions: [SelectorRequirement(key: "disk", operator: .in, values: ["ssd", "nvme"])])), true),
        (PodBuilder("p").requiredNodeAffinity(NodeSelectorTerm(matchExpressions: [SelectorRequirement(key: "disk", operator: .notIn, values: ["ssd"])])), false),
        (PodBuilder("p").requiredNodeAffinity(NodeSelectorTerm(matchExpressions: [SelectorRequirement(key: "gpu", operator: .doesNotExist)])), true),
        (PodBuilder("p").requiredNodeAffinity(NodeSelectorTerm(matchExpressions: [SelectorRequirement(key: "cores", operator: .gt, values: ["8"])])), true),
        (PodBuilder("p").requiredNodeAffinity(NodeSelectorTerm(matchExpressions: [SelectorRequirement(key: "cores", operator: .lt, values: ["8"])])), false),
        (PodBuilder("p").requiredNodeAffinity(NodeSelectorTerm(matchFields: [SelectorRequirement(key: "metadata.name", operator: .in, values: ["n"])])), true),
        (PodBuilder("p").requiredNodeAffinity(NodeSelectorTerm(matchFields: [SelectorRequirement(key: "metadata.name", operator: .in, values: ["m"])])), false),
        // Terms are ORed.
        (PodBuilder("p").requiredNodeAffinity(NodeSelectorTerm(matchExpressions: [SelectorRequirement(key: "x", operator: .exists)]))
            .requiredNodeAffinity(NodeSelectorTerm(matchExpressions: [SelectorRequirement(key: "disk", operator: .exists)])), true),
        // An empty term matches nothing.
        (PodBuilder("p").requiredNodeAffinity(NodeSelectorTerm()), false),
    ])
    func nodeAffinityFilter(pod: PodBuilder, fits: Bool) throws {
        let cluster = TestCluster(nodes: [NodeBuilder("n").label("disk", "ssd").label("cores", "16")])
        let status = cluster.filter(try NodeAffinityPlugin(), pod: pod.build(), node: "n")
        #expect(status.isSuccess == fits)
        // matchFields on metadata.name narrow the nodes in PreFilter, so those rejections carry
        // the PreFilter reason; the rest carry the filter's.
        if !fits { #expect(status.code == .unschedulableAndUnresolvable) }
        if !fits && pod.build().affinity?.nodeAffinity?.required?.terms.first?.matchFields.isEmpty != false {
            #expect(status.reasons == ["node(s) didn't match Pod's node affinity/selector"])
        }
    }

    @Test("NodeAffinity score: preferred weights, normalised to the best node")
    func nodeAffinityScore() throws {
        let cluster = TestCluster(nodes: [NodeBuilder("a").label("foo", "bar"), NodeBuilder("b").label("foo", "bar").label("key", "value"), NodeBuilder("c")])
        let pod = PodBuilder("p")
            .preferredNodeAffinity(weight: 2, NodeSelectorTerm(matchExpressions: [SelectorRequirement(key: "foo", operator: .in, values: ["bar"])]))
            .preferredNodeAffinity(weight: 4, NodeSelectorTerm(matchExpressions: [SelectorRequirement(key: "key", operator: .in, values: ["value"])]))
            .build()
        // Raw 2, 6, 0 -> 100 * x / 6.
        #expect(cluster.score(try NodeAffinityPlugin(), pod: pod) == ["a": 33, "b": 100, "c": 0])
    }

    @Test("NodeName, NodeUnschedulable")
    func nameAndCordon() {
        let cluster = TestCluster(nodes: [NodeBuilder("n").unschedulable()])
        #expect(cluster.filter(NodeNamePlugin(), pod: PodBuilder("p").node("m").build(), node: "n").reasons == ["node(s) didn't match the requested node name"])
        #expect(cluster.filter(NodeNamePlugin(), pod: PodBuilder("p").node("n").build(), node: "n").isSuccess)
        #expect(cluster.filter(NodeUnschedulable(), pod: PodBuilder("p").build(), node: "n").reasons == ["node(s) were unschedulable"])
        let tolerant = PodBuilder("p").toleration(key: NodeUnschedulable.taintKey, operator: .exists, effect: .noSchedule).build()
        #expect(cluster.filter(NodeUnschedulable(), pod: tolerant, node: "n").isSuccess)
    }

    @Test("NodePorts conflicts", arguments: [
        (Int32(8080), "TCP", "", false),
        (8080, "UDP", "", true),
        (8081, "TCP", "", true),
        (8080, "TCP", "10.0.0.2", false),  // existing binds 0.0.0.0
    ])
    func ports(port: Int32, proto: String, ip: String, fits: Bool) {
        let cluster = TestCluster(nodes: [NodeBuilder("n")], pods: [PodBuilder("e").hostPort(8080).node("n")])
        let status = cluster.filter(NodePorts(), pod: PodBuilder("p").hostPort(port, protocol: proto, hostIP: ip).build(), node: "n")
        #expect(status.isSuccess == fits)
        if !fits { #expect(status.reasons == ["node(s) didn't have free ports for the requested pod ports"]) }
    }

    @Test("specific host IPs on both sides do not conflict")
    func hostIPs() {
        let cluster = TestCluster(nodes: [NodeBuilder("n")], pods: [PodBuilder("e").hostPort(80, hostIP: "10.0.0.1").node("n")])
        #expect(cluster.filter(NodePorts(), pod: PodBuilder("p").hostPort(80, hostIP: "10.0.0.2").build(), node: "n").isSuccess)
        #expect(!cluster.filter(NodePorts(), pod: PodBuilder("p").hostPort(80, hostIP: "10.0.0.1").build(), node: "n").isSuccess)
    }

    @Test("ImageLocality: size x spread, clamped to [23MB, 1000MB x containers]")
    func imageLocality() {
        let mb: Int64 = 1024 * 1024
        let cluster = TestCluster(nodes: [
            NodeBuilder("node1").image("gcr.io/40:latest", sizeBytes: 40 * mb).image("gcr.io/250:latest", sizeBytes: 250 * mb),
            NodeBuilder("node2").image("gcr.io/250:latest", sizeBytes: 250 * mb).image("gcr.io/2000:latest", sizeBytes: 2000 * mb),
            NodeBuilder("node3"),
        ])
        let pod = PodBuilder("p").container(image: "gcr.io/40").container(image: "gcr.io/250").build()
        // node1: 40MB x 1/3 + 250MB x 2/3 = 13.33MB + 166.67MB = 180MB -> 100 x (180 - 23) / (2000 - 23) = 7
        // node2: 250MB x 2/3 = 166.67MB -> 100 x (166.67 - 23) / 1977 = 7; node3: below the floor -> 0.
        let scores = cluster.score(ImageLocality(), pod: pod)
        #expect(scores == ["node1": 7, "node2": 7, "node3": 0])
        #expect(ImageLocality.calculatePriority(1000 * mb, containers: 1) == 100)
        #expect(ImageLocality.calculatePriority(10 * mb, containers: 1) == 0)
        #expect(ImageLocality.calculatePriority(500 * mb, containers: 1) == 48)
    }

    @Test("StakeWeighted: linear in stake, highest gets 100, missing stake 0")
    func stake() throws {
        let cluster = TestCluster(nodes: [
            NodeBuilder("rich").stake(mist: 4_000_000_000_000),
            NodeBuilder("half").annotation(StakeWeighted.stakeKey, "2000000000000"),
            NodeBuilder("none"),
            NodeBuilder("bad").label(StakeWeighted.stakeKey, "lots"),
        ])
        #expect(cluster.score(try StakeWeighted(), pod: PodBuilder("p").build()) == ["rich": 100, "half": 50, "none": 0, "bad": 0])
        let floor = try StakeWeighted(args: .map(["minimumStakeMist": .int(3_000_000_000_000)]))
        #expect(cluster.score(floor, pod: PodBuilder("p").build()) == ["rich": 100, "half": 0, "none": 0, "bad": 0])
    }

    @Test("SchedulingGates and PrioritySort")
    func gatesAndSort() {
        let gates = SchedulingGates()
        #expect(gates.preEnqueue(PodBuilder("p").build()).isSuccess)
        let gated = gates.preEnqueue(PodBuilder("p").schedulingGate("a").schedulingGate("b").build())
        #expect(gated.code == .unschedulableAndUnresolvable)
        #expect(gated.reasons == ["waiting for scheduling gates: [a b]"])
        let sort = PrioritySort()
        let low = QueuedPodInfo(podInfo: PodInfo(PodBuilder("low").priority(1).build()), initialAttemptTime: .zero, timestamp: .seconds(1))
        let high = QueuedPodInfo(podInfo: PodInfo(PodBuilder("high").priority(10).build()), initialAttemptTime: .zero, timestamp: .seconds(2))
        let early = QueuedPodInfo(podInfo: PodInfo(PodBuilder("early").priority(1).build()), initialAttemptTime: .zero, timestamp: .zero)
        #expect(sort.less(high, low))
        #expect(sort.less(early, low))
        #expect(!sort.less(low, early))
    }
}
