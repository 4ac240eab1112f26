import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1

/// `nodes/<name>/proxy/<path>`: the request passed to the node agent's kubelet API at `<path>`
/// (`/healthz`, `/pods`, `/runningpods/`, `/containerLogs/...`), as kube-apiserver's node proxy
/// does, authorized as the `nodes/proxy` subresource. The answer comes back with its status,
/// content type and body.
struct NodeProxyHandler: Sendable {
    let context: HandlerContext
    let nodes: NodeConnections

    /// The largest request body passed on.
    static let maxRequestBytes = 3 << 20

    func proxy(_ request: ResourceRequest) async throws -> Response {
        guard let node = request.info.name else { throw APIError.pathNotFound }
        let target = try await NodeTarget.resolve(node, objects: context.objects)
        // The path after `.../nodes/<name>/proxy`, as the client wrote it (a trailing slash matters).
        let path = request.http.uri.path
        guard let marker = path.range(of: "/nodes/\(node)/proxy") else { throw APIError.pathNotFound }
        var rest = String(path[marker.upperBound...])
        if rest.isEmpty { rest = "/" }
        guard rest.hasPrefix("/") else { throw APIError.pathNotFound }
        let query = request.http.uri.query.map { "?" + $0 } ?? ""
        var outgoing = HTTPClientRequest(url: rest + query)
        outgoing.method = HTTPMethod(rawValue: request.http.method.rawValue)
        for name in ["Accept", "Content-Type"] {
            if let value = request.http.headers[.init(name)!] { outgoing.headers.add(name: name, value: value) }
        }
        if request.http.method != .get && request.http.method != .head {
            var http = request.http
            let body = try await http.collectBody(upTo: Self.maxRequestBytes)
            outgoing.body = .bytes(body)
        }
        let response: HTTPClientResponse
        do {
            response = try await nodes.execute(outgoing, on: target)
        } catch {
            throw APIError(code: 503, reason: "ServiceUnavailable", message: "error trying to reach service: \(error)")
        }
        var headers = HTTPFields()
        if let type = response.headers.first(name: "Content-Type") { headers[.contentType] = type }
        return Response(status: .init(code: Int(response.status.code)), headers: headers, body: NodeConnections.relay(response.body))
    }
}
