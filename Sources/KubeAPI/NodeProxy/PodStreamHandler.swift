import Hummingbird
import NIOCore
import StreamTunnel

/// `pods/exec`, `pods/attach` and `pods/portforward`: validates kube's PodExecOptions,
/// PodAttachOptions and PodPortForwardOptions, then proxies the client's upgrade (SPDY/3.1 or
/// WebSocket) to the node agent's kubelet API (`/exec`, `/attach`, `/portForward`) byte for byte,
/// as kube-apiserver's connect REST does: the agent's answer, a `101` or a refusal, reaches the
/// client as it is.
struct PodStreamHandler: Sendable {
    let context: HandlerContext
    let nodes: NodeConnections

    /// The subresources served here.
    static let subresources: Set<String> = ["exec", "attach", "portforward"]

    /// Whether `path` (with or without a query) is a pod's exec, attach or portforward: the
    /// connections ``UpgradeTakeoverHandler`` takes over.
    static func isStreamPath(_ path: String) -> Bool {
        let parts = path.prefix { $0 != "?" }.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 8 && parts[0].isEmpty && parts[1] == "api" && parts[2] == "v1" && parts[3] == "namespaces" && parts[5] == "pods"
            && subresources.contains(String(parts[7]))
    }

    func connect(_ request: ResourceRequest, channel: (any Channel)?) async throws -> Response {
        guard let name = request.info.name, let namespace = request.namespace, let subresource = request.info.subresource else {
            throw APIError.pathNotFound
        }
        // kube 1.31+: a websocket GET needs the same `create` permission as a POST.
        if request.info.verb == "get" {
            let attributes = AuthorizationAttributes(
                verb: "create", apiGroup: "", resource: "pods", subresource: subresource, namespace: namespace, name: name)
            switch try await context.authorizer.authorize(request.user, attributes) {
            case .allow: break
            case .deny(let reason): throw RequestAuthorizer.forbidden(attributes, user: request.user, reason: reason)
            case .noOpinion: throw RequestAuthorizer.forbidden(attributes, user: request.user, reason: nil)
            }
        }
        let query = request.query
        let pod = try await context.objects.get(request.type, namespace: namespace, name: name)
        var path: String
        var parameters: [String] = []
        switch subresource {
        case "exec", "attach":
            let container = try NodeTarget.container(query["container"], of: pod, name: name)
            path = "/\(subresource)/\(namespace)/\(name)/\(container)"
            var streams = 0
            for (option, kubelet) in [("stdin", "input"), ("stdout", "output"), ("stderr", "error"), ("tty", "tty")] {
                guard try query.flag(option) ?? false else { continue }
                parameters.append(kubelet + "=1")
                if option != "tty" { streams += 1 }
            }
            if subresource == "exec" {
                let command = query.all("command")
                guard !command.isEmpty else { throw APIError.badRequest("you must specify at least 1 command") }
                parameters = command.map { "command=" + NodeTarget.queryEncoded($0) } + parameters
            }
            guard streams > 0 else { throw APIError.badRequest("you must specify at least one of stdin, stdout, stderr") }
        default:
            path = "/portForward/\(namespace)/\(name)"
            for text in query.all("ports") {
                guard let port = Int(text), (1...65535).contains(port) else {
                    throw APIError.badRequest("port \(APIError.quoted(String(text.prefix(64)))) must be an integer between 1 and 65535")
                }
                parameters.append("port=\(port)")
            }
        }
        if !parameters.isEmpty { path += "?" + parameters.joined(separator: "&") }
        guard UpgradeTunnel.isUpgradeRequest(request.http.head), let channel, await UpgradeTunnel.isTunnel(channel) else {
            throw APIError.badRequest("Upgrade request required")
        }
        let target = try await NodeTarget.of(pod, name: name, objects: context.objects)
        let upstream: UpgradeUpstream
        do {
            upstream = try await nodes.upgrade(
                target, method: request.http.method.rawValue, path: path, fields: UpgradeTunnel.upgradeFields(of: request.http.headers))
        } catch {
            throw APIError(code: 500, reason: "InternalError", message: "error dialing backend: \(error)")
        }
        return upstream.response(relaying: request.http.body)
    }
}

