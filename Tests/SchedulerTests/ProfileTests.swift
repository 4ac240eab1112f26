import Scheduler
import SchedulerTesting
import Testing

@Suite("Profiles and the framework")
struct ProfileTests {
    private static func mutated(_ change: @Sendable (inout Profile) -> Void) -> Profile {
        var p = Profile.defaultProfile()
        change(&p)
        return p
    }

    @Test("invalid profiles are rejected with the rule they break", arguments: [
        (mutated { $0.plugins[.queueSort] = [] }, "exactly one queueSort plugin is required, found 0"),
        (mutated { $0.plugins[.queueSort]!.append(PluginReference("PrioritySort")) }, "exactly one queueSort plugin is required, found 2"),
        (mutated { $0.plugins[.bind] = [] }, "at least one bind plugin is needed"),
        (mutated { $0.plugins[.score]![0].weight = 0 }, "score plugin \"TaintToleration\" has weight 0"),
        (mutated { $0.plugins[.score]![0].weight = -3 }, "has weight -3"),
        (mutated { $0.plugins[.filter]!.append(PluginReference("Nope")) }, "plugin \"Nope\" at filter is not registered"),
        (mutated { $0.plugins[.filter]!.append(PluginReference("NodePorts")) }, "plugin \"NodePorts\" is listed twice at filter"),
        (mutated { $0.percentageOfNodesToScore = 101 }, "percentageOfNodesToScore 101 is not in 0...100"),
        (mutated { $0.schedulerName = "" }, "schedulerName is required"),
    ])
    func invalid(profile: Profile, fragment: String) {
        do {
            _ = try Framework(profile: profile)
            Issue.record("expected \(fragment)")
        } catch {
            #expect(error.code == .invalidProfile)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test("a plugin listed at an extension point it does not implement is rejected")
    func wrongExtensionPoint() {
        var p = Profile.defaultProfile()
        p.plugins[.score]!.append(PluginReference("NodePorts"))
        #expect { try Framework(profile: p) } throws: { ($0 as? SchedulerError)?.message.contains("does not implement the score extension point") == true }
    }

    @Test("the default profile has upstream's weights, and StakeWeighted is off")
    func defaults() throws {
        let f = try Framework(profile: .defaultProfile())
        let weights = Dictionary(uniqueKeysWithValues: f.scorePlugins.map { ($0.plugin.name, $0.weight) })
        #expect(weights == [
            "TaintToleration": 3, "NodeAffinity": 2, "PodTopologySpread": 2, "InterPodAffinity": 2,
            "NodeResourcesFit": 1, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1,
        ])
        #expect(f.plugins["StakeWeighted"] == nil)
        #expect(f.queueSortPlugin.name == "PrioritySort")
        #expect(f.bindPlugins.map(\.name) == ["DefaultBinder"])
        #expect(f.postFilterPlugins.map(\.name) == ["DefaultPreemption"])
    }

    @Test("numFeasibleNodesToFind follows upstream's adaptive percentage", arguments: [
        (Int32(0), 50, 50), (0, 100, 100), (0, 1000, 420), (0, 5000, 500), (0, 6000, 300), (0, 100_000, 5000),
        (1, 1000, 100), (30, 1000, 300), (100, 5000, 5000),
    ])
    func feasibleNodes(percentage: Int32, nodes: Int, expected: Int) {
        #expect(SchedulingAlgorithm.numFeasibleNodesToFind(percentage: percentage, numAllNodes: nodes) == expected)
    }

    @Test("filtering stops after enough feasible nodes and resumes round-robin")
    func roundRobin() async throws {
        var cluster = TestCluster()
        for i in 0..<200 { cluster.add(NodeBuilder("n\(i)").capacity(cpu: "4", memory: "8Gi")) }
        let framework = try Framework(profile: .defaultProfile())
        var options = AlgorithmOptions()
        options.percentageOfNodesToScore = 10  // 20 nodes, floored at 100
        var algorithm = SchedulingAlgorithm(options: options)
        var state = CycleState()
        let r1 = try await algorithm.schedule(PodInfo(PodBuilder("a").requests(cpu: "1").build()), state: &state, snapshot: cluster.snapshot, framework: framework).get()
        #expect(r1.evaluatedNodes == 100)
        #expect(r1.feasibleNodes == 100)
        #expect(algorithm.nextStartNodeIndex == 100)
        var state2 = CycleState()
        _ = try await algorithm.schedule(PodInfo(PodBuilder("b").requests(cpu: "1").build()), state: &state2, snapshot: cluster.snapshot, framework: framework).get()
        #expect(algorithm.nextStartNodeIndex == 0)
    }

    @Test("scores are weighted and summed; ties and the best node")
    func weightedSum() async throws {
        let cluster = TestCluster(nodes: [
            NodeBuilder("small").capacity(cpu: "4000m", memory: "10000"),
            NodeBuilder("big").capacity(cpu: "6000m", memory: "10000"),
        ])
        let decision = try await cluster.schedule(PodBuilder("p").requests(cpu: "3000m", memory: "5000").build())
        #expect(decision.node == "big")
        let big = try #require(decision.explanation["big"])
        #expect(big.score("NodeResourcesFit")! == (50, 50, 1, 50))
        #expect(big.score("NodeResourcesBalancedAllocation")! == (100, 100, 1, 100))
        #expect(big.score("TaintToleration")! == (0, 100, 3, 300))
        #expect(big.total == 50 + 100 + 300)
        #expect(decision.explanation.best == ["big"])
    }
}
