/// What the scheduling queue asks its driver to do. The queue itself does no I/O and reads no
/// clock: every input carries `now`, so tests drive time explicitly.
public enum QueueAction: Sendable, Hashable {
    /// The active queue has pods: run a scheduling cycle (``SchedulingQueue/pop(now:)``).
    case wakeScheduler
    /// Call ``SchedulingQueue/flush(now:)`` at this instant (the earliest backoff expiry or
    /// unschedulable timeout).
    case flush(at: Duration)
}

/// Where a pod is in the queue.
public enum QueueLocation: String, Sendable, Hashable {
    /// Ready to be scheduled.
    case active
    /// Waiting out its backoff after a failed attempt.
    case backoff
    /// Waiting for a cluster event that may make it schedulable (or rejected by PreEnqueue).
    case unschedulable
    /// Popped and being scheduled.
    case inFlight
}

/// Options of the scheduling queue, with upstream's defaults.
public struct QueueOptions: Sendable, Hashable {
    /// Backoff after the first failure (default 1 s); it doubles per attempt.
    public var initialBackoff: Duration = .seconds(1)
    /// The largest backoff (default 10 s).
    public var maxBackoff: Duration = .seconds(10)
    /// Pods left unschedulable this long are retried anyway (default 5 minutes).
    public var maxInUnschedulable: Duration = .seconds(300)

    /// Defaults.
    public init() {}
}

/// kube-scheduler's PriorityQueue as a value-type state machine: an active heap ordered by the
/// QueueSort plugin, a backoff heap ordered by expiry, and an unschedulable map, with requeueing
/// on cluster events the rejecting plugins care about.
public struct SchedulingQueue: Sendable {
    /// Options.
    public let options: QueueOptions
    private var active: PodHeap
    private var backoff: PodHeap
    private var unschedulable: [String: QueuedPodInfo] = [:]
    private var gated: Set<String> = []
    private var inFlight: [String: QueuedPodInfo] = [:]
    /// Events seen while each in-flight pod was being scheduled.
    private var inFlightEvents: [String: [ClusterEventKind]] = [:]
    private let preEnqueue: @Sendable (Pod) -> Status
    private let requeueEvents: [String: Set<ClusterEventKind>]

    /// A queue. `less` is the QueueSort plugin's order; `preEnqueue` runs PreEnqueue plugins;
    /// `requeueEvents` maps plugin names to the events that can undo their rejections (plugins
    /// not listed are assumed to care about every event).
    public init(
        options: QueueOptions = QueueOptions(), less: @escaping @Sendable (QueuedPodInfo, QueuedPodInfo) -> Bool,
        preEnqueue: @escaping @Sendable (Pod) -> Status = { _ in .success }, requeueEvents: [String: Set<ClusterEventKind>] = [:]
    ) {
        self.options = options
        self.active = PodHeap(less: less)
        let opts = options
        self.backoff = PodHeap(less: { SchedulingQueue.backoffExpiry($0, opts) < SchedulingQueue.backoffExpiry($1, opts) })
        self.preEnqueue = preEnqueue
        self.requeueEvents = requeueEvents
    }

    /// A queue wired to a framework's QueueSort, PreEnqueue and EnqueueExtensions.
    public init(framework: Framework, options: QueueOptions = QueueOptions()) {
        let sort = framework.queueSortPlugin
        self.init(options: options, less: { sort.less($0, $1) }, preEnqueue: { framework.runPreEnqueue($0) },
                  requeueEvents: framework.requeueEvents)
    }

    // MARK: Queries

    /// Pods ready to schedule.
    public var activeCount: Int { active.count }
    /// Pods backing off.
    public var backoffCount: Int { backoff.count }
    /// Pods waiting for an event (including those PreEnqueue rejected).
    public var unschedulableCount: Int { unschedulable.count }
    /// Of those, pods PreEnqueue rejected (scheduling gates).
    public var gatedCount: Int { gated.count }
    /// Pods being scheduled.
    public var inFlightCount: Int { inFlight.count }

    /// Where the pod with `uid` is, if queued.
    public func location(of uid: String) -> QueueLocation? {
        if active.contains(uid) { return .active }
        if backoff.contains(uid) { return .backoff }
        if unschedulable[uid] != nil { return .unschedulable }
        if inFlight[uid] != nil { return .inFlight }
        return nil
    }

