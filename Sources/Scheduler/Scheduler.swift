/// Scheduler: kube-scheduler's framework and default plugins, and the SchedulerTesting harness.
///
/// Not built yet: this namespace holds no behaviour. The README's status table tracks it.
public enum Scheduler {
    /// This library's semantic version; Docs/changelogs/Scheduler.md records each release.
    public static let version = "0.0.0"
}
