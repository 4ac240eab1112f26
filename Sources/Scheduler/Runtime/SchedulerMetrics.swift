import Metrics

/// kube-scheduler's metrics, through swift-metrics (the executable chooses the backend):
/// `scheduler_schedule_attempts_total` and `scheduler_scheduling_attempt_duration_seconds`
/// (labels `result`: scheduled, unschedulable or error; `profile`), and `scheduler_pending_pods`
/// (label `queue`: active, backoff, unschedulable, gated).
struct SchedulerMetrics: Sendable {
    /// How an attempt ended, as kube-scheduler labels it.
    enum Result: String {
        case scheduled, unschedulable, error
    }

    private let active = Gauge(label: "scheduler_pending_pods", dimensions: [("queue", "active")])
    private let backoff = Gauge(label: "scheduler_pending_pods", dimensions: [("queue", "backoff")])
    private let unschedulable = Gauge(label: "scheduler_pending_pods", dimensions: [("queue", "unschedulable")])
    private let gated = Gauge(label: "scheduler_pending_pods", dimensions: [("queue", "gated")])

    /// Records one attempt that began at `start` (upstream counts a pod as scheduled once bound).
    func attempt(_ result: Result, profile: String, since start: ContinuousClock.Instant) {
        let dimensions = [("result", result.rawValue), ("profile", profile)]
        Counter(label: "scheduler_schedule_attempts_total", dimensions: dimensions).increment()
        Metrics.Timer(label: "scheduler_scheduling_attempt_duration_seconds", dimensions: dimensions).record(duration: ContinuousClock.now - start)
    }

    /// Records the sub-queues' sizes (gated pods are counted apart from unschedulable ones).
    func pending(_ queue: SchedulingQueue) {
        active.record(queue.activeCount)
        backoff.record(queue.backoffCount)
        unschedulable.record(queue.unschedulableCount - queue.gatedCount)
        gated.record(queue.gatedCount)
    }
}
