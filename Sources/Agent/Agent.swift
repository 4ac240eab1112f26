/// Agent: the node agent: registration, heartbeats, pod lifecycle and the container runtime.
///
/// Not built yet: this namespace holds no behaviour. The README's status table tracks it.
public enum Agent {
    /// This library's semantic version; Docs/changelogs/Agent.md records each release.
    public static let version = "0.0.0"
}
