import Scheduler
import SchedulerTesting
import Testing

/// Upstream's 3/1 layout: zone1 = node-a (2 matching pods), node-b (1); zone2 = node-x (1), node-y (0).
private func spreadCluster() -> TestCluster {
    TestCluster(
        nodes: [NodeBuilder("node-a").zone("zone1"), NodeBuilder("node-b").zone("zone1"), NodeBuilder("node-x").zone("zone2"), NodeBuilder("node-y").zone("zone2")],
        pods: [
            PodBuilder("p-a1").label("foo", "").node("node-a"), PodBuilder("p-a2").label("foo", "").node("node-a"),
            PodBuilder("p-b1").label("foo", "").node("node-b"), PodBuilder("p-x1").label("foo", "").node("node-x"),
            PodBuilder("other-ns").namespace("kube-system").label("foo", "").node("node-y"),
        ])
}

extension PodBuilder {
    init(_ name: String, ns: String) { self.init(name, namespace: ns) }
    func namespace(_ ns: String) -> PodBuilder {
        var p = build()
        p.namespace = ns
        p.uid = "\(ns)/\(p.name)"
        var b = PodBuilder(p.name, namespace: ns)
        for (k, v) in p.labels { b = b.label(k, v) }
        if let n = p.nodeName { b = b.node(n) }
        return b
    }
}

@Suite("PodTopologySpread and InterPodAffinity")
struct TopologyPluginTests {
    @Test("spread filter: feasible nodes per constraint", arguments: [
        (WellKnownLabels.zone, Int32(1), ["node-x", "node-y"]),  // zone1 3, zone2 1: only zone2 keeps skew <= 1
        (WellKnownLabels.hostname, 1, ["node-y"]),  // counts 2,1,1,0: only the empty node
        (WellKnownLabels.hostname, 2, ["node-b", "node-x", "node-y"]),
        (WellKnownLabels.zone, 3, ["node-a", "node-b", "node-x", "node-y"]),
    ] as [(String, Int32, [String])])
    func spreadFilter(key: String, maxSkew: Int32, feasible: [String]) throws {
        let cluster = spreadCluster()
        let pod = PodBuilder("p").label("foo", "").spread(maxSkew: maxSkew, topologyKey: key, selector: ["foo": ""]).build()
        let plugin = try PodTopologySpread()
        let fits = cluster.snapshot.nodes.map(\.name).filter { cluster.filter(plugin, pod: pod, node: $0).isSuccess }
        #expect(fits == feasible)
        if let rejected = cluster.snapshot.nodes.map(\.name).first(where: { !feasible.contains($0) }) {
            #expect(cluster.filter(plugin, pod: pod, node: rejected).reasons == ["node(s) didn't match pod topology spread constraints"])
        }
    }

    @Test("spread filter: missing topology label, minDomains, nodeAffinityPolicy")
    func spreadFilterDetails() throws {
        var cluster = spreadCluster()
        cluster.add(NodeBuilder("no-zone"))
        let plugin = try PodTopologySpread()
        let pod = PodBuilder("p").label("foo", "").spread(maxSkew: 1, topologyKey: WellKnownLabels.zone, selector: ["foo": ""]).build()
        let missing = cluster.filter(plugin, pod: pod, node: "no-zone")
        #expect(missing.code == .unschedulableAndUnresolvable)
        #expect(missing.reasons == ["node(s) didn't match pod topology spread constraints (missing required label)"])

        // One domain only: without minDomains the minimum is that domain's count; with
        // minDomains 2 it is 0, so adding a second matching pod there breaks maxSkew 1.
        let one = TestCluster(nodes: [NodeBuilder("a").zone("z1"), NodeBuilder("b").zone("z1")], pods: [PodBuilder("e").label("foo", "").node("a")])
        let plain = PodBuilder("p").label("foo", "").spread(maxSkew: 1, topologyKey: WellKnownLabels.zone, selector: ["foo": ""]).build()
        let withMin = PodBuilder("p").label("foo", "").spread(maxSkew: 1, topologyKey: WellKnownLabels.zone, selector: ["foo": ""], minDomains: 2).build()
        #expect(one.filter(plugin, pod: plain, node: "b").isSuccess)
        #expect(!one.filter(plugin, pod: withMin, node: "b").isSuccess)

        // nodeAffinityPolicy Honor (default): zone2 nodes are excluded by the pod's selector, so
        // zone1 is the only domain and its minimum is its own count.
        let pinned = PodBuilder("p").label("foo", "").nodeSelector(WellKnownLabels.zone, "zone1")
            .spread(maxSkew: 1, topologyKey: WellKnownLabels.zone, selector: ["foo": ""]).build()
        #expect(cluster.filter(plugin, pod: pinned, node: "node-a").isSuccess)
        let ignoring = PodBuilder("p").label("foo", "").nodeSelector(WellKnownLabels.zone, "zone1")
            .spread(maxSkew: 1, topologyKey: WellKnownLabels.zone, selector: ["foo": ""], nodeAffinityPolicy: .ignore).build()
        #expect(!cluster.filter(plugin, pod: ignoring, node: "node-a").isSuccess)
    }

