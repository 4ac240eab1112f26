/// A resource of the in-process registry as a list-watch source (no HTTP loop-back).
public struct RegistrySource: ListWatchSource {
    let objects: ObjectStore
    let type: ResourceType
    let namespace: String?
    let options: ObjectStore.ListOptions

    /// A source for `type` (in `namespace`, or all), filtered by `options`' selectors.
    public init(objects: ObjectStore, type: ResourceType, namespace: String? = nil, options: ObjectStore.ListOptions = .init()) {
        self.objects = objects
        self.type = type
        self.namespace = namespace
        self.options = options
    }

    public func list() async throws -> (objects: [JSONValue], resourceVersion: String) {
        let list = try await objects.list(type, namespace: namespace, options: options)
        return (list["items"]?.arrayValue ?? [], list[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0")
    }

    public func watch(after resourceVersion: String) async throws -> AsyncThrowingStream<WatchFrame, any Error> {
        var watchOptions = ObjectStore.WatchOptions()
        watchOptions.list = options
        watchOptions.resourceVersion = resourceVersion
        return try await objects.watch(type, namespace: namespace, options: watchOptions)
    }
}