    /// When the pod's backoff ends: last failure + initial x 2^(attempts-1), capped at max.
    public static func backoffExpiry(_ p: QueuedPodInfo, _ options: QueueOptions) -> Duration {
        p.timestamp + backoffDuration(attempts: p.attempts, options)
    }

    /// Upstream's `calculateBackoffDuration`.
    public static func backoffDuration(attempts: Int, _ options: QueueOptions) -> Duration {
        var d = options.initialBackoff
        var i = 1
        while i < attempts {
            d = d * 2
            if d > options.maxBackoff { return options.maxBackoff }
            i += 1
        }
        return d
    }

    // MARK: Inputs

    /// A new pending pod (watch Add of an unbound pod).
    public mutating func add(_ pod: Pod, now: Duration) -> [QueueAction] {
        let info = QueuedPodInfo(podInfo: PodInfo(pod), initialAttemptTime: now, timestamp: now)
        return enqueue(info, now: now)
    }

    /// An update of a pending pod. A pod waiting in unschedulable (or gated) is re-evaluated,
    /// since its own change may make it schedulable.
    public mutating func update(_ pod: Pod, now: Duration) -> [QueueAction] {
        let uid = pod.uid
        if var p = active.get(uid) { p.podInfo = PodInfo(pod); active.upsert(p); return [] }
        if var p = backoff.get(uid) { p.podInfo = PodInfo(pod); backoff.upsert(p); return [] }
        if var p = inFlight[uid] {
            p.podInfo = PodInfo(pod)
            inFlight[uid] = p
            inFlightEvents[uid, default: []].append(ClusterEventKind(.pod, .update))
            return []
        }
        if var p = unschedulable.removeValue(forKey: uid) {
            gated.remove(uid)
            p.podInfo = PodInfo(pod)
            p.timestamp = now
            return enqueue(p, now: now, afterFailure: p.attempts > 0)
        }
        return add(pod, now: now)
    }

    /// The pod was deleted (or bound by someone else).
    public mutating func delete(uid: String) {
        active.remove(uid)
        backoff.remove(uid)
        unschedulable[uid] = nil
        gated.remove(uid)
        inFlight[uid] = nil
        inFlightEvents[uid] = nil
    }

    /// Takes the next pod to schedule (highest in QueueSort order) and marks it in flight.
    public mutating func pop(now: Duration) -> QueuedPodInfo? {
        guard var p = active.pop() else { return nil }
        p.attempts += 1
        inFlight[p.pod.uid] = p
        inFlightEvents[p.pod.uid] = []
        return p
    }

    /// The in-flight pod was scheduled (assumed); it leaves the queue.
    public mutating func done(uid: String) {
        inFlight[uid] = nil
        inFlightEvents[uid] = nil
    }

    /// The in-flight pod failed. With `rejectedBy` plugins (an Unschedulable result) it waits in
    /// unschedulable for an event one of them cares about, unless such an event already arrived
    /// while it was in flight (then it backs off). An error (empty `rejectedBy`) backs off.
    public mutating func failed(uid: String, rejectedBy plugins: Set<String>, now: Duration) -> [QueueAction] {
        guard var p = inFlight.removeValue(forKey: uid) else { return [] }
        let seen = inFlightEvents.removeValue(forKey: uid) ?? []
        p.unschedulablePlugins = plugins
        p.timestamp = now
        if plugins.isEmpty || seen.contains(where: { interested(plugins, in: $0) }) {
            backoff.upsert(p)
            return [.flush(at: SchedulingQueue.backoffExpiry(p, options))]
        }
        unschedulable[uid] = p
        return [.flush(at: now + options.maxInUnschedulable)]
    }

    /// A pod whose binding cycle failed after it left the queue re-enters backoff, keeping its
    /// attempt count (so its backoff keeps growing).
    public mutating func bindingFailed(_ pod: Pod, attempts: Int, now: Duration) -> [QueueAction] {
        let p = QueuedPodInfo(podInfo: PodInfo(pod), initialAttemptTime: now, timestamp: now, attempts: max(attempts, 1))
        backoff.upsert(p)
        return [.flush(at: SchedulingQueue.backoffExpiry(p, options))]
    }

