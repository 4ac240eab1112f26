/// KubeTypes: the Kubernetes value types every layer shares, so that admission, scheduling and
/// the node agent never disagree about what a value means: ``JSONValue`` (with its bounded
/// ``JSONParser``), ``Quantity`` and ``LabelSelector``.
///
/// A leaf target: it imports nothing of this project. KubeAPI, Scheduler and Agent all use it.
public enum KubeTypes {
    /// This library's semantic version; Docs/changelogs/KubeTypes.md records each release.
    public static let version = "0.3.0"
}
