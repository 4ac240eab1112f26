import Foundation
import KubeInformers
import KubeTypes
import NIOHTTP1
public import Logging
public import ServiceLifecycle
import Synchronization

/// Plays the kubelet for simulated nodes, as kwok does: it follows the pods bound to them (a
/// ``SharedInformer`` over HTTPS, the same informer the master's controllers run) and
/// moves each to Running and Ready (with a pod IP and running container statuses); pods that do
/// not restart (`restartPolicy` Never or OnFailure, as Job pods) then finish as Succeeded after
/// ``Configuration/runDuration``; a pod marked for deletion is confirmed at once (deleted with a
/// zero grace period). Each pod's writes use the credentials of the node it is bound to, so
/// NodeRestriction applies as to a real kubelet. Nodes that stopped heartbeating stop acting.
public struct PodSimulator: Service {
    /// What the simulation does and for whom.
    public struct Configuration: Sendable {
        /// The API server, `https://host:port`.
        public var apiServer: String
        /// The cluster CA (PEM).
        public var caCertificatePEM: String
        /// The simulated nodes' names.
        public var nodes: [String]
        /// How long a pod that does not restart runs before it succeeds. Default 1 s.
        public var runDuration: Duration = .seconds(1)
        /// Whether a node still acts (false once it stopped heartbeating). Default: always.
        public var active: @Sendable (String) -> Bool = { _ in true }
        /// The client the simulated nodes share. Default nil: one per node.
        public var pool: APIClientPool?
        /// Told which pods run where, for the nodes' synthetic usage. Default nil.
        public var usage: SimulatedUsage?

        /// Creates a configuration with the defaults above.
        public init(apiServer: String, caCertificatePEM: String, nodes: [String]) {
            self.apiServer = apiServer
            self.caCertificatePEM = caCertificatePEM
            self.nodes = nodes
        }
    }

    let configuration: Configuration
    let credentials: @Sendable (String) async throws -> String
    let logger: Logger

    /// A simulator; `credentials` returns the bearer token of a node name.
    public init(configuration: Configuration, credentials: @escaping @Sendable (String) async throws -> String, logger: Logger) {
        self.configuration = configuration
        self.credentials = credentials
        self.logger = logger
    }

