import Scheduler
import SchedulerTesting
import Testing

private actor RecordingBinder: Binder {
    var bindings: [String: String] = [:]
    var failing: Set<String> = []
    func failBindings(of uid: String) { failing.insert(uid) }
    func bind(_ pod: Pod, to nodeName: String) async throws {
        if failing.contains(pod.uid) { throw SchedulerError(.invalidState, "conflict") }
        bindings[pod.uid] = nodeName
    }
}

private struct WaitForApproval: PermitPlugin {
    let name = "WaitForApproval"
    func permit(_ pod: Pod, nodeName: String, state: CycleState) -> PermitDecision {
        pod.labels["approve"] == "no" ? .deny(Status(.unschedulable, "denied")) : .wait(timeout: .seconds(30))
    }
}

@Suite("Scheduler runtime")
struct RuntimeTests {
    @Test("watch events in, bindings out; the next pod sees the assumed one")
    func schedulesAndBinds() async throws {
        let binder = RecordingBinder()
        let runtime = try SchedulerRuntime(binder: binder)
        await runtime.handle(.nodeAdded(NodeBuilder("n1").capacity(cpu: "2", memory: "4Gi").build()))
        await runtime.handle(.nodeAdded(NodeBuilder("n2").capacity(cpu: "2", memory: "4Gi").build()))
        await runtime.handle(.podAdded(PodBuilder("a").requests(cpu: "1500m").build()))
        await runtime.handle(.podAdded(PodBuilder("b").requests(cpu: "1500m").build()))
        await runtime.handle(.podAdded(PodBuilder("c").requests(cpu: "1500m").build()))
        let first = await runtime.scheduleOne()
        let second = await runtime.scheduleOne()
        guard case .assumed(_, let n1) = first, case .assumed(_, let n2) = second else {
            Issue.record("expected two assumed pods, got \(String(describing: first)), \(String(describing: second))")
            return
        }
        #expect(n1 != n2)
        let third = await runtime.scheduleOne()
        guard case .unschedulable(let pod, let message, _) = third else { Issue.record("expected unschedulable"); return }
        #expect(pod == "default/c")
        #expect(message.hasPrefix("0/2 nodes are available: 2 Insufficient cpu."))
        await runtime.waitForBindings()
        #expect(await binder.bindings.count == 2)
        // Deleting a bound pod frees room: c is requeued (after its 1 s backoff).
        let boundA = PodBuilder("a").requests(cpu: "1500m").node(await binder.bindings["default/a"]!).build()
        await runtime.handle(.podUpdated(boundA))
        await runtime.handle(.podDeleted(boundA))
        let pending = await runtime.pendingPods
        #expect(pending.backoff + pending.active == 1)
    }

    @Test("a failed binding forgets the assumed pod and backs it off")
    func bindingFailure() async throws {
        let binder = RecordingBinder()
        await binder.failBindings(of: "default/p")
        let runtime = try SchedulerRuntime(binder: binder)
        await runtime.handle(.nodeAdded(NodeBuilder("n").capacity(cpu: "2", memory: "4Gi").build()))
        await runtime.handle(.podAdded(PodBuilder("p").requests(cpu: "1").build()))
        _ = await runtime.scheduleOne()
        await runtime.waitForBindings()
        #expect(await runtime.snapshot.node(named: "n")?.pods.isEmpty == true)
        #expect(await runtime.pendingPods.backoff == 1)
    }

    @Test("Permit: wait until allowed; deny fails the attempt")
    func permit() async throws {
        var registry = PluginRegistry.default
        registry.register("WaitForApproval") { _ in WaitForApproval() }
        var profile = Profile.defaultProfile()
        profile.plugins[.permit] = [PluginReference("WaitForApproval")]
        let binder = RecordingBinder()
        let runtime = try SchedulerRuntime(profiles: [profile], registry: registry, binder: binder)
        await runtime.handle(.nodeAdded(NodeBuilder("n").capacity(cpu: "2", memory: "4Gi").build()))
        await runtime.handle(.podAdded(PodBuilder("p").build()))
        _ = await runtime.scheduleOne()
        #expect(await runtime.waitingPodUIDs == ["default/p"])
        #expect(await binder.bindings.isEmpty)
        await runtime.allow(podUID: "default/p", plugin: "WaitForApproval")
        await runtime.waitForBindings()
        #expect(await binder.bindings == ["default/p": "n"])

        await runtime.handle(.podAdded(PodBuilder("q").label("approve", "no").build()))
        let outcome = await runtime.scheduleOne()
        #expect(outcome == .unschedulable(pod: "default/q", message: "denied", nominatedNodeName: nil))
    }

