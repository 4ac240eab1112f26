/// Agent: the node agent. It joins a node to the cluster (registers the Node and keeps its Lease
/// and status fresh, over HTTPS like any client) and runs the pods bound to it through CRI.
public enum Agent {
    /// This library's semantic version; Docs/changelogs/Agent.md records each release.
    public static let version = "0.8.0"
}