    public func run() async throws {
        guard let first = configuration.nodes.first else { return }
        let nodes = Set(configuration.nodes)
        var built: [String: APIConnection] = [:]
        for node in configuration.nodes {
            let credentials = self.credentials
            built[node] = try APIConnection(
                server: configuration.apiServer, caCertificatePEM: configuration.caCertificatePEM, pool: configuration.pool, credentials: { try await credentials(node) })
        }
        let connections = built
        // The bound pods (`spec.nodeName!=`), through one informer with the first node's credentials.
        let informer = SharedInformer(source: APIListWatchSource(connection: connections[first]!, path: "/api/v1/pods", query: "fieldSelector=spec.nodeName%21%3D"), logger: logger)
        let (changed, continuation) = AsyncStream.makeStream(of: JSONValue.self)
        informer.addHandler { event in
            switch event {
            case .added(let pod), .updated(_, let pod): continuation.yield(pod)
            case .deleted(let pod):
                if let uid = pod[path: ["metadata", "uid"]]?.stringValue, let node = pod[path: ["spec", "nodeName"]]?.stringValue {
                    self.configuration.usage?.stopped(uid: uid, node: node)
                }
            }
        }
        let handled = Handled()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await informer.run() }
                for await pod in changed {
                    self.consider(pod, nodes: nodes, connections: connections, handled: handled, group: &group)
                }
                group.cancelAll()
            }
        }
        for connection in connections.values { await connection.shutdown() }
    }

    /// Acts once per pod and state: run it, finish it, or confirm its deletion.
    private func consider(
        _ pod: JSONValue, nodes: Set<String>, connections: [String: APIConnection], handled: Handled, group: inout DiscardingTaskGroup
    ) {
        guard let node = pod[path: ["spec", "nodeName"]]?.stringValue, nodes.contains(node), configuration.active(node), let api = connections[node],
            let uid = pod[path: ["metadata", "uid"]]?.stringValue, let name = pod[path: ["metadata", "name"]]?.stringValue,
            let namespace = pod[path: ["metadata", "namespace"]]?.stringValue
        else { return }
        let phase = pod[path: ["status", "phase"]]?.stringValue ?? "Pending"
        let state: String
        if pod[path: ["metadata", "deletionTimestamp"]] != nil {
            state = "delete"
        } else if phase == "Pending" {
            state = "run"
        } else {
            return
        }
        guard handled.claim(uid, state) else { return }
        let path = "/api/v1/namespaces/\(namespace)/pods/\(name)"
        let logger = self.logger
        if state == "delete" {
            configuration.usage?.stopped(uid: uid, node: node)
            group.addTask {
                let confirmed = await Self.persistently(node: node, active: self.configuration.active) {
                    try await api.send(.DELETE, path, body: ["kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0, "preconditions": ["uid": .string(uid)]]).status
                }
                if !confirmed {
                    logger.notice("confirming a pod deletion failed", metadata: ["pod": "\(namespace)/\(name)"])
                    handled.release(uid)
                }
            }
            return
        }
        let number = handled.nextNumber()
        let podIP = "10.\(42 + (number >> 16) & 0x3f).\((number >> 8) & 0xff).\(number & 0xff)"
        let restarts = pod[path: ["spec", "restartPolicy"]]?.stringValue ?? "Always"
        let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).map {
            (name: $0["name"]?.stringValue ?? "", image: $0["image"]?.stringValue ?? "")
        }
        let runDuration = configuration.runDuration
        let usage = configuration.usage
        group.addTask {
            let started = Self.timestamp(Date())
            let running = Self.status(phase: "Running", ready: true, podIP: podIP, started: started, containers: containers, finished: nil)
            // As the kubelet: a status the server refused for now (429, 5xx, unreachable) is sent
            // again, since no new event will come for a pod that stays Pending.
            let sent = await Self.persistently(node: node, active: self.configuration.active) {
                try await api.send(.PATCH, path + "/status", body: ["status": running], contentType: "application/merge-patch+json").status
            }
            guard sent else {
                handled.release(uid)
                return
            }
            usage?.started(pod, node: node)
            guard restarts != "Always" else { return }
            try? await Task.sleep(for: runDuration)
            usage?.stopped(uid: uid, node: node)
            let done = Self.status(phase: "Succeeded", ready: false, podIP: podIP, started: started, containers: containers, finished: Self.timestamp(Date()))
            _ = try? await api.send(.PATCH, path + "/status", body: ["status": done], contentType: "application/merge-patch+json")
        }
    }

    /// Runs `attempt` until it answers 2xx (true) or a final refusal such as 404 or 409 (false),
    /// retrying 429, 5xx and transport failures with backoff (0.5 s doubling to 8 s, jittered)
    /// while the node is active and the task is not cancelled.
    static func persistently(node: String, active: @Sendable (String) -> Bool, _ attempt: () async throws -> Int) async -> Bool {
        var delayMilliseconds = 500
        while !Task.isCancelled, active(node) {
            let status = try? await attempt()
            if let status {
                if (200..<300).contains(status) { return true }
                if status != 429, status < 500 { return false }
            }
            let jitter = Int.random(in: 0...(delayMilliseconds / 4))
            try? await Task.sleep(for: .milliseconds(delayMilliseconds + jitter))
            delayMilliseconds = min(delayMilliseconds * 2, 8000)
        }
        return false
    }

    /// A pod status: phase, conditions, IPs and container statuses.
    static func status(phase: String, ready: Bool, podIP: String, started: String, containers: [(name: String, image: String)], finished: String?) -> JSONValue {
        let readyText = JSONValue.string(ready ? "True" : "False")
        let started = JSONValue.string(started)
        let ended = finished.map { JSONValue.string($0) } ?? started
        var conditions: [JSONValue] = [
            ["type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": started],
            ["type": "Initialized", "status": "True", "lastTransitionTime": started],
            ["type": "Ready", "status": readyText, "lastTransitionTime": ended],
            ["type": "ContainersReady", "status": readyText, "lastTransitionTime": ended],
            ["type": "PodScheduled", "status": "True", "lastTransitionTime": started],
        ]
        if finished != nil { conditions[2]["reason"] = "PodCompleted"; conditions[3]["reason"] = "PodCompleted" }
        let statuses: [JSONValue] = containers.map { container in
            let state: JSONValue = finished.map { ["terminated": ["exitCode": 0, "reason": "Completed", "startedAt": started, "finishedAt": .string($0)]] }
                ?? ["running": ["startedAt": started]]
            return [
                "name": .string(container.name), "image": .string(container.image), "imageID": .string("simulated://" + container.image),
                "containerID": .string("simulated://" + UUID().uuidString.lowercased()), "ready": .bool(ready), "started": .bool(finished == nil),
                "restartCount": 0, "state": state,
            ]
        }
        return [
            "phase": .string(phase), "conditions": .array(conditions), "hostIP": "127.0.0.1", "hostIPs": [["ip": "127.0.0.1"]], "podIP": .string(podIP),
            "podIPs": [["ip": .string(podIP)]], "startTime": started, "containerStatuses": .array(statuses),
        ]
    }

    static func timestamp(_ date: Date) -> String { NodeDocuments.timestamp(date, micro: false) }

    /// What the simulator did to each pod (by uid), and the pod IP counter.
    final class Handled: Sendable {
        private let states = Mutex<[String: String]>([:])
        private let counter = Atomic<Int>(0)

        /// Records `state` for `uid`; false when it was already done.
        func claim(_ uid: String, _ state: String) -> Bool {
            states.withLock { states in
                guard states[uid] != state else { return false }
                states[uid] = state
                return true
            }
        }

        /// Forgets `uid`, so a failed step is tried again.
        func release(_ uid: String) { _ = states.withLock { $0.removeValue(forKey: uid) } }

        /// The next pod number.
        func nextNumber() -> Int { counter.wrappingAdd(1, ordering: .relaxed).newValue }
    }
}
