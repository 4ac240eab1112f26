import CRI
import Foundation
import KubeTypes

/// What the agent saw of one container: its latest and previous runtime attempts, and why it
/// waits when it is not running (image pull back-off, a config error, a crash-loop back-off).
struct ContainerObservation: Sendable {
    var name: String
    var image: String
    var latest: Runtime_V1_ContainerStatus?
    var previous: Runtime_V1_ContainerStatus?
    /// Set while the container waits: reason and message.
    var waiting: (reason: String, message: String)?
    /// The termination message read from the container's file, when it exited.
    var terminationMessage: String?
    /// The readiness probe's result, when the container has one.
    var probedReady: Bool?
    /// The startup probe's result, when the container has one.
    var probedStarted: Bool?

    var isRunning: Bool { latest?.state == .containerRunning && waiting == nil }
    /// Running, and its startup probe (if any) succeeded.
    var isStarted: Bool { isRunning && probedStarted != false }
    /// Started, and its readiness probe (if any) succeeds.
    var isReady: Bool { isStarted && probedReady != false }
    var hasExited: Bool { latest?.state == .containerExited }
}

/// Builds a pod's `status` from what the runtime reports, with the kubelet's rules for phase,
/// conditions and container states.
struct PodStatusBuilder {
    let pod: JSONValue
    let hostIP: String
    let podIP: String?
    let sandboxReady: Bool
    let initContainers: [ContainerObservation]
    let containers: [ContainerObservation]
    let now: Date

    var restartPolicy: String { pod[path: ["spec", "restartPolicy"]]?.stringValue ?? "Always" }

    static func time(_ nanoseconds: Int64) -> JSONValue {
        .string(NodeDocuments.timestamp(Date(timeIntervalSince1970: Double(nanoseconds) / 1e9), micro: false))
    }

    /// `terminated` for an exited attempt: exit code, reason (Completed, Error, OOMKilled...), times.
    static func terminated(_ status: Runtime_V1_ContainerStatus, message: String?) -> JSONValue {
        var reason = status.reason
        if reason.isEmpty || reason == "Error" || reason == "Completed" { reason = status.exitCode == 0 ? "Completed" : "Error" }
        var terminated: JSONValue = [
            "exitCode": .integer(Int64(status.exitCode)), "reason": .string(reason),
            "startedAt": status.startedAt > 0 ? time(status.startedAt) : .null, "finishedAt": time(status.finishedAt),
            "containerID": .string("containerd://" + status.id),
        ]
        if let message, !message.isEmpty { terminated["message"] = .string(message) } else if !status.message.isEmpty { terminated["message"] = .string(status.message) }
        return terminated
    }

    func containerStatus(_ observed: ContainerObservation, isInit: Bool) -> JSONValue {
        var status: JSONValue = [
            "name": .string(observed.name), "image": .string(observed.image), "imageID": .string(observed.latest?.imageRef ?? ""),
            "restartCount": .integer(Int64(observed.latest?.metadata.attempt ?? 0)), "ready": .bool(observed.isReady && !isInit),
            "started": .bool(observed.isStarted),
        ]
        if let latest = observed.latest { status["containerID"] = .string("containerd://" + latest.id) }
        if let waiting = observed.waiting {
            var state: JSONValue = ["reason": .string(waiting.reason)]
            if !waiting.message.isEmpty { state["message"] = .string(waiting.message) }
            status["state"] = ["waiting": state]
            if let latest = observed.latest, latest.state == .containerExited {
                status["lastState"] = ["terminated": Self.terminated(latest, message: observed.terminationMessage)]
            }
        } else if let latest = observed.latest {
            switch latest.state {
            case .containerRunning: status["state"] = ["running": ["startedAt": Self.time(latest.startedAt)]]
            case .containerExited: status["state"] = ["terminated": Self.terminated(latest, message: observed.terminationMessage)]
            default: status["state"] = ["waiting": ["reason": "ContainerCreating"]]
            }
            if let previous = observed.previous, previous.state == .containerExited {
                status["lastState"] = ["terminated": Self.terminated(previous, message: nil)]
            }
        } else {
            status["state"] = ["waiting": ["reason": "ContainerCreating"]]
        }
        if status["lastState"] == nil { status["lastState"] = [:] }
        return status
    }

