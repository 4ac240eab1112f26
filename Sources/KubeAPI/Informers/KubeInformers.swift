/// KubeInformers: client-go's machinery for anything that follows the API: ``SharedInformer``
/// (list, then watch, relist on 410, indexes, handlers, resync) over any ``ListWatchSource``,
/// ``WatchFrame`` and the rate-limited, de-duplicating ``WorkQueue``.
///
/// Imports only KubeTypes, so the master's controllers (over the in-process registry) and the
/// node agent (over HTTPS) run the same informer.
public enum KubeInformers {
    /// This library's semantic version; Docs/changelogs/KubeInformers.md records each release.
    public static let version = "0.3.0"
}
