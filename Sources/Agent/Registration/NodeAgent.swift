import Foundation
import KubeTypes
import NIOHTTP1
public import Logging
public import ServiceLifecycle

/// Joins a node to the cluster and keeps it alive: registers the Node (or adopts an existing one
/// of the same name), reports its status, creates its Lease in `kube-node-lease` and renews it
/// every ``NodeAgentConfiguration/renewInterval`` until graceful shutdown. Every request carries a
/// fresh bearer token from the credentials provider (a node Seal token in daas-worker).
public struct NodeAgent: Service {
    private let configuration: NodeAgentConfiguration
    private let credentials: @Sendable () async throws -> String
    private let logger: Logger

    /// Creates an agent.
    /// - Parameters:
    ///   - configuration: The API server, its CA, the node name and the intervals.
    ///   - credentials: Returns the bearer token for the next request.
    ///   - logger: Receives registration and heartbeat events (never tokens).
    public init(configuration: NodeAgentConfiguration, credentials: @escaping @Sendable () async throws -> String, logger: Logger) {
        self.configuration = configuration
        self.credentials = credentials
        self.logger = logger
    }

    /// Registers, then heartbeats until graceful shutdown. Throws ``AgentError`` when registration
    /// is refused; transient heartbeat failures are logged and retried at the next interval.
    public func run() async throws {
        let api = try APIConnection(server: configuration.apiServer, caCertificatePEM: configuration.caCertificatePEM, pool: configuration.pool, credentials: credentials)
        do {
            // Graceful shutdown cancels at once: a heartbeat sleep or request in flight must not
            // hold up SIGTERM (a worker simulating 5,000 nodes stops them one after another).
            try await cancelWhenGracefulShutdown { try await self.serve(api) }
        } catch is CancellationError {
        } catch {
            await api.shutdown()
            throw error
        }
        await api.shutdown()
    }

    private func serve(_ api: APIConnection) async throws {
        let name = configuration.nodeName
        let started = Date()
        guard let registered = try await registerPersistently(api, since: started) else { return }
        let uid = registered.uid
        logger.info("node registered", metadata: ["node": "\(name)", "uid": "\(uid ?? "")"])
        var lastStatus = ContinuousClock.now
        var lastRuntime = registered.runtime
        var lastStats: ContinuousClock.Instant?
        await sendStats(api, last: &lastStats)
        while !Task.isShuttingDownGracefully {
            do {
                try await Task.sleep(for: configuration.renewInterval)
            } catch {
                return  // cancelled
            }
            if Task.isShuttingDownGracefully { return }
            guard configuration.heartbeating() else { continue }
            do {
                try await renewLease(api, nodeUID: uid)
                let runtime = await configuration.runtime?()
                if ContinuousClock.now - lastStatus >= configuration.statusInterval || runtime != lastRuntime {
                    try await reportStatus(api, since: started, runtime: runtime)
                    lastStatus = .now
                    lastRuntime = runtime
                }
            } catch {
                logger.warning("heartbeat failed; retrying at the next interval", metadata: ["node": "\(name)", "error": "\(error)"])
            }
            await sendStats(api, last: &lastStats)
        }
    }

    /// Sends the stats summary when one is due (a failure is logged and retried when next due).
    private func sendStats(_ api: APIConnection, last: inout ContinuousClock.Instant?) async {
        guard let stats = configuration.stats, last.map({ ContinuousClock.now - $0 >= configuration.statsInterval }) ?? true else { return }
        last = .now
        guard let summary = await stats() else { return }
        do {
            let response = try await api.send(.POST, "/daas/v1/stats/summary", body: summary.json)
            if response.status != 204 {
                logger.warning("the master refused the stats summary", metadata: [
                    "node": "\(configuration.nodeName)", "status": "\(response.status)", "message": "\(response.object["message"]?.stringValue ?? "")",
                ])
            }
        } catch {
            logger.debug("sending the stats summary failed", metadata: ["node": "\(configuration.nodeName)", "error": "\(error)"])
        }
    }

    /// Registers as the kubelet does: retried with backoff (up to 7 s) while the API server is
    /// unreachable or overloaded; a refusal (401, 403, 422...) is thrown. Returns the Node's uid
    /// and the runtime state reported, or nil when cancelled or shutting down first.
    private func registerPersistently(_ api: APIConnection, since started: Date) async throws(AgentError) -> (uid: String?, runtime: NodeRuntimeState?)? {
        var backoff = Duration.milliseconds(100)
        while true {
            let failure: AgentError
            do throws(AgentError) {
                let uid = try await register(api)
                let runtime = await configuration.runtime?()
                try await reportStatus(api, since: started, runtime: runtime)
                try await renewLease(api, nodeUID: uid)
                return (uid, runtime)
            } catch {
                failure = error
            }
            guard Self.isTransient(failure) else { throw failure }
            logger.notice("registration failed; retrying", metadata: ["node": "\(configuration.nodeName)", "error": "\(failure)"])
            do {
                try await Task.sleep(for: backoff)
            } catch {
                return nil
            }
            if Task.isShuttingDownGracefully { return nil }
            backoff = backoff < .seconds(3) ? backoff * 2 : .seconds(7)
        }
    }

    /// Creates the Node, or adopts the existing one; returns its uid.
    private func register(_ api: APIConnection) async throws(AgentError) -> String? {
        let created = try await api.send(.POST, "/api/v1/nodes", body: NodeDocuments.node(configuration))
        switch created.status {
        case 201, 200:
            return created.object[path: ["metadata", "uid"]]?.stringValue
        case 409:
            let existing = try await api.send(.GET, "/api/v1/nodes/\(configuration.nodeName)")
            try Self.check(existing, "get node")
            return existing.object[path: ["metadata", "uid"]]?.stringValue
        default:
            try Self.check(created, "register node")
            return nil
        }
    }

    private func reportStatus(_ api: APIConnection, since: Date, runtime: NodeRuntimeState?) async throws(AgentError) {
        let patched = try await api.send(
            .PATCH, "/api/v1/nodes/\(configuration.nodeName)/status", body: NodeDocuments.status(configuration, runtime: runtime, now: Date(), since: since),
            contentType: "application/merge-patch+json")
        try Self.check(patched, "report node status")
    }

    private func renewLease(_ api: APIConnection, nodeUID: String?) async throws(AgentError) {
        let path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/\(configuration.nodeName)"
        let lease = NodeDocuments.lease(configuration, nodeUID: nodeUID, now: Date())
        let patched = try await api.send(.PATCH, path, body: ["spec": lease["spec"] ?? [:]], contentType: "application/merge-patch+json")
        if patched.status == 404 {
            let created = try await api.send(.POST, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", body: lease)
            try Self.check(created, "create lease")
            return
        }
        try Self.check(patched, "renew lease")
    }

    /// Whether `error` may pass by itself: the server unreachable, overloaded (429) or failing (5xx).
    static func isTransient(_ error: AgentError) -> Bool {
        if error.code == .unreachable { return true }
        guard error.code == .refused, let status: Int = error.status else { return false }
        return status == 429 || status >= 500
    }

    private static func check(_ response: (status: Int, object: JSONValue), _ action: String) throws(AgentError) {
        guard !(200..<300).contains(response.status) else { return }
        let message = response.object["message"]?.stringValue ?? "no message"
        var error = AgentError(.refused, "\(action): the API server answered \(response.status): \(message)")
        error.status = response.status
        throw error
    }
}
