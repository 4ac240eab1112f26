import Hummingbird
public import KubeTypes
import NIOCore

/// What an operator reads besides the API, each guarded by RBAC as a nonResourceURL (the
/// bootstrap role `system:monitoring` may read both):
/// - `/metrics`: the process's metrics in the Prometheus text format (kube-apiserver's names);
/// - `/daas/v1/status`: a JSON summary for `daasctl status` (version, attestation, uptime, the
///   store, Seal), from the executable that composes the master.
/// An endpoint left nil answers 404.
public struct OperatorEndpoints: Sendable {
    /// The Prometheus text of the process's metrics.
    public var metrics: (@Sendable () -> String)?
    /// The master's status document.
    public var status: (@Sendable () async -> JSONValue)?

    /// The path of the status document.
    public static let statusPath = "/daas/v1/status"

    /// Endpoints serving `metrics` and `status` (nil: 404).
    public init(metrics: (@Sendable () -> String)? = nil, status: (@Sendable () async -> JSONValue)? = nil) {
        self.metrics = metrics
        self.status = status
    }

    /// The answer for `path`; `beforeMetrics` runs before a scrape (it records scrape-time gauges).
    func respond(path: String, beforeMetrics: () async -> Void) async -> Response? {
        if path == "/metrics", let metrics {
            await beforeMetrics()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: metrics())))
        }
        if path == Self.statusPath, let status {
            return APIResponse.json(await status())
        }
        return nil
    }
}
