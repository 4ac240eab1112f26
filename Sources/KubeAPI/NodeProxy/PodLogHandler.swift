import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1

/// `GET /api/v1/namespaces/{ns}/pods/{name}/log`: validates kube's PodLogOptions (container,
/// follow, previous, timestamps, tailLines, sinceSeconds, sinceTime, limitBytes), then streams the
/// container's log from the node agent's `/containerLogs` (kubelet's API) through the API
/// server, as kube-apiserver's log REST does.
struct PodLogHandler: Sendable {
    let context: HandlerContext
    let nodes: NodeConnections

    /// The options the agent receives, as validated here.
    static let forwarded = ["follow", "previous", "timestamps", "tailLines", "sinceSeconds", "sinceTime", "limitBytes"]

    func log(_ request: ResourceRequest) async throws -> Response {
        guard let name = request.info.name, let namespace = request.namespace else { throw APIError.pathNotFound }
        let query = request.query
        try Self.validate(query)
        let pod = try await context.objects.get(request.type, namespace: namespace, name: name)
        let container = try NodeTarget.container(query["container"], of: pod, name: name)
        let target = try await NodeTarget.of(pod, name: name, objects: context.objects)
        let forwarded = Self.forwarded.compactMap { option in query[option].map { option + "=" + NodeTarget.queryEncoded($0) } }
        let path = "/containerLogs/\(namespace)/\(name)/\(container)" + (forwarded.isEmpty ? "" : "?" + forwarded.joined(separator: "&"))
        let response: HTTPClientResponse
        do {
            response = try await nodes.execute(HTTPClientRequest(url: path), on: target)
        } catch {
            throw APIError(code: 502, reason: "InternalError", message: "error dialing the node \(target.node) (\(target.address):\(target.port)): \(error)")
        }
        guard response.status == .ok else {
            // The agent answers refusals with a Status; pass its code and message on.
            let body = try await response.body.collect(upTo: 64 * 1024)
            let status = (try? JSONParser().parse(body.readableBytesView)) ?? [:]
            let message = status["message"]?.stringValue ?? String(buffer: body)
            throw APIError(
                code: Int(response.status.code), reason: status["reason"]?.stringValue ?? "InternalError", message: String(message.prefix(2048)))
        }
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: NodeConnections.relay(response.body))
    }

    /// kube's `ValidatePodLogOptions`: 400 for a value that does not parse, 422 for one out of range.
    static func validate(_ query: QueryParameters) throws {
        for flag in ["follow", "previous", "timestamps", "insecureSkipTLSVerifyBackend"] {
            _ = try query.flag(flag)
        }
        var causes: [APIError.Cause] = []
        func integer(_ name: String) throws -> Int64? {
            guard let text = query[name] else { return nil }
            guard let value = Int64(text) else { throw APIError.badRequest("strconv.ParseInt: parsing \(APIError.quoted(text)): invalid syntax") }
            return value
        }
        if let tail = try integer("tailLines"), tail < 0 {
            causes.append(.init(field: "tailLines", message: "Invalid value: \(tail): must be greater than or equal to 0"))
        }
        if let limit = try integer("limitBytes"), limit < 1 {
            causes.append(.init(field: "limitBytes", message: "Invalid value: \(limit): must be greater than 0"))
        }
        if let since = try integer("sinceSeconds"), since < 1 {
            causes.append(.init(field: "sinceSeconds", message: "Invalid value: \(since): must be greater than 0"))
        }
        if let time = query["sinceTime"], ISO8601DateFormatter().date(from: time) == nil {
            throw APIError.badRequest("parsing time \(APIError.quoted(time)) as \"2006-01-02T15:04:05Z07:00\": cannot parse")
        }
        if query["sinceTime"] != nil, query["sinceSeconds"] != nil {
            causes.append(.init(field: "", type: "FieldValueForbidden", message: "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"))
        }
        if !causes.isEmpty {
            throw APIError.invalid("PodLogOptions \"\"", causes: causes, details: ["kind": "PodLogOptions"])
        }
    }
}
