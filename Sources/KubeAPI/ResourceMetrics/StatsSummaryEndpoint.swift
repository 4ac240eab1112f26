import Foundation
import Hummingbird
import NIOCore

/// `POST /daas/v1/stats/summary`: where node agents send their stats summary (the kubelet's
/// Summary API shape, ``StatsSummary``) every report interval. Only a node may send one, only
/// for itself (`system:node:<name>` must match `node.nodeName`); the body is at most 4 MiB and
/// checked field by field before it reaches the ``ResourceUsageStore``.
struct StatsSummaryEndpoint: Sendable {
    static let path = "/daas/v1/stats/summary"
    static let maxBytes = 4 << 20
    let usage: ResourceUsageStore
    /// Where reports are shared with the other masters (nil: one master).
    var sharing: UsageReportSharing? = nil

    func receive(_ request: inout Request, user: UserInfo) async throws -> Response {
        guard request.method == .post else { throw APIError.methodNotAllowed(request.method.rawValue, "stats/summary") }
        guard let node = NodeAuthorizer.nodeName(of: user) else {
            throw APIError(code: 403, reason: "Forbidden", message: "only nodes may send a stats summary; \(user.name) is not a node")
        }
        let body = try await request.collectBody(upTo: Self.maxBytes)
        let summary: StatsSummary
        do {
            summary = try StatsSummary(json: try JSONParser(maxDepth: 16).parse(Array(body.readableBytesView)))
        } catch let error as KubeTypeError {
            throw APIError.badRequest(error.message)
        } catch {
            throw APIError.badRequest("the stats summary is not JSON")
        }
        guard summary.nodeName == node else {
            throw APIError(code: 403, reason: "Forbidden", message: "node \(node) may not send the stats summary of node \(summary.nodeName)")
        }
        guard usage.record(summary) else {
            throw APIError(code: 429, reason: "TooManyRequests", message: "the master holds the usage of as many nodes as it may", details: ["retryAfterSeconds": 60])
        }
        await sharing?.publish(summary)
        return Response(status: .noContent)
    }
}