    @Test("configuration errors: duplicate profiles, mixed queue sorts")
    func configErrors() {
        let binder = RecordingBinder()
        #expect(throws: SchedulerError.self) { try SchedulerRuntime(profiles: [.defaultProfile(), .defaultProfile()], binder: binder) }
        #expect(throws: SchedulerError.self) { try SchedulerRuntime(profiles: [], binder: binder) }
    }
}

private struct ShortWait: PermitPlugin {
    let name = "ShortWait"
    func permit(_ pod: Pod, nodeName: String, state: CycleState) -> PermitDecision { .wait(timeout: .milliseconds(50)) }
}

private actor Recorder: SchedulingReporter {
    var failures: [String] = []
    var nominations: [String: String] = [:]
    func failedScheduling(_ pod: Pod, message: String) async { failures.append(message) }
    func preempt(for pod: Pod, nominatedNodeName: String, victims: [Pod]) async { nominations[pod.name] = nominatedNodeName }
}

@Suite("Scheduler runtime: timeouts, the run loop, nominations")
struct RuntimeLoopTests {
    @Test("a Permit wait that is never approved times out and the pod is retried")
    func permitTimeout() async throws {
        var registry = PluginRegistry.default
        registry.register("ShortWait") { _ in ShortWait() }
        var profile = Profile.defaultProfile()
        profile.plugins[.permit] = [PluginReference("ShortWait")]
        let binder = RecordingBinder()
        let reporter = Recorder()
        let runtime = try SchedulerRuntime(profiles: [profile], registry: registry, binder: binder, reporter: reporter)
        await runtime.handle(.nodeAdded(NodeBuilder("n").capacity(cpu: "2", memory: "4Gi").build()))
        await runtime.handle(.podAdded(PodBuilder("p").build()))
        _ = await runtime.scheduleOne()
        await runtime.waitForBindings()
        #expect(await binder.bindings.isEmpty)
        #expect(await reporter.failures.first?.contains("rejected due to timeout after waiting") == true)
        #expect(await runtime.pendingPods.backoff == 1)
        #expect(await runtime.snapshot.node(named: "n")?.pods.isEmpty == true)
    }

    @Test("run() schedules pods as their events arrive, and stops when cancelled")
    func runLoop() async throws {
        let binder = RecordingBinder()
        let runtime = try SchedulerRuntime(binder: binder)
        let loop = Task { await runtime.run() }
        await runtime.handle(.nodeAdded(NodeBuilder("n").capacity(cpu: "2", memory: "4Gi").build()))
        for i in 0..<5 { await runtime.handle(.podAdded(PodBuilder("p\(i)").requests(cpu: "100m").build())) }
        var bound = 0
        for _ in 0..<200 where bound < 5 {
            try await Task.sleep(for: .milliseconds(10))
            bound = await binder.bindings.count
        }
        #expect(bound == 5)
        loop.cancel()
        await loop.value
    }

    @Test("a preempting pod is nominated and lands on its nominated node once victims are gone")
    func nomination() async throws {
        let binder = RecordingBinder()
        let reporter = Recorder()
        var options = QueueOptions()
        options.initialBackoff = .zero
        options.maxBackoff = .zero
        let runtime = try SchedulerRuntime(binder: binder, reporter: reporter, queueOptions: options)
        await runtime.handle(.nodeAdded(NodeBuilder("a").capacity(cpu: "1", memory: "4Gi").build()))
        await runtime.handle(.nodeAdded(NodeBuilder("b").capacity(cpu: "1", memory: "4Gi").build()))
        let low = PodBuilder("low").priority(1).requests(cpu: "1").node("b").build()
        let mid = PodBuilder("mid").priority(5).requests(cpu: "1").node("a").build()
        await runtime.handle(.podAdded(low))
        await runtime.handle(.podAdded(mid))
        await runtime.handle(.podAdded(PodBuilder("high").priority(10).requests(cpu: "1").build()))
        let first = await runtime.scheduleOne()
        #expect(first == .unschedulable(pod: "default/high", message: "0/2 nodes are available: 2 Insufficient cpu.", nominatedNodeName: "b"))
        #expect(await reporter.nominations == ["high": "b"])
        await runtime.handle(.podDeleted(low))
        #expect(await runtime.scheduleOne() == .assumed(pod: "default/high", nodeName: "b"))
    }
}

private struct RejectingReserve: ReservePlugin {
    let name = "RejectingReserve"
    func reserve(_ pod: Pod, nodeName: String, state: inout CycleState) -> Status {
        pod.labels["reserve"] == "fail" ? Status(.error, "volume claim lost") : .success
    }
    func unreserve(_ pod: Pod, nodeName: String, state: CycleState) {}
}

