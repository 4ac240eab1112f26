public import KubeTypes
import Synchronization

/// One watch event (`{"type": ..., "object": ...}`) as watchers receive it. The watch cache
/// hands the same frame to every watcher that sees the event unchanged, and its JSON is
/// encoded once, by the first watcher that writes it.
public final class WatchFrame: Sendable {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    public let type: String
    /// The object (for a delete, its last state with the deletion's resourceVersion).
    public let object: JSONValue
    private let encoding = Mutex<[UInt8]?>(nil)

    /// A frame of `type` carrying `object`.
    public init(type: String, object: JSONValue) {
        self.type = type
        self.object = object
    }

    /// The event as a JSON value.
    public var json: JSONValue { ["type": .string(type), "object": object] }

    /// The event as one line of a JSON watch stream (newline included), encoded once.
    public var encodedLine: [UInt8] {
        if let bytes = encoding.withLock({ $0 }) { return bytes }
        let bytes = json.serialized() + [0x0A]
        encoding.withLock { $0 = bytes }
        return bytes
    }
}
