/// The scheduler as a service: watch events in, bindings out.
///
/// Composes ``ClusterCache``, ``SchedulingQueue``, one ``Framework`` per profile and the
/// ``SchedulingAlgorithm``. Each attempt assumes the chosen node in the cache and returns; the
/// binding cycle (Permit wait, PreBind, Bind, PostBind) runs in its own task, so the next pod is
/// scheduled while the previous one binds. A failed binding forgets the assumed pod and requeues it.
public actor SchedulerRuntime {
    private var cache = ClusterCache()
    private var queue: SchedulingQueue
    private var algorithm: SchedulingAlgorithm
    private let frameworks: [String: Framework]
    private let reporter: any SchedulingReporter
    private let clock: any SchedulerClock
    private let metrics = SchedulerMetrics()
    private var waiting: [String: WaitingPod] = [:]
    private var bindingsInFlight = 0
    private var bindingWaiters: [CheckedContinuation<Void, Never>] = []
    private var wakeups: [CheckedContinuation<Void, Never>] = []
    /// Whether a scheduling cycle is reading the snapshot (across its suspension points).
    private var cycleInProgress = false
    /// Events that arrived during a cycle, applied when it ends: mutating the cache while the
    /// cycle holds the snapshot would copy every NodeInfo (copy-on-write), per event.
    private var deferredEvents: [WatchEvent] = []

    private struct WaitingPod {
        var pending: Set<String>
        var continuation: CheckedContinuation<Status, Never>?
        var result: Status?
    }

    /// A runtime serving `profiles` (at least one; all must share the QueueSort plugin, as
    /// upstream requires).
    /// - Throws: ``SchedulerError`` if a profile is invalid or two profiles share a name.
    public init(
        profiles: [Profile] = [.defaultProfile()], registry: PluginRegistry = .default, binder: any Binder, volumes: (any VolumeCatalog)? = nil,
        reporter: any SchedulingReporter = SilentReporter(), clock: any SchedulerClock = SystemClock(),
        queueOptions: QueueOptions = QueueOptions(), algorithmOptions: AlgorithmOptions = AlgorithmOptions()
    ) throws(SchedulerError) {
        guard !profiles.isEmpty else { throw SchedulerError(.invalidConfiguration, "at least one profile is required") }
        var frameworks: [String: Framework] = [:]
        for p in profiles {
            guard frameworks[p.schedulerName] == nil else {
                throw SchedulerError(.invalidConfiguration, "duplicate profile for schedulerName \"\(p.schedulerName)\"")
            }
            frameworks[p.schedulerName] = try Framework(profile: p, registry: registry, binder: binder, volumes: volumes)
        }
        let sorts = Set(profiles.map { $0.plugins[.queueSort]?.first?.name ?? "" })
        guard sorts.count == 1 else {
            throw SchedulerError(.invalidConfiguration, "all profiles must use the same queueSort plugin, found \(sorts.sorted())")
        }
        let first = frameworks[profiles[0].schedulerName]!
        var events: [String: Set<ClusterEventKind>] = [:]
        for f in frameworks.values { events.merge(f.requeueEvents) { $0.union($1) } }
        let byName = frameworks
        let sort = first.queueSortPlugin
        self.queue = SchedulingQueue(
            options: queueOptions, less: { sort.less($0, $1) },
            preEnqueue: { pod in byName[pod.schedulerName]?.runPreEnqueue(pod) ?? .success }, requeueEvents: events)
        self.frameworks = frameworks
        self.algorithm = SchedulingAlgorithm(options: algorithmOptions)
        self.reporter = reporter
        self.clock = clock
    }

    // MARK: Inputs

    /// Applies a watch event to the cache and the queue.
    public func handle(_ event: WatchEvent) {
        if cycleInProgress {
            deferredEvents.append(event)
            return
        }
        apply(event)
    }

    private func apply(_ event: WatchEvent) {
        let now = clock.now()
        var actions: [QueueAction] = []
        switch event {
        case .nodeAdded(let n):
            cache.addNode(n)
            actions = queue.onEvent(ClusterEventKind(.node, .add), now: now)
        case .nodeUpdated(let n):
            cache.updateNode(n)
            actions = queue.onEvent(ClusterEventKind(.node, .update), now: now)
        case .nodeDeleted(let name):
            cache.removeNode(named: name)
            actions = queue.onEvent(ClusterEventKind(.node, .delete), now: now)
        case .podAdded(let p):
            if p.nodeName != nil {
                queue.delete(uid: p.uid)
                cache.clearNomination(uid: p.uid)
                cache.addPod(p)
                actions = queue.onEvent(ClusterEventKind(.pod, .add), now: now)
            } else if frameworks[p.schedulerName] != nil {
                // A nomination read back from the pod's status (e.g. after a restart) holds too.
                if let nominated = p.nominatedNodeName { cache.nominate(p, on: nominated) }
                actions = queue.add(p, now: now)
            }
        case .podUpdated(let p):
            if p.nodeName != nil {
                queue.delete(uid: p.uid)
                cache.clearNomination(uid: p.uid)
                cache.updatePod(p)
                actions = queue.onEvent(ClusterEventKind(.pod, .update), now: now)
            } else if frameworks[p.schedulerName] != nil {
                if let nominated = p.nominatedNodeName { cache.nominate(p, on: nominated) }
                actions = queue.update(p, now: now)
            }
        case .podDeleted(let p):
            queue.delete(uid: p.uid)
            cache.clearNomination(uid: p.uid)
            if cache.podNodes[p.uid] != nil {
                cache.removePod(uid: p.uid)
                actions = queue.onEvent(ClusterEventKind(.pod, .delete), now: now)
            }
        case .disruptionBudgets(let b):
            cache.setDisruptionBudgets(b)
            actions = queue.onEvent(ClusterEventKind(.podDisruptionBudget, .update), now: now)
        case .namespace(let name, let labels):
            cache.setNamespace(name, labels: labels)
        case .storage(let kind):
            actions = queue.onEvent(kind, now: now)
        }
        metrics.pending(queue)
        if actions.contains(.wakeScheduler) { wake() }
    }

    /// Approves a pod waiting in Permit on behalf of `plugin`; binding proceeds once every
    /// waiting plugin approved.
    public func allow(podUID: String, plugin: String) {
        guard var w = waiting[podUID] else { return }
        w.pending.remove(plugin)
        waiting[podUID] = w
        if w.pending.isEmpty { resolve(podUID, .success) }
    }

    /// Rejects a pod waiting in Permit.
    public func reject(podUID: String, plugin: String, reason: String) {
        resolve(podUID, Status(.unschedulable, reason, plugin: plugin))
    }

    // MARK: Queries

    /// The cache's current snapshot.
    public var snapshot: Snapshot { cache.snapshot }
    /// The number of pods in the active, backoff and unschedulable sub-queues.
    public var pendingPods: (active: Int, backoff: Int, unschedulable: Int) { (queue.activeCount, queue.backoffCount, queue.unschedulableCount) }
    /// Pods waiting in Permit.
    public var waitingPodUIDs: [String] { waiting.keys.sorted() }

    /// Waits until no binding cycle is running.
    public func waitForBindings() async {
        if bindingsInFlight == 0 { return }
        await withCheckedContinuation { bindingWaiters.append($0) }
    }

    // MARK: Scheduling

    /// Moves pods whose backoff ended, then schedules the next active pod, if any.
    public func scheduleOne() async -> ScheduleOutcome? {
        let now = clock.now()
        _ = queue.flush(now: now)
        guard let queued = queue.pop(now: now) else { return nil }
        let started = ContinuousClock.now
        defer { metrics.pending(queue) }
        let podInfo = queued.podInfo
        let pod = podInfo.pod
        guard let framework = frameworks[pod.schedulerName] else {
            _ = queue.failed(uid: pod.uid, rejectedBy: [], now: now)
            metrics.attempt(.error, profile: pod.schedulerName, since: started)
            return .error(pod: pod.key, message: "no profile for schedulerName \"\(pod.schedulerName)\"")
        }
        let profile = pod.schedulerName
        var state = CycleState()
        // The snapshot shares the cache's storage; it must be released before the cache is
        // mutated (assume), or the whole node array would be copied.
        let result = await runAlgorithm(podInfo, state: &state, framework: framework)
        switch result {
        case .failure(var fit):
            var nominated: String?
            if !fit.diagnosis.preFilterMessage.map({ $0.hasPrefix("running Score plugins") }).isTrue {
                let (post, status) = framework.runPostFilter(podInfo, state: state, snapshot: cache.snapshot, filteredStatuses: fit.diagnosis.nodeToStatus)
                if status.isSuccess, let post {
                    nominated = post.nominatedNodeName
                    // Remember the nomination so the next attempt tries that node first.
                    var nominatedPod = pod
                    nominatedPod.nominatedNodeName = post.nominatedNodeName
                    _ = queue.update(nominatedPod, now: now)
                    // Until it is bound, lower-priority pods must not take the room it freed.
                    cache.nominate(nominatedPod, on: post.nominatedNodeName)
                    await reporter.preempt(for: pod, nominatedNodeName: post.nominatedNodeName, victims: post.victims)
                } else if !status.message.isEmpty {
                    fit.diagnosis.postFilterMessage = status.message
                }
            }
            let message = fit.message
            _ = queue.failed(uid: pod.uid, rejectedBy: fit.diagnosis.unschedulablePlugins, now: clock.now())
            metrics.attempt(.unschedulable, profile: profile, since: started)
            await reporter.failedScheduling(pod, message: message)
            return .unschedulable(pod: pod.key, message: message, nominatedNodeName: nominated)
        case .success(let r):
            let host = r.suggestedHost
            do {
                try cache.assume(pod, on: host)
                cache.clearNomination(uid: pod.uid)
            } catch {
                _ = queue.failed(uid: pod.uid, rejectedBy: [], now: clock.now())
                metrics.attempt(.error, profile: profile, since: started)
                return .error(pod: pod.key, message: error.message)
            }
            let reserve = framework.runReserve(pod, nodeName: host, state: &state)
            if !reserve.isSuccess {
                cache.forget(uid: pod.uid)
                // An Error backs off; an Unschedulable verdict waits for the plugin's events.
                let rejectors: Set<String> = reserve.isRejected ? reserve.plugin.map { [$0] } ?? [] : []
                _ = queue.failed(uid: pod.uid, rejectedBy: rejectors, now: clock.now())
                metrics.attempt(reserve.isRejected ? .unschedulable : .error, profile: profile, since: started)
                return .error(pod: pod.key, message: reserve.message)
            }
            let (permit, wait, waitingFor) = framework.runPermit(pod, nodeName: host, state: state)
            if !permit.isSuccess && permit.code != .wait {
                framework.runUnreserve(pod, nodeName: host, state: state)
                cache.forget(uid: pod.uid)
                _ = queue.failed(uid: pod.uid, rejectedBy: permit.plugin.map { [$0] } ?? [], now: clock.now())
                metrics.attempt(.unschedulable, profile: profile, since: started)
                return .unschedulable(pod: pod.key, message: permit.message, nominatedNodeName: nil)
            }
            queue.done(uid: pod.uid)
            if let wait { waiting[pod.uid] = WaitingPod(pending: waitingFor) ; scheduleTimeout(pod.uid, after: wait) }
            bindingsInFlight += 1
            let frozen = state
            let attempts = queued.attempts
            Task { await self.bindingCycle(pod, host: host, framework: framework, state: frozen, waits: wait != nil, attempts: attempts, started: started) }
            return .assumed(pod: pod.key, nodeName: host)
        }
    }

    /// Runs until cancelled: schedules while pods are active, otherwise sleeps until an event
    /// wakes it or the next backoff expires.
    public func run() async {
        await withTaskCancellationHandler {
            await loop()
        } onCancel: {
            Task { await self.wakeForCancellation() }
        }
    }

    private func wakeForCancellation() { wake() }

    private func loop() async {
        while !Task.isCancelled {
            if await scheduleOne() != nil { continue }
            let deadline = queue.nextFlush
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.waitForWake() }
                if let deadline {
                    let clock = self.clock
                    group.addTask { try? await clock.sleep(until: deadline) }
                }
                await group.next()
                group.cancelAll()
                self.wake()
            }
        }
    }

    // MARK: Internals

    private func runAlgorithm(_ pod: PodInfo, state: inout CycleState, framework: Framework) async -> Result<ScheduleResult, FitError> {
        var algorithm = self.algorithm
        cycleInProgress = true
        let result = await algorithm.schedule(pod, state: &state, snapshot: cache.snapshot, framework: framework)
        cycleInProgress = false
        self.algorithm = algorithm
        // The cycle's snapshot is released: apply what arrived meanwhile, in order.
        let pending = deferredEvents
        deferredEvents = []
        for event in pending { apply(event) }
        return result
    }

    private func waitForWake() async {
        if queue.activeCount > 0 || Task.isCancelled { return }
        await withCheckedContinuation { wakeups.append($0) }
    }

    private func wake() {
        let w = wakeups
        wakeups = []
        for c in w { c.resume() }
    }

    private func scheduleTimeout(_ uid: String, after: Duration) {
        let clock = self.clock
        let deadline = clock.now() + after
        Task {
            try? await clock.sleep(until: deadline)
            self.resolve(uid, Status(.unschedulable, "rejected due to timeout after waiting \(after) at permit"))
        }
    }

    private func resolve(_ uid: String, _ status: Status) {
        guard var w = waiting[uid], w.result == nil else { return }
        w.result = status
        if let c = w.continuation {
            waiting[uid] = nil
            c.resume(returning: status)
        } else {
            waiting[uid] = w
        }
    }

    private func waitOnPermit(_ uid: String) async -> Status {
        guard let w = waiting[uid] else { return .success }
        if let r = w.result {
            waiting[uid] = nil
            return r
        }
        return await withCheckedContinuation { c in
            waiting[uid]?.continuation = c
        }
    }

    private func bindingCycle(
        _ pod: Pod, host: String, framework: Framework, state: CycleState, waits: Bool, attempts: Int, started: ContinuousClock.Instant
    ) async {
        var status = Status.success
        if waits { status = await waitOnPermit(pod.uid) }
        if status.isSuccess { status = await framework.runPreBind(pod, nodeName: host, state: state) }
        if status.isSuccess { status = await framework.runBind(pod, nodeName: host, state: state) }
        if status.isSuccess {
            await framework.runPostBind(pod, nodeName: host, state: state)
            metrics.attempt(.scheduled, profile: pod.schedulerName, since: started)
            await reporter.scheduled(pod, nodeName: host)
        } else {
            framework.runUnreserve(pod, nodeName: host, state: state)
            cache.forget(uid: pod.uid)
            let now = clock.now()
            _ = queue.bindingFailed(pod, attempts: attempts, now: now)
            // The forgotten pod freed resources other pods may have been rejected for.
            _ = queue.onEvent(ClusterEventKind(.pod, .delete), now: now)
            metrics.attempt(status.isRejected ? .unschedulable : .error, profile: pod.schedulerName, since: started)
            metrics.pending(queue)
            await reporter.failedScheduling(pod, message: "binding rejected: \(status.message)")
        }
        bindingsInFlight -= 1
        if bindingsInFlight == 0 {
            let w = bindingWaiters
            bindingWaiters = []
            for c in w { c.resume() }
        }
        wake()
    }
}

extension Optional where Wrapped == Bool {
    var isTrue: Bool { self == true }
}