    /// Whether every init container finished with exit code 0.
    var initialized: Bool { initContainers.allSatisfy { $0.hasExited && $0.latest?.exitCode == 0 && $0.waiting == nil } }

    /// Whether an init container failed for good (restartPolicy Never).
    var initFailed: Bool {
        restartPolicy == "Never" && initContainers.contains { $0.hasExited && ($0.latest?.exitCode ?? 0) != 0 }
    }

    /// The phase, as the kubelet's getPhase.
    var phase: String {
        if initFailed { return "Failed" }
        if !initialized { return "Pending" }
        var running = 0, waiting = 0, stopped = 0, succeeded = 0
        for container in containers {
            if container.isRunning {
                running += 1
            } else if container.hasExited && container.waiting == nil {
                stopped += 1
                if container.latest?.exitCode == 0 { succeeded += 1 }
            } else if container.waiting != nil && container.latest?.state == .containerExited {
                stopped += 1  // waiting to restart after it ran
            } else {
                waiting += 1
            }
        }
        if waiting > 0 { return "Pending" }
        if running > 0 { return "Running" }
        if stopped > 0 {
            if restartPolicy == "Always" { return "Running" }
            if stopped == succeeded { return "Succeeded" }
            return restartPolicy == "OnFailure" ? "Running" : "Failed"
        }
        return "Pending"
    }

    /// The status to write (merge-patched over the pod's: conditions not owned here are kept).
    func status() -> JSONValue {
        let phase = self.phase
        let previous = pod["status"] ?? [:]
        let stamp = JSONValue.string(NodeDocuments.timestamp(now, micro: false))
        let oldConditions = previous["conditions"]?.arrayValue ?? []
        func condition(_ type: String, _ value: Bool, reason: String? = nil, message: String? = nil) -> JSONValue {
            let text = JSONValue.string(value ? "True" : "False")
            let old = oldConditions.first { $0["type"]?.stringValue == type }
            var condition: JSONValue = [
                "type": .string(type), "status": text, "lastProbeTime": .null,
                "lastTransitionTime": old?["status"] == text ? (old?["lastTransitionTime"] ?? stamp) : stamp,
            ]
            if let reason { condition["reason"] = .string(reason) }
            if let message { condition["message"] = .string(message) }
            return condition
        }
        let terminal = phase == "Succeeded" || phase == "Failed"
        let unready = containers.filter { !$0.isReady }.map(\.name)
        let incomplete = initContainers.filter { !($0.hasExited && $0.latest?.exitCode == 0) }.map(\.name)
        let containersReady = unready.isEmpty && !terminal
        let readyReason: String? = terminal ? "PodCompleted" : (containersReady ? nil : "ContainersNotReady")
        let readyMessage: String? = containersReady || terminal ? nil : "containers with unready status: [\(unready.joined(separator: " "))]"
        var conditions: [JSONValue] = [
            condition("PodReadyToStartContainers", sandboxReady && !terminal || (terminal && podIP != nil && sandboxReady)),
            condition(
                "Initialized", initialized || terminal && !initFailed, reason: initialized || terminal && !initFailed ? nil : "ContainersNotInitialized",
                message: initialized || terminal && !initFailed ? nil : "containers with incomplete status: [\(incomplete.joined(separator: " "))]"),
            condition("Ready", containersReady, reason: readyReason, message: readyMessage),
            condition("ContainersReady", containersReady, reason: readyReason, message: readyMessage),
        ]
        let owned: Set<String> = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"]
        conditions += oldConditions.filter { !owned.contains($0["type"]?.stringValue ?? "") }
        var status: JSONValue = [
            "phase": .string(phase), "conditions": .array(conditions), "hostIP": .string(hostIP), "hostIPs": [["ip": .string(hostIP)]],
            "startTime": previous["startTime"] ?? stamp,
            "containerStatuses": .array(containers.map { containerStatus($0, isInit: false) }),
        ]
        if !initContainers.isEmpty { status["initContainerStatuses"] = .array(initContainers.map { containerStatus($0, isInit: true) }) }
        if let podIP, !podIP.isEmpty {
            status["podIP"] = .string(podIP)
            status["podIPs"] = [["ip": .string(podIP)]]
        }
        return status
    }
}
