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

    /// A `BOOKMARK` for objects of `kind` at `resourceVersion`; `initialEventsEnd` marks the end
    /// of a watch-list's initial events (annotation `k8s.io/initial-events-end`).
    public static func bookmark(kind: String, apiVersion: String, resourceVersion: Int64, initialEventsEnd: Bool = false) -> WatchFrame {
        var metadata: JSONValue = ["resourceVersion": .string(String(resourceVersion))]
        if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
        return WatchFrame(type: "BOOKMARK", object: ["kind": .string(kind), "apiVersion": .string(apiVersion), "metadata": metadata])
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