@Suite("Scheduler runtime: profiles and Reserve")
struct RuntimeProfileTests {
    @Test("pods are routed by schedulerName; pods for other schedulers are ignored")
    func routing() async throws {
        var packing = Profile.defaultProfile(schedulerName: "bin-packing")
        packing.pluginArgs["NodeResourcesFit"] = .map(["scoringStrategy": .map(["type": .string("MostAllocated")])])
        let binder = RecordingBinder()
        let runtime = try SchedulerRuntime(profiles: [.defaultProfile(), packing], binder: binder)
        await runtime.handle(.nodeAdded(NodeBuilder("full").capacity(cpu: "4", memory: "8Gi").build()))
        await runtime.handle(.nodeAdded(NodeBuilder("empty").capacity(cpu: "4", memory: "8Gi").build()))
        await runtime.handle(.podAdded(PodBuilder("existing").requests(cpu: "3", memory: "6Gi").node("full").build()))
        await runtime.handle(.podAdded(PodBuilder("spread").requests(cpu: "500m", memory: "1Gi").build()))
        await runtime.handle(.podAdded(PodBuilder("packed").schedulerName("bin-packing").requests(cpu: "500m", memory: "1Gi").build()))
        await runtime.handle(.podAdded(PodBuilder("foreign").schedulerName("someone-else").build()))
        var outcomes: [ScheduleOutcome] = []
        while let o = await runtime.scheduleOne() { outcomes.append(o) }
        #expect(Set(outcomes) == [.assumed(pod: "default/spread", nodeName: "empty"), .assumed(pod: "default/packed", nodeName: "full")])
    }

    @Test("a Reserve failure forgets the assumed pod and backs it off")
    func reserveFailure() async throws {
        var registry = PluginRegistry.default
        registry.register("RejectingReserve") { _ in RejectingReserve() }
        var profile = Profile.defaultProfile()
        profile.plugins[.reserve] = [PluginReference("RejectingReserve")]
        let runtime = try SchedulerRuntime(profiles: [profile], registry: registry, binder: RecordingBinder())
        await runtime.handle(.nodeAdded(NodeBuilder("n").capacity(cpu: "2", memory: "4Gi").build()))
        await runtime.handle(.podAdded(PodBuilder("p").label("reserve", "fail").requests(cpu: "1").build()))
        #expect(await runtime.scheduleOne() == .error(pod: "default/p", message: "volume claim lost"))
        #expect(await runtime.snapshot.node(named: "n")?.pods.isEmpty == true)
        #expect(await runtime.pendingPods.backoff == 1)
    }

    @Test("DefaultBinder without a Binder reports an error status")
    func binderless() async {
        let status = await DefaultBinder(binder: nil).bind(PodBuilder("p").build(), nodeName: "n", state: CycleState())
        #expect(status.code == .error)
    }
}

@Suite("Scheduler runtime: events during a cycle")
struct RuntimeInterleavingTests {
    @Test("events that arrive while cycles run are all applied, in order, once the cycle ends")
    func eventsDuringCycles() async throws {
        let binder = RecordingBinder()
        let runtime = try SchedulerRuntime(binder: binder)
        for index in 0..<200 { await runtime.handle(.nodeAdded(NodeBuilder("n\(index)").capacity(cpu: "4", memory: "8Gi").build())) }
        for index in 0..<100 { await runtime.handle(.podAdded(PodBuilder("p\(index)").uid("p\(index)").requests(cpu: "100m").build())) }
        // Schedule while nodes come and go and bound pods arrive: the algorithm suspends (parallel
        // filtering), so these land mid-cycle.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { while await runtime.scheduleOne() != nil {} }
            group.addTask {
                for index in 200..<300 { await runtime.handle(.nodeAdded(NodeBuilder("n\(index)").capacity(cpu: "4", memory: "8Gi").build())) }
                for index in 0..<50 { await runtime.handle(.nodeDeleted(name: "n\(index)")) }
                for index in 0..<50 { await runtime.handle(.podAdded(PodBuilder("bound\(index)").uid("bound\(index)").node("n250").requests(cpu: "10m").build())) }
            }
        }
        while await runtime.scheduleOne() != nil {}
        await runtime.waitForBindings()
        let snapshot = await runtime.snapshot
        #expect(snapshot.nodes.count == 250)
        #expect(Set(snapshot.nodes.map(\.name)).isDisjoint(with: (0..<50).map { "n\($0)" }))
        #expect(snapshot.nodes.first { $0.name == "n250" }.map { $0.pods.filter { $0.pod.uid.hasPrefix("bound") }.count } == 50)
        // A pod whose chosen node was deleted mid-cycle fails to assume and backs off; none is lost.
        let pending = await runtime.pendingPods
        #expect(await binder.bindings.count + pending.active + pending.backoff + pending.unschedulable == 100)
        #expect(await binder.bindings.count >= 50)
    }
}
