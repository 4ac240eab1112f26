/// SchedulerTesting: builders, an in-memory snapshot and decision explanations for people who
/// write scheduler plugins.
///
/// Not built yet: this namespace holds no behaviour. The README's status table tracks it.
public enum SchedulerTesting {}
