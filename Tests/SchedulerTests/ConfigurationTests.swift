import Scheduler
import Testing

@Suite("KubeSchedulerConfiguration YAML")
struct ConfigurationTests {
    @Test("profiles, enable/disable, weights, multiPoint and plugin args")
    func fullDocument() throws {
        let config = try SchedulerConfiguration.load(yaml: """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            percentageOfNodesToScore: 30
            podInitialBackoffSeconds: 2
            podMaxBackoffSeconds: 20
            profiles:
            - schedulerName: default-scheduler
            - schedulerName: bin-packing
              plugins:
                score:
                  enabled:
                  - name: NodeResourcesFit
                    weight: 5
                  disabled:
                  - name: ImageLocality
                multiPoint:
                  enabled:
                  - name: StakeWeighted
                    weight: 2
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: MostAllocated
                    resources:
                    - name: cpu
                      weight: 2
                    - name: memory
                      weight: 1
            """)
        #expect(config.profiles.map(\.schedulerName) == ["default-scheduler", "bin-packing"])
        #expect(config.percentageOfNodesToScore == 30)
        #expect(config.queueOptions.initialBackoff == .seconds(2))
        #expect(config.queueOptions.maxBackoff == .seconds(20))
        let packing = config.profiles[1]
        #expect(packing.weight(of: "NodeResourcesFit") == 5)
        #expect(packing.weight(of: "StakeWeighted") == 2)
        #expect(packing.plugins[.score]?.contains { $0.name == "ImageLocality" } == false)
        #expect(packing.plugins[.preScore]?.contains { $0.name == "StakeWeighted" } == true)
        let framework = try Framework(profile: packing)
        let fit = try #require(framework.plugins["NodeResourcesFit"] as? NodeResourcesFit)
        #expect(fit.strategy == .mostAllocated)
        #expect(fit.resources == [ResourceSpec(name: "cpu", weight: 2), ResourceSpec(name: "memory", weight: 1)])
    }

    @Test("an empty document gives the defaults")
    func defaults() throws {
        let config = try SchedulerConfiguration.load(yaml: "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n")
        #expect(config.profiles == [.defaultProfile()])
        #expect(config.queueOptions == QueueOptions())
    }

    @Test("invalid documents are rejected with the offending field", arguments: [
        ("apiVersion: kubescheduler.config.k8s.io/v1beta3", "apiVersion: \"kubescheduler.config.k8s.io/v1beta3\" is not supported"),
        ("podInitialBackoffSeconds: 0", "podInitialBackoffSeconds: must be greater than 0"),
        ("podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2", "podMaxBackoffSeconds: must be greater than or equal to podInitialBackoffSeconds"),
        ("percentageOfNodesToScore: 150", "percentageOfNodesToScore: 150 is not in 0...100"),
        ("extenders: []", "extenders: unknown field (extenders are not supported)"),
        ("profiles:\n- schedulerName: a\n- schedulerName: a", "profiles[1].schedulerName: duplicate \"a\""),
        ("profiles:\n- plugins:\n    score:\n      enabled:\n      - name: ImageLocality\n        weight: 0", "profiles[0].plugins.score.enabled[0].weight: must be positive"),
        ("profiles:\n- plugins:\n    queueSort:\n      disabled:\n      - name: '*'", "exactly one queueSort plugin is required, found 0"),
        ("profiles:\n- plugins:\n    bind:\n      disabled:\n      - name: DefaultBinder", "at least one bind plugin is needed"),
        ("profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: Mystery", "plugin \"Mystery\" at filter is not registered"),
        ("profiles:\n- plugins:\n    sorting: {}", "profiles[0].plugins.sorting: unknown extension point"),
        ("profiles:\n- pluginConfig:\n  - name: InterPodAffinity\n    args:\n      hardPodAffinityWeight: 500", "hardPodAffinityWeight 500 is not in 0...100"),
        ("profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n        type: Spread", "scoringStrategy.type \"Spread\" is not one of"),
        ("profiles:\n- pluginConfig:\n  - name: StakeWeighted\n    args: {}", "pluginConfig for \"StakeWeighted\" names a plugin that is not enabled"),
        ("profiles: [1", "not valid YAML"),
        // Aliases cannot blow a small file up: 10 levels of 10 references are 10^10 values.
        (aliasBomb, "more than 200000 values"),
        ("percentageOfNodesToScore: 0x1F\nparallelism: 1.5", "parallelism: must be an integer"),
    ])
    func invalid(yaml: String, fragment: String) {
        do {
            _ = try SchedulerConfiguration.load(yaml: yaml)
            Issue.record("expected an error containing \(fragment)")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }
}

/// 10 levels of 10 alias references: 10^10 values once expanded.
private let aliasBomb: String = {
    var lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in 1..<10 {
        let references: [String] = Array(repeating: "*l\(level - 1)", count: 10)
        lines.append("l\(level): &l\(level) [" + references.joined(separator: ", ") + "]")
    }
    return lines.joined(separator: "\n")
}()
