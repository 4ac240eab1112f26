import Scheduler
import SchedulerTesting
import Testing

@Suite("DefaultPreemption and the FailedScheduling message")
struct PreemptionTests {
    @Test("preempts the lowest-priority pods needed, on the node with the least important victims")
    func minimalVictims() async throws {
        let cluster = TestCluster(
            nodes: [NodeBuilder("n1").capacity(cpu: "4", memory: "8Gi"), NodeBuilder("n2").capacity(cpu: "4", memory: "8Gi")],
            pods: [
                PodBuilder("low1").priority(1).requests(cpu: "1").node("n1"),
                PodBuilder("low2").priority(2).requests(cpu: "1").node("n1"),
                PodBuilder("mid").priority(5).requests(cpu: "2").node("n1"),
                PodBuilder("big").priority(8).requests(cpu: "4").node("n2"),
            ])
        let decision = try await cluster.schedule(PodBuilder("p").priority(10).requests(cpu: "2").build())
        #expect(decision.node == nil)
        let preemption = try #require(decision.preemption)
        #expect(preemption.nominatedNodeName == "n1")
        #expect(preemption.victims.map(\.name) == ["low2", "low1"])
    }

    @Test("victims whose eviction would violate a PodDisruptionBudget are reprieved first")
    func pdbAware() async throws {
        var cluster = TestCluster(
            nodes: [NodeBuilder("n").capacity(cpu: "4", memory: "8Gi")],
            pods: [
                PodBuilder("a").label("app", "a").priority(1).startTime(.seconds(2)).requests(cpu: "2").node("n"),
                PodBuilder("b").label("app", "b").priority(1).startTime(.seconds(1)).requests(cpu: "2").node("n"),
            ])
        let pod = PodBuilder("p").priority(10).requests(cpu: "2").build()
        // Without budgets, the earlier-started b is more important and is kept.
        #expect(try await cluster.schedule(pod).preemption?.victims.map(\.name) == ["a"])
        cluster.disruptionBudgets([PodDisruptionBudget(name: "keep-a", selector: LabelSelector(matchLabels: ["app": "a"]), disruptionsAllowed: 0)])
        #expect(try await cluster.schedule(pod).preemption?.victims.map(\.name) == ["b"])
    }

    @Test("preemption re-evaluates pod-dependent PreFilters: evicting the pod an anti-affinity rule objects to")
    func antiAffinityVictim() async throws {
        let cluster = TestCluster(
            nodes: [NodeBuilder("n").capacity(cpu: "4", memory: "8Gi")],
            pods: [PodBuilder("web").label("app", "web").priority(1).requests(cpu: "1").node("n"),
                   PodBuilder("other").priority(1).requests(cpu: "1").node("n")])
        let pod = PodBuilder("p").priority(10).requests(cpu: "1").podAntiAffinity(["app": "web"], topologyKey: WellKnownLabels.hostname).build()
        let decision = try await cluster.schedule(pod)
        #expect(decision.message?.hasPrefix("0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.") == true)
        #expect(decision.preemption == PostFilterResult(nominatedNodeName: "n", victims: [PodBuilder("web").label("app", "web").priority(1).requests(cpu: "1").node("n").build()]))
    }

    @Test("pick order: fewest PDB violations, then lowest highest priority, then fewest victims")
    func pickOne() {
        typealias C = DefaultPreemption.Candidate
        let p = { (n: String, prio: Int32) in PodBuilder(n).priority(prio).build() }
        let violating = C(nodeName: "a", victims: [p("x", 1)], pdbViolations: 1)
        let highPrio = C(nodeName: "b", victims: [p("y", 9)], pdbViolations: 0)
        let twoLow = C(nodeName: "c", victims: [p("z", 1), p("w", 1)], pdbViolations: 0)
        let oneLow = C(nodeName: "d", victims: [p("v", 1)], pdbViolations: 0)
        #expect(DefaultPreemption.pickOne([violating, highPrio])?.nodeName == "b")
        #expect(DefaultPreemption.pickOne([highPrio, twoLow])?.nodeName == "c")
        #expect(DefaultPreemption.pickOne([twoLow, oneLow])?.nodeName == "d")
        #expect(DefaultPreemption.pickOne([]) == nil)
    }

    @Test("FailedScheduling for mixed reasons, with preemption's own diagnosis")
    func mixedReasons() async throws {
        let cluster = TestCluster(nodes: [
            NodeBuilder("n1").capacity(cpu: "1", memory: "8Gi"),
            NodeBuilder("n2").capacity(cpu: "8", memory: "8Gi").taint(key: "dedicated", value: "x"),
            NodeBuilder("n3").capacity(cpu: "8", memory: "8Gi").taint(key: "dedicated", value: "x"),
        ])
        let decision = try await cluster.schedule(PodBuilder("p").requests(cpu: "2").build())
        #expect(decision.node == nil)
        #expect(decision.message == "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: x}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.")
    }

    @Test("the message shape from the issue")
    func issueShape() {
        var d = Diagnosis()
        d.nodeToStatus = [
            "a": Status(.unschedulable, "Insufficient cpu"),
            "b": Status(.unschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: x}"),
            "c": Status(.unschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: x}"),
        ]
        d.postFilterMessage = "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        #expect(FitError(pod: Pod(name: "p"), numAllNodes: 3, diagnosis: d).message
            == "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: x}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    }

    @Test("all nodes unresolvable: preemption is not helpful; preemptionPolicy Never: not eligible")
    func notHelpful() async throws {
        let cluster = TestCluster(nodes: [NodeBuilder("n1").taint(key: "k"), NodeBuilder("n2").taint(key: "k")])
        let d1 = try await cluster.schedule(PodBuilder("p").build())
        #expect(d1.message == "0/2 nodes are available: 2 node(s) had untolerated taint {k: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
        let full = TestCluster(nodes: [NodeBuilder("n").capacity(cpu: "1", memory: "1Gi")], pods: [PodBuilder("e").requests(cpu: "1").node("n")])
        let d2 = try await full.schedule(PodBuilder("p").priority(5).preemptionPolicy(.never).requests(cpu: "1").build())
        #expect(d2.message == "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.")
        #expect(d2.preemption == nil)
    }
}
