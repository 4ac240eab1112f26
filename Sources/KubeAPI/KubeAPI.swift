/// KubeAPI: API machinery, the Kubernetes API server and the built-in controllers.
///
/// Not built yet: this namespace holds no behaviour. The README's status table tracks it.
public enum KubeAPI {
    /// This library's semantic version; Docs/changelogs/KubeAPI.md records each release.
    public static let version = "0.0.0"
}
