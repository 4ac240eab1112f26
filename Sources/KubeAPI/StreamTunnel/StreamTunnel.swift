/// StreamTunnel: HTTP/1.1 upgrades (`kubectl exec`, `attach`, `port-forward`) proxied byte for
/// byte through a Hummingbird server: ``UpgradeTakeoverHandler`` on the server side,
/// ``UpgradeTunnel`` to reach the upstream, ``UpgradeUpstream`` to splice the two.
///
/// A leaf target: it imports nothing of this project. KubeAPI (master to node agent) and Agent
/// (node agent to the container runtime's stream server) both use it.
public enum StreamTunnel {
    /// This library's semantic version; Docs/changelogs/StreamTunnel.md records each release.
    public static let version = "0.1.0"
}
