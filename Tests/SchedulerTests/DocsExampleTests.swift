// The worked example of Docs/SCHEDULER.md: a custom plugin and its tests, written only against
// the public Scheduler API and the SchedulerTesting harness. Keep the two in sync.
import Scheduler
import SchedulerTesting
import Testing

/// Keeps pods off nodes in maintenance and prefers nodes running fewer pods.
struct MaintenanceAware: FilterPlugin, ScorePlugin, EnqueueExtensions {
    static let maintenanceLabel = "daas.io/maintenance"
    static let ignoreLabel = "daas.io/ignore-maintenance"
    let name = "MaintenanceAware"

    func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status {
        guard node.node.labels[Self.maintenanceLabel] == "true", pod.pod.labels[Self.ignoreLabel] != "true" else { return .success }
        return Status(.unschedulableAndUnresolvable, "node(s) were in maintenance")
    }

    func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status) {
        (Int64(node.pods.count), .success)
    }

    func normalizeScores(_ pod: PodInfo, scores: inout [NodeScore], state: CycleState) -> Status {
        defaultNormalizeScore(&scores, reverse: true)  // fewest pods -> 100
        return .success
    }

    /// Only a node change can end maintenance.
    var requeueEvents: Set<ClusterEventKind> { [ClusterEventKind(.node, .update)] }
}

@Suite("Docs example: a custom plugin tested with SchedulerTesting")
struct DocsExampleTests {
    let cluster = TestCluster(
        nodes: [
            NodeBuilder("busy").capacity(cpu: "4", memory: "8Gi"),
            NodeBuilder("idle").capacity(cpu: "4", memory: "8Gi"),
            NodeBuilder("down").capacity(cpu: "4", memory: "8Gi").label(MaintenanceAware.maintenanceLabel, "true"),
        ],
        pods: [PodBuilder("a").node("busy"), PodBuilder("b").node("busy")])

    @Test("Filter: maintenance nodes are rejected unless the pod opts out", arguments: [
        (PodBuilder("web"), false),
        (PodBuilder("fixer").label(MaintenanceAware.ignoreLabel, "true"), true),
    ])
    func filter(pod: PodBuilder, fitsDown: Bool) {
        let status = cluster.filter(MaintenanceAware(), pod: pod.build(), node: "down")
        #expect(status.isSuccess == fitsDown)
        if !fitsDown { #expect(status.reasons == ["node(s) were in maintenance"]) }
    }

    @Test("Score: fewer pods is better")
    func score() {
        #expect(cluster.score(MaintenanceAware(), pod: PodBuilder("web").build()) == ["busy": 0, "idle": 100, "down": 100])
    }

    @Test("The whole default profile plus the plugin, explained")
    func profile() async throws {
        var registry = PluginRegistry.default
        registry.register("MaintenanceAware") { _ in MaintenanceAware() }
        let config = try SchedulerConfiguration.load(yaml: """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: default-scheduler
              plugins:
                multiPoint:
                  enabled:
                  - name: MaintenanceAware
                    weight: 3
            """, registry: registry)
        let decision = try await cluster.schedule(PodBuilder("web").requests(cpu: "1").build(), profile: config.profiles[0], registry: registry)
        #expect(decision.node == "idle")
        let explanation = decision.explanation
        #expect(explanation["down"]?.filter("MaintenanceAware")?.reasons == ["node(s) were in maintenance"])
        #expect(explanation["idle"]?.score("MaintenanceAware")?.weighted == 300)
        #expect(explanation["busy"]?.score("MaintenanceAware")?.weighted == 0)
        #expect(explanation.table().contains("down | MaintenanceAware"))
    }

    @Test("Nothing fits: the FailedScheduling message names the plugin's reason")
    func message() async throws {
        var registry = PluginRegistry.default
        registry.register("MaintenanceAware") { _ in MaintenanceAware() }
        var profile = Profile.defaultProfile()
        profile.plugins[.filter]!.append(PluginReference("MaintenanceAware"))
        let only = TestCluster(nodes: [NodeBuilder("down").capacity(cpu: "4", memory: "8Gi").label(MaintenanceAware.maintenanceLabel, "true")])
        let decision = try await only.schedule(PodBuilder("web").build(), profile: profile, registry: registry)
        #expect(decision.message == "0/1 nodes are available: 1 node(s) were in maintenance. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")
    }
}
