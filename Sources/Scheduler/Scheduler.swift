@_exported public import KubeTypes

/// Scheduler: kube-scheduler's framework and default plugins as a library.
///
/// Start with ``Framework`` (a profile's plugins), ``SchedulingAlgorithm`` (one decision over a
/// ``Snapshot``), ``SchedulingQueue`` and ``ClusterCache`` (state machines fed by watch events),
/// or ``SchedulerRuntime``, which composes them and binds through a ``Binder``.
public enum Scheduler {
    /// This library's semantic version; Docs/changelogs/Scheduler.md records each release.
    public static let version = "0.4.0"
}
