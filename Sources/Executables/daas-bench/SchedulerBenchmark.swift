import ArgumentParser
import Foundation
import Scheduler
import SchedulerTesting

/// `daas-bench scheduler`: scheduler_perf's SchedulingBasic, TopologySpreading and a preemption
/// workload run in-process against the Scheduler library, compared with published upstream figures.
struct SchedulerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Scheduling throughput and per-pod latency (scheduler_perf workloads), against upstream's published figures."
    )

    @Option(help: "Nodes in SchedulingBasic and TopologySpreading.") var nodes = 5_000
    @Option(help: "Pods scheduled (untimed) before measuring.") var initPods = 1_000
    @Option(help: "Pods measured in SchedulingBasic.") var basicPods = 10_000
    @Option(help: "Pods measured in TopologySpreading.") var spreadPods = 5_000
    @Option(help: "Nodes in the preemption workload.") var preemptionNodes = 500
    @Option(help: "High-priority pods in the preemption workload.") var preemptionPods = 500

    func run() async throws {
        print("workload: scheduler_perf templates in-process (no API server): nodes 4 CPU / 32Gi / 110 pods, pods request 100m / 500Mi; cores: \(ProcessInfo.processInfo.activeProcessorCount)")
        print("ours: SchedulerRuntime with the default profile (adaptive percentageOfNodesToScore), a no-op Binder, bindings concurrent with scheduling")
        print("reference: upstream kube-scheduler published figures, NOT measured here: scheduler_perf CI floor for SchedulingBasic 5000 nodes / 10000 pods is 270-680 pods/s depending on release; the scheduling SLO is 100 pods/s")

        let basic = try await measure(name: "SchedulingBasic", nodes: nodes, initPods: initPods, pods: basicPods) { i in
            Pod(name: "pod-\(i)", containers: [Container(name: "c", image: "registry.k8s.io/pause:3.10", requests: ["cpu": "100m", "memory": "500Mi"])])
        }
        report(basic)
        print(String(format: "  vs upstream CI floor (published): %.1fx-%.1fx of 270-680 pods/s; %.1fx the 100 pods/s SLO; target >= 1000 pods/s: %@",
                     basic.throughput / 680, basic.throughput / 270, basic.throughput / 100, basic.throughput >= 1000 ? "met" : "NOT met"))

        let spread = try await measure(name: "TopologySpreading", nodes: nodes, initPods: initPods, pods: spreadPods) { i in
            Pod(name: "spread-\(i)", labels: ["app": "spread"],
                containers: [Container(name: "c", requests: ["cpu": "100m", "memory": "500Mi"])],
                topologySpreadConstraints: [TopologySpreadConstraint(maxSkew: 5, topologyKey: WellKnownLabels.zone, whenUnsatisfiable: .doNotSchedule,
                                                                     labelSelector: LabelSelector(matchLabels: ["app": "spread"]))])
        }
        report(spread)

        let preemption = try await measurePreemption()
        report(preemption)
    }

    struct Result {
        var name: String
        var pods: Int
        var wall: Duration
        var latencies: [Double]
        var throughput: Double { Double(pods) / seconds(wall) }
    }

    func report(_ r: Result) {
        print(String(format: "%@: %d pods in %.2f s = %.0f pods/s; per-pod scheduling latency p50 %.3f ms, p99 %.3f ms",
                     r.name, r.pods, seconds(r.wall), r.throughput, percentile(r.latencies, 0.5), percentile(r.latencies, 0.99)))
    }

    static func node(_ i: Int, zones: Int = 10) -> Node {
        Node(name: "node-\(i)", labels: [WellKnownLabels.zone: "zone-\(i % zones)"],
             capacity: ["cpu": "4", "memory": "32Gi", "pods": 110])
    }

    func measure(name: String, nodes: Int, initPods: Int, pods: Int, makePod: (Int) -> Pod) async throws -> Result {
        let runtime = try SchedulerRuntime(binder: NoopBinder())
        for i in 0..<nodes { await runtime.handle(.nodeAdded(SchedulerBenchmark.node(i))) }
        for i in 0..<initPods {
            await runtime.handle(.podAdded(Pod(name: "init-\(i)", namespace: "init", containers: [Container(name: "c", requests: ["cpu": "100m", "memory": "500Mi"])])))
        }
        while await runtime.scheduleOne() != nil {}
        await runtime.waitForBindings()
        for i in 0..<pods { await runtime.handle(.podAdded(makePod(i))) }
        var latencies: [Double] = []
        latencies.reserveCapacity(pods)
        let clock = ContinuousClock()
        let start = clock.now
        var scheduled = 0
        while true {
            let t0 = clock.now
            guard let outcome = await runtime.scheduleOne() else { break }
            latencies.append(milliseconds(clock.now - t0))
            if case .assumed = outcome { scheduled += 1 }
        }
        await runtime.waitForBindings()
        let wall = clock.now - start
        guard scheduled == pods else { throw ValidationError("\(name): only \(scheduled) of \(pods) pods were scheduled") }
        return Result(name: name, pods: pods, wall: wall, latencies: latencies)
    }

    /// Nodes filled with low-priority pods; each high-priority pod must preempt one, then binds
    /// once the victim's deletion event arrives (the runtime's reporter deletes victims at once).
    func measurePreemption() async throws -> Result {
        let deleter = VictimDeleter()
        var options = QueueOptions()
        options.initialBackoff = .zero
        options.maxBackoff = .zero
        let runtime = try SchedulerRuntime(binder: NoopBinder(), reporter: deleter, queueOptions: options)
        await deleter.attach(runtime)
        for i in 0..<preemptionNodes { await runtime.handle(.nodeAdded(SchedulerBenchmark.node(i))) }
        for i in 0..<(preemptionNodes * 4) {
            await runtime.handle(.podAdded(Pod(name: "low-\(i)", priority: 0, containers: [Container(name: "c", requests: ["cpu": "1", "memory": "1Gi"])])))
        }
        while await runtime.scheduleOne() != nil {}
        await runtime.waitForBindings()
        for i in 0..<preemptionPods {
            await runtime.handle(.podAdded(Pod(name: "high-\(i)", priority: 100, containers: [Container(name: "c", requests: ["cpu": "1", "memory": "1Gi"])])))
        }
        var latencies: [Double] = []
        let clock = ContinuousClock()
        let start = clock.now
        var scheduled = 0
        var attempts = 0
        while scheduled < preemptionPods && attempts < preemptionPods * 10 {
            let t0 = clock.now
            guard let outcome = await runtime.scheduleOne() else { break }
            attempts += 1
            latencies.append(milliseconds(clock.now - t0))
            if case .assumed = outcome { scheduled += 1 }
        }
        await runtime.waitForBindings()
        let wall = clock.now - start
        guard scheduled == preemptionPods else { throw ValidationError("preemption: only \(scheduled) of \(preemptionPods) pods were scheduled") }
        print("PreemptionBasic: \(preemptionNodes) nodes full of priority-0 pods (4 x 1 CPU each), \(preemptionPods) priority-100 pods, \(attempts) attempts (preempt, then bind)")
        return Result(name: "PreemptionBasic", pods: preemptionPods, wall: wall, latencies: latencies)
    }
}

struct NoopBinder: Binder {
    func bind(_ pod: Pod, to nodeName: String) async throws {}
}

/// Deletes victims as soon as preemption names them, as the master's API server would.
actor VictimDeleter: SchedulingReporter {
    private var runtime: SchedulerRuntime?
    func attach(_ runtime: SchedulerRuntime) { self.runtime = runtime }
    func preempt(for pod: Pod, nominatedNodeName: String, victims: [Pod]) async {
        for v in victims { await runtime?.handle(.podDeleted(v)) }
    }
}
