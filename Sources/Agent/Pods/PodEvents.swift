import Foundation
import KubeTypes
import Logging
import NIOHTTP1

/// Records core/v1 Events about pods as the kubelet does (source `kubelet` on this node):
/// Pulling, Pulled, Created, Started, Killing, BackOff, Failed. Sent in the background; a failed
/// send is logged at debug and dropped, as client-go's broadcaster drops on a full queue.
struct PodEvents: Sendable {
    let api: APIConnection
    let node: String
    let logger: Logger

    /// Records `reason` on `pod` (and on one of its containers when `container` names it).
    func record(_ pod: JSONValue, container: String? = nil, init isInit: Bool = false, warning: Bool = false, _ reason: String, _ message: String) {
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        let now = Date()
        let stamp = JSONValue.string(NodeDocuments.timestamp(now, micro: false))
        var involved: JSONValue = [
            "kind": "Pod", "apiVersion": "v1", "namespace": .string(namespace), "name": .string(name), "uid": pod[path: ["metadata", "uid"]] ?? "",
        ]
        if let version = pod[path: ["metadata", "resourceVersion"]] { involved["resourceVersion"] = version }
        if let container { involved["fieldPath"] = .string("spec.\(isInit ? "initContainers" : "containers"){\(container)}") }
        let suffix = String(UInt64(now.timeIntervalSince1970 * 1_000_000_000), radix: 16)
        let event: JSONValue = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string("\(name).\(suffix)"), "namespace": .string(namespace)],
            "involvedObject": involved, "reason": .string(reason), "message": .string(String(message.prefix(1024))),
            "type": .string(warning ? "Warning" : "Normal"), "source": ["component": "kubelet", "host": .string(node)],
            "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1, "reportingComponent": "kubelet", "reportingInstance": .string(node),
        ]
        let api = self.api, logger = self.logger
        Task {
            do {
                let sent = try await api.send(.POST, "/api/v1/namespaces/\(namespace)/events", body: event)
                if !(200..<300).contains(sent.status) { logger.debug("event refused", metadata: ["status": "\(sent.status)", "reason": "\(reason)"]) }
            } catch {
                logger.debug("event not sent", metadata: ["error": "\(error)"])
            }
        }
    }
}
