/// Agent: the node agent. Today it joins a node to the cluster: it registers the Node and keeps
/// its Lease (and status heartbeat) fresh, over HTTPS like any client. It does not run pods yet.
public enum Agent {
    /// This library's semantic version; Docs/changelogs/Agent.md records each release.
    public static let version = "0.2.0"
}
