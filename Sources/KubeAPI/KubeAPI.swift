@_exported public import KubeInformers
@_exported public import KubeTypes

/// KubeAPI: API machinery and the Kubernetes API server (HTTPS, authentication, RBAC and node
/// authorization, a generic registry over EncStore, watch, discovery, OpenAPI, tables) and the
/// built-in controllers on shared informers (``ControllerManager``), under Lease leader election.
///
/// Start with ``KubeAPIServer`` and ``ObjectStore``; the README's status table says what is built.
public enum KubeAPI {
    /// This library's semantic version; Docs/changelogs/KubeAPI.md records each release.
    public static let version = "0.10.0"
}
