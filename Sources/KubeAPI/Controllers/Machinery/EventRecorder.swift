import Foundation
public import Logging

/// Writes core/v1 Events about objects, as kube-controller-manager's recorder does: the same
/// reason and message about the same object within ten minutes increments `count` and moves
/// `lastTimestamp` instead of creating another Event.
public struct EventRecorder: Sendable {
    let objects: ObjectStore
    /// The `source.component` of the events, e.g. `default-scheduler` or `deployment-controller`.
    public let component: String
    let logger: Logger

    /// A recorder writing as `component`.
    public init(objects: ObjectStore, component: String, logger: Logger) {
        self.objects = objects
        self.component = component
        self.logger = logger
    }

    /// Records a `Normal` or `Warning` event about `object`. Failures are logged, never thrown:
    /// an event is never worth failing the work it describes.
    public func record(_ object: JSONValue, type: String = "Normal", reason: String, message: String) async {
        guard let events = objects.registry.lookup(group: "", version: "v1", plural: "events") else { return }
        let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let uid = object[path: ["metadata", "uid"]]?.stringValue ?? ""
        // One Event per (object, type, reason, message): its name is derived from them.
        let digest = Self.fnv1a(uid + "\u{0}" + type + "\u{0}" + reason + "\u{0}" + message + "\u{0}" + component)
        let eventName = "\(name).\(String(digest, radix: 16))"
        let now = ObjectMeta.timestamp(Date())
        do {
            var involved: JSONValue = ["kind": object["kind"] ?? "", "apiVersion": object["apiVersion"] ?? "", "name": .string(name), "uid": .string(uid)]
            if let version = object[path: ["metadata", "resourceVersion"]] { involved["resourceVersion"] = version }
            if object[path: ["metadata", "namespace"]] != nil { involved["namespace"] = .string(namespace) }
            do {
                // Most events are new: create first, and count a repeat only when the name is taken.
                _ = try await objects.create(events, namespace: namespace, body: [
                    "metadata": ["name": .string(eventName), "namespace": .string(namespace)],
                    "involvedObject": involved, "reason": .string(reason), "message": .string(message), "type": .string(type),
                    "source": ["component": .string(component)], "reportingComponent": .string(component),
                    "firstTimestamp": .string(now), "lastTimestamp": .string(now), "count": 1,
                ])
            } catch let error as APIError where error.code == 409 {
                let existing = try await objects.get(events, namespace: namespace, name: eventName)
                let count = (existing["count"]?.integerValue ?? 1) &+ 1
                _ = try await objects.mergePatch(events, namespace: namespace, name: eventName, patch: ["count": .integer(count), "lastTimestamp": .string(now)])
            }
        } catch {
            logger.debug("recording an event failed", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }

    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
