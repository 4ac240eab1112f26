import Metrics
import Synchronization

/// A work queue as client-go's `workqueue.RateLimitingInterface`: keys are de-duplicated while
/// waiting, a key being processed is never handed to a second worker (an add during processing
/// is queued again when it is done), and failed keys come back after a per-key exponential
/// backoff (5 ms doubling, at most 1000 s) until `forget` resets them.
///
/// A named queue reports client-go's work-queue metrics through swift-metrics, labelled
/// `name`: `workqueue_depth`, `workqueue_adds_total`, `workqueue_retries_total`,
/// `workqueue_queue_duration_seconds` (added to handed out) and `workqueue_work_duration_seconds`
/// (handed out to done).
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var queue: [Key] = []
        var head = 0
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        var failures: [Key: Int] = [:]
        var delayed: [Key: ContinuousClock.Instant] = [:]
        var waiters: [CheckedContinuation<Key?, Never>] = []
        var shuttingDown = false
        /// When each waiting key was first added, and when each key in processing was handed
        /// out (kept only when the queue reports metrics).
        var addedAt: [Key: ContinuousClock.Instant] = [:]
        var startedAt: [Key: ContinuousClock.Instant] = [:]

        /// Hands a dirty key straight to a waiting worker (returned, to resume outside the
        /// lock), or queues it.
        mutating func dispatch(_ key: Key) -> CheckedContinuation<Key?, Never>? {
            guard !waiters.isEmpty else {
                queue.append(key)
                return nil
            }
            dirty.remove(key)
            processing.insert(key)
            return waiters.removeFirst()
        }
    }

    private let state = Mutex(State())
    private let metrics: WorkQueueMetrics?
    /// The first retry delay. Default 5 ms.
    public let baseDelay: Duration
    /// The longest retry delay. Default 1000 s.
    public let maxDelay: Duration

    /// Creates an empty queue; a `name` (client-go's, such as `deployment`) makes it report
    /// metrics under that name.
    public init(name: String? = nil, baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        metrics = name.map(WorkQueueMetrics.init(name:))
    }

    /// Queues `key` unless it is already waiting.
    public func add(_ key: Key) {
        let waiter: CheckedContinuation<Key?, Never>? = state.withLock { state in
            guard !state.shuttingDown, !state.dirty.contains(key) else { return nil }
            state.dirty.insert(key)
            if let metrics {
                metrics.adds.increment()
                state.addedAt[key] = .now
            }
            if state.processing.contains(key) { return nil }
            let waiter = state.dispatch(key)
            if waiter != nil { handOut(key, state: &state) }
            metrics?.depth.record(state.queue.count - state.head)
            return waiter
        }
        waiter?.resume(returning: key)
    }

    /// Records, for metrics, that `key` leaves the queue for a worker.
    private func handOut(_ key: Key, state: inout State) {
        guard let metrics else { return }
        let now = ContinuousClock.now
        if let added = state.addedAt.removeValue(forKey: key) {
            metrics.queueDuration.record(duration: now - added)
        }
        state.startedAt[key] = now
    }

    /// Queues `key` after `delay`. A key already waiting for an earlier time keeps that time
    /// (as client-go's delaying queue), so repeated requests cost one timer.
    public func add(_ key: Key, after delay: Duration) {
        guard delay > .zero else { return add(key) }
        let due = ContinuousClock.now.advanced(by: delay)
        let schedule = state.withLock { state -> Bool in
            guard !state.shuttingDown else { return false }
            if let existing = state.delayed[key], existing <= due { return false }
            state.delayed[key] = due
            return true
        }
        guard schedule else { return }
        Task {
            try? await Task.sleep(until: due, clock: .continuous)
            let fire = state.withLock { state -> Bool in
                // A later request for an earlier time has its own timer.
                guard state.delayed[key] == due else { return false }
                state.delayed[key] = nil
                return true
            }
            if fire { self.add(key) }
        }
    }

    /// The number of keys waiting for a delay to pass.
    public var delayedCount: Int { state.withLock { $0.delayed.count } }

    /// Queues `key` after its backoff, which doubles with each failure since the last `forget`.
    public func addRateLimited(_ key: Key) {
        let failures = state.withLock { state -> Int in
            state.failures[key, default: 0] += 1
            return state.failures[key]!
        }
        metrics?.retries.increment()
        add(key, after: delay(afterFailures: failures))
    }

    /// The backoff after `failures` failures: `baseDelay × 2^(failures-1)`, at most `maxDelay`.
    public func delay(afterFailures failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 40)
        let delay = baseDelay * Double(1 << exponent)
        return min(delay, maxDelay)
    }

    /// Resets `key`'s backoff (call when it was processed successfully).
    public func forget(_ key: Key) {
        _ = state.withLock { $0.failures.removeValue(forKey: key) }
    }

    /// How many times `key` failed since its last `forget`.
    public func failures(_ key: Key) -> Int {
        state.withLock { $0.failures[key] ?? 0 }
    }

    /// The next key to process, waiting for one; nil once the queue shuts down. Call `done`
    /// when finished with it.
    private enum Next {
        case key(Key)
        case wait
        case closed
    }

    public func get() async -> Key? {
        let next: Next = state.withLock { state in
            if state.head < state.queue.count {
                let key = state.queue[state.head]
                state.head += 1
                if state.head > 1024, state.head * 2 > state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                state.dirty.remove(key)
                state.processing.insert(key)
                handOut(key, state: &state)
                metrics?.depth.record(state.queue.count - state.head)
                return .key(key)
            }
            return state.shuttingDown ? .closed : .wait
        }
        switch next {
        case .key(let key): return key
        case .closed: return nil
        case .wait:
            return await withCheckedContinuation { continuation in
                let immediate: Key?? = state.withLock { state in
                    if state.head < state.queue.count {
                        let key = state.queue[state.head]
                        state.head += 1
                        state.dirty.remove(key)
                        state.processing.insert(key)
                        handOut(key, state: &state)
                        metrics?.depth.record(state.queue.count - state.head)
                        return .some(key)
                    }
                    if state.shuttingDown { return .some(nil) }
                    state.waiters.append(continuation)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        }
    }

    /// Marks `key` processed; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        let waiter: CheckedContinuation<Key?, Never>? = state.withLock { state in
            state.processing.remove(key)
            if let metrics, let started = state.startedAt.removeValue(forKey: key) {
                metrics.workDuration.record(duration: ContinuousClock.now - started)
            }
            guard state.dirty.contains(key) else { return nil }
            let waiter = state.dispatch(key)
            if waiter != nil { handOut(key, state: &state) }
            metrics?.depth.record(state.queue.count - state.head)
            return waiter
        }
        waiter?.resume(returning: key)
    }

    /// The number of keys waiting.
    public var count: Int { state.withLock { $0.queue.count - $0.head } }

    /// Stops the queue: waiting workers get nil, new adds are dropped.
    public func shutDown() {
        let waiters = state.withLock { state -> [CheckedContinuation<Key?, Never>] in
            state.shuttingDown = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }
}

/// client-go's work-queue metrics for one named queue.
struct WorkQueueMetrics: Sendable {
    let depth: Gauge
    let adds: Counter
    let retries: Counter
    let queueDuration: Metrics.Timer
    let workDuration: Metrics.Timer

    init(name: String) {
        let dimensions = [("name", name)]
        depth = Gauge(label: "workqueue_depth", dimensions: dimensions)
        adds = Counter(label: "workqueue_adds_total", dimensions: dimensions)
        retries = Counter(label: "workqueue_retries_total", dimensions: dimensions)
        queueDuration = Metrics.Timer(label: "workqueue_queue_duration_seconds", dimensions: dimensions)
        workDuration = Metrics.Timer(label: "workqueue_work_duration_seconds", dimensions: dimensions)
    }
}

