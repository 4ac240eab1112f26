import CRI
import Foundation
import Hummingbird
import Metrics
import KubeInformers
import KubeTypes
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// The kubelet API the master calls (`/containerLogs`, `/healthz`, `/pods`, `/runningpods/`, and the streams of
/// ``KubeletAPI/stream(_:parts:channel:)``: exec, attach, port-forward), for one client only: the
/// API server's kubelet-client certificate (the TLS layer verified its chain to the cluster CA;
/// here its common name is checked). Refusals are `Status` objects, which the master passes on.
struct KubeletAPI: HTTPResponder {
    typealias Context = KubeletRequestContext

    /// The common name of the only client allowed (the master's kubelet-client certificate).
    static let clientName = "kube-apiserver-kubelet-client"

    let runtime: ContainerRuntime
    let pods: SharedInformer
    /// The process's metrics in the Prometheus text format (nil: `/metrics` is 404).
    let metrics: (@Sendable () -> String)?
    /// The node's stats summary (`/stats/summary`).
    let summary: @Sendable () async -> StatsSummary?
    /// Whether the server is shutting down (log follows end).
    let stopping: @Sendable () -> Bool

    func respond(to request: Request, context: KubeletRequestContext) async throws -> Response {
        guard await Self.isMaster(context.channel) else {
            return Self.status(403, "Forbidden", "only the API server's kubelet-client certificate may call the kubelet API")
        }
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if Self.isStreamPath(request.uri.path) {
            guard request.method == .get || request.method == .post else { return Self.status(405, "MethodNotAllowed", "streams take GET or POST") }
            return await stream(request, parts: parts, channel: context.channel)
        }
        if parts.first == "localPathVolumes", parts.count == 1 {
            guard request.method == .delete else { return Self.status(405, "MethodNotAllowed", "local-path volumes take DELETE") }
            return await LocalPathTeardown.respond(request)
        }
        guard request.method == .get else { return Self.status(405, "MethodNotAllowed", "the kubelet API takes GET here") }
        switch parts.first {
        case "healthz":
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        case "metrics" where parts.count == 1:
            guard let metrics else { return Self.status(404, "NotFound", "the server could not find the requested resource") }
            await recordRunningGauges()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: metrics())))
        case "metrics" where parts.count == 2 && parts[1] == "resource":
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: ResourceMetricsExposition.text(await summary()))))
        case "stats" where parts.count == 2 && parts[1] == "summary":
            guard let summary = await summary() else { return Self.status(503, "ServiceUnavailable", "the node's usage cannot be read") }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: summary.json.serialized())))
        case "pods" where parts.count == 1 || (parts.count == 2 && parts[1].isEmpty):
            return Self.podList(pods.list().sorted { SharedInformer.key(of: $0) < SharedInformer.key(of: $1) })
        case "runningpods" where parts.count == 1 || (parts.count == 2 && parts[1].isEmpty):
            return await runningPods()
        case "containerLogs" where parts.count == 4:
            return await containerLogs(namespace: parts[1], pod: parts[2], container: parts[3], query: request.uri.queryParameters)
        default:
            return Self.status(404, "NotFound", "the server could not find the requested resource")
        }
    }

    /// `kubelet_running_pods` (ready sandboxes) and `kubelet_running_containers` by state, read
    /// from the runtime at scrape time.
    private func recordRunningGauges() async {
        if let sandboxes = try? await runtime.listPodSandboxes() {
            Gauge(label: "kubelet_running_pods").record(sandboxes.filter { $0.state == .sandboxReady }.count)
        }
        guard let containers = try? await runtime.listContainers() else { return }
        let states: [(Runtime_V1_ContainerState, String)] = [(.containerCreated, "created"), (.containerRunning, "running"), (.containerExited, "exited"), (.containerUnknown, "unknown")]
        for (state, label) in states {
            Gauge(label: "kubelet_running_containers", dimensions: [("container_state", label)]).record(containers.filter { $0.state == state }.count)
        }
    }

    private static func isMaster(_ channel: any Channel) async -> Bool {
        guard let peer = try? await channel.nioSSL_peerCertificate().get(), let certificate = try? Certificate(derEncoded: peer.toDERBytes()) else { return false }
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if String(describing: attribute.value) == clientName { return true }
            }
        }
        return false
    }

    /// Whether the query sets `name` to `true` or `1` (the master has validated the values).
    static func flag(_ query: Parameters, _ name: String) -> Bool {
        ["true", "1"].contains(query[name[...]].map(String.init) ?? "")
    }

    /// A `PodList` as the kubelet answers `/pods` and `/runningpods/`.
    static func podList(_ items: [JSONValue]) -> Response {
        let list: JSONValue = ["kind": "PodList", "apiVersion": "v1", "metadata": [:], "items": .array(items)]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: list.serialized())))
    }

    /// `/runningpods/`: the pods the runtime runs (ready sandboxes and their running containers),
    /// as the kubelet builds them from the runtime rather than from the API.
    private func runningPods() async -> Response {
        let sandboxes: [Runtime_V1_PodSandbox]
        let containers: [Runtime_V1_Container]
        do {
            sandboxes = try await runtime.listPodSandboxes(labels: [RuntimeLabels.managed: RuntimeLabels.managedValue]).filter { $0.state == .sandboxReady }
            containers = try await runtime.listContainers(labels: [RuntimeLabels.managed: RuntimeLabels.managedValue]).filter { $0.state == .containerRunning }
        } catch {
            return Self.status(500, "InternalError", error.message)
        }
        let items: [JSONValue] = sandboxes.sorted { ($0.metadata.namespace, $0.metadata.name) < ($1.metadata.namespace, $1.metadata.name) }.map { sandbox in
            let running = containers.filter { $0.podSandboxID == sandbox.id }.sorted { $0.metadata.name < $1.metadata.name }
            return [
                "metadata": ["name": .string(sandbox.metadata.name), "namespace": .string(sandbox.metadata.namespace), "uid": .string(sandbox.metadata.uid)],
                "spec": ["containers": .array(running.map { ["name": .string($0.metadata.name), "image": .string($0.image.image)] })],
                "status": [:],
            ]
        }
        return Self.podList(items)
    }

    static func status(_ code: Int, _ reason: String, _ message: String) -> Response {
        let body: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "status": .string(code < 400 ? "Success" : "Failure"), "message": .string(message), "reason": .string(reason),
            "code": .integer(Int64(code)),
        ]
        return Response(
            status: .init(code: code), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }

    /// `/containerLogs/{namespace}/{pod}/{container}` with kube's PodLogOptions in the query.
    private func containerLogs(namespace: String, pod name: String, container: String, query: Parameters) async -> Response {
        guard let pod = pods.get("\(namespace)/\(name)"), let uid = pod[path: ["metadata", "uid"]]?.stringValue else {
            return Self.status(404, "NotFound", "pod \"\(name)\" not found on this node")
        }
        var options = ContainerLogs.Options()
        func value(_ name: String) -> String? { query[name[...]].map(String.init) }
        func flag(_ name: String) -> Bool { Self.flag(query, name) }
        func integer(_ name: String) -> Int? { value(name).flatMap { Int($0) } }
        options.follow = flag("follow")
        options.timestamps = flag("timestamps")
        options.tailLines = integer("tailLines").map { max(0, $0) }
        options.limitBytes = integer("limitBytes").map { max(1, $0) }
        if let seconds = integer("sinceSeconds"), seconds > 0 {
            options.since = Date().timeIntervalSince1970 - Double(seconds)
        } else if let time = value("sinceTime"), let date = ISO8601DateFormatter().date(from: time) {
            options.since = date.timeIntervalSince1970
        }
        let previous = flag("previous")
        let all: [Runtime_V1_Container]
        do {
            all = try await runtime.listContainers(labels: [RuntimeLabels.podUID: uid])
        } catch {
            return Self.status(500, "InternalError", error.message)
        }
        let attempts = all.attempts(of: container)
        guard let chosen = previous ? attempts.dropFirst().first : attempts.first else {
            if previous { return Self.status(400, "BadRequest", "previous terminated container \"\(container)\" in pod \"\(name)\" not found") }
            let statuses = (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []) + (pod[path: ["status", "initContainerStatuses"]]?.arrayValue ?? [])
            let reason = statuses.first { $0["name"]?.stringValue == container }?[path: ["state", "waiting", "reason"]]?.stringValue ?? "ContainerCreating"
            return Self.status(400, "BadRequest", "container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
        }
        let status: Runtime_V1_ContainerStatus
        do {
            status = try await runtime.containerStatus(chosen.id)
        } catch {
            return Self.status(500, "InternalError", error.message)
        }
        let runtime = self.runtime, stopping = self.stopping, id = chosen.id, chosenOptions = options
        let path = status.logPath
        return Response(
            status: .ok, headers: [.contentType: "text/plain"],
            body: ResponseBody { writer in
                try await ContainerLogs.stream(
                    path: path, options: chosenOptions,
                    running: { (try? await runtime.containerStatus(id))?.state == .containerRunning },
                    stopping: stopping,
                    write: { bytes in try await writer.write(ByteBuffer(bytes: bytes)) })
                try await writer.finish(nil)
            })
    }
}
