/// A watch event from the API server, as the master's informers deliver them.
public enum WatchEvent: Sendable {
    /// A node appeared.
    case nodeAdded(Node)
    /// A node changed.
    case nodeUpdated(Node)
    /// A node was deleted.
    case nodeDeleted(name: String)
    /// A pod appeared (bound pods go to the cache, pending ones served by a profile to the queue).
    case podAdded(Pod)
    /// A pod changed (a bound pod confirms an assumed one).
    case podUpdated(Pod)
    /// A pod was deleted.
    case podDeleted(Pod)
    /// The PodDisruptionBudgets changed (the full list).
    case disruptionBudgets([PodDisruptionBudget])
    /// A namespace's labels changed.
    case namespace(name: String, labels: [String: String])
    /// A PersistentVolumeClaim, PersistentVolume or StorageClass changed (the ``VolumeCatalog``
    /// reads them; this only wakes the pods VolumeBinding turned away).
    case storage(ClusterEventKind)
}

/// What the runtime tells the master besides binding. Every method has a no-op default.
public protocol SchedulingReporter: Sendable {
    /// The pod fits no node; `message` is the FailedScheduling event text.
    func failedScheduling(_ pod: Pod, message: String) async
    /// The pod was bound to `nodeName`.
    func scheduled(_ pod: Pod, nodeName: String) async
    /// Preemption nominated `nodeName` for the pod; the master should set
    /// `status.nominatedNodeName` and delete `victims`.
    func preempt(for pod: Pod, nominatedNodeName: String, victims: [Pod]) async
}

extension SchedulingReporter {
    /// Does nothing.
    public func failedScheduling(_ pod: Pod, message: String) async {}
    /// Does nothing.
    public func scheduled(_ pod: Pod, nodeName: String) async {}
    /// Does nothing.
    public func preempt(for pod: Pod, nominatedNodeName: String, victims: [Pod]) async {}
}

/// A reporter that ignores everything.
public struct SilentReporter: SchedulingReporter {
    /// A reporter.
    public init() {}
}

/// What one scheduling attempt did.
public enum ScheduleOutcome: Sendable, Hashable {
    /// The pod was assumed on the node; binding runs concurrently.
    case assumed(pod: String, nodeName: String)
    /// The pod fits nowhere; the FailedScheduling message (and preemption's nomination, if any).
    case unschedulable(pod: String, message: String, nominatedNodeName: String?)
    /// An error (a plugin error, an unknown profile...); the pod backs off.
    case error(pod: String, message: String)
}
