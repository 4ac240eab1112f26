import CRI
import Hummingbird
import KubeInformers
import KubeTypes
import NIOCore
import StreamTunnel

/// The kubelet API's streaming endpoints, as kubelet serves them to the API server:
/// `/exec/{namespace}/{pod}/{container}?command=…&input=1&output=1&error=1&tty=1`,
/// `/attach/{namespace}/{pod}/{container}` and `/portForward/{namespace}/{pod}?port=…`. Each asks
/// the runtime for a stream (CRI Exec, Attach, PortForward) and proxies the client's upgrade to
/// the URL the runtime returns (containerd's stream server on loopback) byte for byte, so
/// SPDY/3.1 and WebSocket (`v4.channel.k8s.io`) both work as the runtime speaks them.
extension KubeletAPI {
    /// Whether `path` (with or without a query) is a streaming endpoint: the connections
    /// ``UpgradeTakeoverHandler`` takes over.
    static func isStreamPath(_ path: String) -> Bool {
        let parts = path.prefix { $0 != "?" }.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.first?.isEmpty == true, parts.count >= 2 else { return false }
        switch parts[1] {
        case "exec", "attach": return parts.count == 5
        case "portForward": return parts.count == 4
        default: return false
        }
    }

    /// Serves a streaming endpoint; `parts` are the path's segments after the leading slash.
    func stream(_ request: Request, parts: [String], channel: any Channel) async -> Response {
        guard UpgradeTunnel.isUpgradeRequest(request.head), await UpgradeTunnel.isTunnel(channel) else {
            return Self.status(400, "BadRequest", "Upgrade request required")
        }
        let (namespace, name) = (parts[1], parts[2])
        guard let pod = pods.get("\(namespace)/\(name)"), let uid = pod[path: ["metadata", "uid"]]?.stringValue else {
            return Self.status(404, "NotFound", "pod \"\(name)\" not found on this node")
        }
        let query = request.uri.queryParameters
        func flag(_ name: String) -> Bool { Self.flag(query, name) }
        // As the kubelet: a terminal merges its error output into its output.
        let stderr = flag("error") && !flag("tty")
        let url: String
        do {
            switch parts[0] {
            case "exec", "attach":
                let container = parts[3]
                let running = try await runtime.listContainers(labels: [RuntimeLabels.podUID: uid]).attempts(of: container).first {
                    $0.state == .containerRunning
                }
                guard let running else { return Self.status(404, "NotFound", "container not found (\"\(container)\")") }
                if parts[0] == "exec" {
                    let command = query.getAll("command").map { String($0) }
                    guard !command.isEmpty else { return Self.status(400, "BadRequest", "you must specify at least 1 command") }
                    url = try await runtime.exec(
                        running.id, command: command, stdin: flag("input"), stdout: flag("output"), stderr: stderr, tty: flag("tty"))
                } else {
                    url = try await runtime.attach(running.id, stdin: flag("input"), stdout: flag("output"), stderr: stderr, tty: flag("tty"))
                }
            default:
                let ready = try await runtime.listPodSandboxes(labels: [RuntimeLabels.podUID: uid]).first { $0.state == .sandboxReady }
                guard let ready else { return Self.status(404, "NotFound", "pod \"\(name)\" has no running sandbox") }
                var ports: [Int32] = []
                for text in query.getAll("port") {
                    guard let port = Int32(text), (1...65535).contains(port) else {
                        return Self.status(400, "BadRequest", "invalid port \(String(text.prefix(64)))")
                    }
                    ports.append(port)
                }
                url = try await runtime.portForward(ready.id, ports: ports)
            }
        } catch {
            return Self.status(500, "InternalError", error.message)
        }
        guard let endpoint = StreamEndpoint(url) else { return Self.status(500, "InternalError", "the runtime returned an unusable stream URL") }
        do {
            let upstream = try await UpgradeTunnel.dial(
                host: endpoint.host, port: endpoint.port, method: request.method.rawValue, target: endpoint.target,
                authority: "\(endpoint.host):\(endpoint.port)", fields: UpgradeTunnel.upgradeFields(of: request.headers))
            return upstream.response(relaying: request.body)
        } catch {
            return Self.status(500, "InternalError", "error reaching the runtime's stream server: \(error)")
        }
    }
}

/// A runtime's stream URL (`http://127.0.0.1:PORT/exec/TOKEN`): plain HTTP on a host and port.
package struct StreamEndpoint: Equatable {
    package var host: String
    package var port: Int
    package var target: String

    package init?(_ url: String) {
        guard url.hasPrefix("http://") else { return nil }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let target = rest.dropFirst(authority.count)
        guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        var host = authority[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, target.hasPrefix("/") else { return nil }
        self.host = String(host)
        self.port = port
        self.target = String(target)
    }
}