    /// A cluster event: moves unschedulable pods whose rejecting plugins care about it to
    /// backoff (or straight to active if their backoff is over), and remembers it for in-flight pods.
    public mutating func onEvent(_ event: ClusterEventKind, now: Duration) -> [QueueAction] {
        for uid in inFlight.keys { inFlightEvents[uid, default: []].append(event) }
        var actions: [QueueAction] = []
        for (uid, p) in unschedulable where interested(p.unschedulablePlugins, in: event) {
            if gated.contains(uid) {
                // PreEnqueue rejections are re-checked on any event the plugin cares about.
                guard preEnqueue(p.pod).isSuccess else { continue }
                gated.remove(uid)
            }
            unschedulable[uid] = nil
            actions += move(p, now: now)
        }
        return SchedulingQueue.compact(actions)
    }

    /// Moves every unschedulable pod as if a relevant event happened (upstream's
    /// `MoveAllToActiveOrBackoffQueue` with a wildcard event), except gated ones.
    public mutating func moveAll(now: Duration) -> [QueueAction] {
        var actions: [QueueAction] = []
        for (uid, p) in unschedulable where !gated.contains(uid) {
            unschedulable[uid] = nil
            actions += move(p, now: now)
        }
        return SchedulingQueue.compact(actions)
    }

    /// Time passed: pods whose backoff ended become active; pods unschedulable for longer than
    /// `maxInUnschedulable` are retried. Returns the next flush time, if any.
    public mutating func flush(now: Duration) -> [QueueAction] {
        var actions: [QueueAction] = []
        while let p = backoff.peek, SchedulingQueue.backoffExpiry(p, options) <= now {
            backoff.remove(p.pod.uid)
            active.upsert(p)
            actions.append(.wakeScheduler)
        }
        for (uid, p) in unschedulable where !gated.contains(uid) && now - p.timestamp >= options.maxInUnschedulable {
            unschedulable[uid] = nil
            actions += move(p, now: now)
        }
        if let next = nextFlush { actions.append(.flush(at: next)) }
        return SchedulingQueue.compact(actions)
    }

    /// The earliest time ``flush(now:)`` has work.
    public var nextFlush: Duration? {
        let b = backoff.peek.map { SchedulingQueue.backoffExpiry($0, options) }
        let u = unschedulable.values.filter { !gated.contains($0.pod.uid) }.map { $0.timestamp + options.maxInUnschedulable }.min()
        switch (b, u) {
        case let (b?, u?): return min(b, u)
        case let (b?, nil): return b
        case let (nil, u?): return u
        case (nil, nil): return nil
        }
    }

    // MARK: Internals

    private mutating func enqueue(_ info: QueuedPodInfo, now: Duration, afterFailure: Bool = false) -> [QueueAction] {
        let status = preEnqueue(info.pod)
        if !status.isSuccess {
            var p = info
            p.unschedulablePlugins = status.plugin.map { [$0] } ?? []
            unschedulable[p.pod.uid] = p
            gated.insert(p.pod.uid)
            return []
        }
        if afterFailure { return move(info, now: now) }
        active.upsert(info)
        return [.wakeScheduler]
    }

    private mutating func move(_ p: QueuedPodInfo, now: Duration) -> [QueueAction] {
        let expiry = SchedulingQueue.backoffExpiry(p, options)
        if p.attempts > 0 && expiry > now {
            backoff.upsert(p)
            return [.flush(at: expiry)]
        }
        active.upsert(p)
        return [.wakeScheduler]
    }

    private func interested(_ plugins: Set<String>, in event: ClusterEventKind) -> Bool {
        if plugins.isEmpty { return true }
        return plugins.contains { requeueEvents[$0]?.contains(event) ?? true }
    }

    /// Deduplicates: one wake, and only the earliest flush.
    static func compact(_ actions: [QueueAction]) -> [QueueAction] {
        var wake = false
        var earliest: Duration?
        for a in actions {
            switch a {
            case .wakeScheduler: wake = true
            case .flush(let t): earliest = min(earliest ?? t, t)
            }
        }
        return (wake ? [.wakeScheduler] : []) + (earliest.map { [.flush(at: $0)] } ?? [])
    }
}
