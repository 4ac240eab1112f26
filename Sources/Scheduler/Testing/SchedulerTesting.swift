/// SchedulerTesting: builders, an in-memory cluster and decision explanations for people who
/// write scheduler plugins. Start with ``PodBuilder``, ``NodeBuilder`` and ``TestCluster``.
public enum SchedulerTesting {}
