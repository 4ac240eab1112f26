public import KubeTypes
/// Where an informer lists and watches one kind of object: the in-process registry (KubeAPI's
/// `RegistrySource`) for the master's controllers, or the API server over HTTPS for the node
/// agent (Agent's `APIListWatchSource`). The informer is the same code for both.
public protocol ListWatchSource: Sendable {
    /// Every object, and the resourceVersion the list was read at.
    func list() async throws -> (objects: [JSONValue], resourceVersion: String)
    /// Watch events after `resourceVersion`. An expired resourceVersion throws (410), and the
    /// informer lists again.
    func watch(after resourceVersion: String) async throws -> AsyncThrowingStream<WatchFrame, any Error>
}
