public import KubeTypes

/// A list-watch source over objects fixed up front: its list returns them, its watch delivers
/// nothing and ends only when cancelled. For informers fed by a snapshot (benchmarks, tests, fuzz
/// targets) that must behave like live ones.
public struct FixedListWatchSource: ListWatchSource {
    /// The objects listed.
    public let objects: [JSONValue]

    /// A source listing `objects` at resourceVersion 1.
    public init(_ objects: [JSONValue] = []) { self.objects = objects }

    public func list() async throws -> (objects: [JSONValue], resourceVersion: String) { (objects, "1") }

    public func watch(after resourceVersion: String) async throws -> AsyncThrowingStream<WatchFrame, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