    @Test("spread score: count x log(domains + 2) + maxSkew - 1, inverted", arguments: [
        // hostname: raw round(2 x ln 6) = 4, round(ln 6) = 2, 2, 0 -> 100 x (4 + 0 - raw) / 4
        (WellKnownLabels.hostname, ["node-a": Int64(0), "node-b": 50, "node-x": 50, "node-y": 100]),
        // zone: zone1 3 x ln 4 = 4.16 -> 4, zone2 ln 4 -> 1 -> 100 x (4 + 1 - raw) / 4
        (WellKnownLabels.zone, ["node-a": 25, "node-b": 25, "node-x": 100, "node-y": 100]),
    ])
    func spreadScore(key: String, expected: [String: Int64]) throws {
        let pod = PodBuilder("p").label("foo", "").spread(maxSkew: 1, topologyKey: key, .scheduleAnyway, selector: ["foo": ""]).build()
        #expect(spreadCluster().score(try PodTopologySpread(), pod: pod) == expected)
    }

    @Test("system default constraints apply only to pods with a workload selector")
    func systemDefaults() throws {
        let cluster = spreadCluster()
        let plugin = try PodTopologySpread()
        #expect(cluster.score(plugin, pod: PodBuilder("p").label("foo", "").build()).isEmpty)
        let scored = cluster.score(plugin, pod: PodBuilder("p").label("foo", "").workload(["foo": ""]).build())
        #expect(scored["node-y"] == 100)
        #expect(scored["node-a"]! < scored["node-y"]!)
    }

    private func affinityCluster() -> TestCluster {
        var c = TestCluster(
            nodes: [NodeBuilder("n1").zone("z1"), NodeBuilder("n2").zone("z1"), NodeBuilder("n3").zone("z2")],
            pods: [
                PodBuilder("db").label("app", "db").node("n1"),
                PodBuilder("guard").label("app", "guard").podAntiAffinity(["app": "web"], topologyKey: WellKnownLabels.hostname).node("n3"),
                PodBuilder("cache").namespace("other").label("app", "cache").node("n2"),
            ])
        c.namespace("other", labels: ["team": "a"])
        return c
    }

    @Test("inter-pod affinity filter", arguments: [
        // Required affinity to app=db in the same zone: z1 only.
        (PodBuilder("p").podAffinity(["app": "db"], topologyKey: WellKnownLabels.zone), ["n1", "n2"], "node(s) didn't match pod affinity rules"),
        // Required anti-affinity to app=db on the same node.
        (PodBuilder("p").podAntiAffinity(["app": "db"], topologyKey: WellKnownLabels.hostname), ["n2", "n3"], "node(s) didn't match pod anti-affinity rules"),
        // An existing pod's anti-affinity keeps app=web away from n3.
        (PodBuilder("p").label("app", "web"), ["n1", "n2"], "node(s) didn't satisfy existing pods anti-affinity rules"),
        // The first pod of a self-affine group may go anywhere.
        (PodBuilder("p").label("app", "solo").podAffinity(["app": "solo"], topologyKey: WellKnownLabels.zone), ["n1", "n2", "n3"], ""),
        // Terms default to the pod's namespace: app=cache lives in "other".
        (PodBuilder("p").podAffinity(["app": "cache"], topologyKey: WellKnownLabels.hostname), [], "node(s) didn't match pod affinity rules"),
        (PodBuilder("p").podAffinity(["app": "cache"], topologyKey: WellKnownLabels.hostname, namespaces: ["other"]), ["n2"], "node(s) didn't match pod affinity rules"),
    ])
    func affinityFilter(pod: PodBuilder, feasible: [String], reason: String) throws {
        let cluster = affinityCluster()
        let plugin = try InterPodAffinity()
        let built = pod.build()
        let results = cluster.snapshot.nodes.map { ($0.name, cluster.filter(plugin, pod: built, node: $0.name)) }
        #expect(results.filter { $0.1.isSuccess }.map(\.0) == feasible)
        for (_, s) in results where !s.isSuccess { #expect(s.reasons == [reason]) }
    }

    @Test("namespaceSelector selects namespaces by label")
    func namespaceSelector() throws {
        let cluster = affinityCluster()
        var pod = PodBuilder("p").build()
        pod.affinity = Affinity(podAffinity: PodAffinity(required: [
            PodAffinityTerm(labelSelector: LabelSelector(matchLabels: ["app": "cache"]), namespaceSelector: LabelSelector(matchLabels: ["team": "a"]), topologyKey: WellKnownLabels.zone),
        ]))
        let plugin = try InterPodAffinity()
        #expect(cluster.filter(plugin, pod: pod, node: "n1").isSuccess)
        #expect(!cluster.filter(plugin, pod: pod, node: "n3").isSuccess)
    }

    @Test("inter-pod affinity score: preferred affinity and anti-affinity, min-max normalised")
    func affinityScore() throws {
        let cluster = affinityCluster()
        let plugin = try InterPodAffinity()
        let near = PodBuilder("p").podAffinity(["app": "db"], topologyKey: WellKnownLabels.zone, weight: 5).build()
        #expect(cluster.score(plugin, pod: near) == ["n1": 100, "n2": 100, "n3": 0])
        let far = PodBuilder("p").podAntiAffinity(["app": "db"], topologyKey: WellKnownLabels.zone, weight: 5).build()
        #expect(cluster.score(plugin, pod: far) == ["n1": 0, "n2": 0, "n3": 100])
        // Existing pods' required affinity attracts matching pods (hardPodAffinityWeight).
        var c2 = TestCluster(nodes: [NodeBuilder("a"), NodeBuilder("b")], pods: [PodBuilder("fan").podAffinity(["app": "star"], topologyKey: WellKnownLabels.hostname).node("a")])
        c2.add(NodeBuilder("c"))
        #expect(c2.score(plugin, pod: PodBuilder("s").label("app", "star").build()) == ["a": 100, "b": 0, "c": 0])
    }
}
