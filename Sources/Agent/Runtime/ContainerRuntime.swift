import CRI
import Metrics
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

/// The node's container runtime, over CRI (gRPC `runtime.v1` on a Unix socket, as containerd 1.6
/// serves it). Every call has a deadline; a failed call throws ``AgentError`` with code
/// ``AgentError/Code-swift.struct/runtime`` and the runtime's message.
///
/// The connection runs inside ``run()``: call it in a task of the owning service before any call.
final class ContainerRuntime: Sendable {
    /// Connections to the runtime, used in turn. containerd's gRPC server (grpc-go) pings on every
    /// request it reads while none is outstanding (its bandwidth estimator), and SwiftNIO's HTTP/2
    /// closes a connection whose peer sends more than 200 PING frames in 30 s (its flood guard,
    /// not configurable through grpc-swift): spread over several connections, a busy node stays
    /// far below that.
    private let clients: [GRPCClient<HTTP2ClientTransport.Posix>]
    private let next = Atomic<Int>(0)
    /// The socket path (for messages).
    let socketPath: String

    /// How many connections a runtime client keeps. Default 8.
    static let connections = 8

    /// A runtime client for the CRI socket at `socketPath` (connections open lazily).
    init(socketPath: String) throws(AgentError) {
        self.socketPath = socketPath
        do {
            var config = HTTP2ClientTransport.Posix.Config.defaults
            config.connection.maxIdleTime = nil
            clients = try (0..<Self.connections).map { _ in
                GRPCClient(transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext, config: config))
            }
        } catch {
            throw AgentError(.runtime, "cannot open a CRI client on \(socketPath): \(error)")
        }
    }

    /// Runs the clients' connections until ``shutdown()``.
    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for client in clients { group.addTask { try await client.runConnections() } }
        }
    }

    /// Closes the connections; calls in flight finish.
    func shutdown() { for client in clients { client.beginGracefulShutdown() } }

    private var client: GRPCClient<HTTP2ClientTransport.Posix> {
        clients[next.wrappingAdd(1, ordering: .relaxed).oldValue % clients.count]
    }
    private var runtime: Runtime_V1_RuntimeService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
    private var images: Runtime_V1_ImageService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }

    /// Call options with a deadline: `seconds` (default 30 s; pulls and stops pass their own).
    /// A call made while containerd is (re)starting waits for the socket within that deadline.
    private static func options(_ seconds: Int = 30) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = .seconds(seconds)
        options.waitForReady = true
        return options
    }

    /// Runs `call`, turning any failure into an ``AgentError`` naming `what`. A call CRI defines as
    /// idempotent (reads, stops, removes) is tried once more when its stream was cut
    /// (`unavailable`: the connection to containerd dropped under it).
    ///
    /// Each call is counted and timed as kubelet's `kubelet_runtime_operations_*` metrics, with
    /// `operation_type` the CRI method in snake case (`run_pod_sandbox`, `pull_image`).
    private func calling<Result>(
        _ what: String, operation: String? = nil, idempotent: Bool = false, _ call: () async throws -> Result
    ) async throws(AgentError) -> Result {
        let dimensions = [("operation_type", operation ?? Self.operationType(what))]
        let started = ContinuousClock.now
        Counter(label: "kubelet_runtime_operations_total", dimensions: dimensions).increment()
        defer { Metrics.Timer(label: "kubelet_runtime_operations_duration_seconds", dimensions: dimensions).record(duration: ContinuousClock.now - started) }
        var attempts = idempotent ? 2 : 1
        while true {
            attempts -= 1
            do {
                return try await call()
            } catch let error as RPCError {
                if error.code == .unavailable, attempts > 0 {
                    try? await Task.sleep(for: .milliseconds(200))  // lets the connection come back
                    continue
                }
                Counter(label: "kubelet_runtime_operations_errors_total", dimensions: dimensions).increment()
                throw AgentError(.runtime, "\(what): \(error.message.prefix(500))")
            } catch {
                Counter(label: "kubelet_runtime_operations_errors_total", dimensions: dimensions).increment()
                throw AgentError(.runtime, "\(what): \(error)")
            }
        }
    }

    /// `CRI RunPodSandbox` → `run_pod_sandbox`.
    static func operationType(_ what: String) -> String {
        var name = ""
        for character in what.hasPrefix("CRI ") ? what.dropFirst(4) : what[...] {
            if character.isUppercase, !name.isEmpty { name.append("_") }
            if character == " " { break }
            name.append(Character(character.lowercased()))
        }
        return name
    }

    // MARK: Runtime

    /// The runtime's name and version (`containerd`, `1.6.20~ds1`).
    func version() async throws(AgentError) -> Runtime_V1_VersionResponse {
        try await calling("CRI Version", idempotent: true) { try await runtime.version(.init(), options: Self.options(5)) }
    }

    /// The runtime's conditions (RuntimeReady, NetworkReady).
    func status() async throws(AgentError) -> [Runtime_V1_RuntimeCondition] {
        try await calling("CRI Status", idempotent: true) { try await runtime.status(.init(), options: Self.options(5)).status.conditions }
    }

    /// Starts a sandbox and returns its id.
    func runPodSandbox(_ config: Runtime_V1_PodSandboxConfig) async throws(AgentError) -> String {
        var request = Runtime_V1_RunPodSandboxRequest()
        request.config = config
        return try await calling("CRI RunPodSandbox") { try await runtime.runPodSandbox(request, options: Self.options(120)).podSandboxID }
    }

    /// Stops a sandbox (its containers and network).
    func stopPodSandbox(_ id: String) async throws(AgentError) {
        var request = Runtime_V1_StopPodSandboxRequest()
        request.podSandboxID = id
        _ = try await calling("CRI StopPodSandbox", idempotent: true) { try await runtime.stopPodSandbox(request, options: Self.options(60)) }
    }

    /// Removes a stopped sandbox and its containers.
    func removePodSandbox(_ id: String) async throws(AgentError) {
        var request = Runtime_V1_RemovePodSandboxRequest()
        request.podSandboxID = id
        _ = try await calling("CRI RemovePodSandbox", idempotent: true) { try await runtime.removePodSandbox(request, options: Self.options(60)) }
    }

    /// A sandbox's state and IP.
    func podSandboxStatus(_ id: String) async throws(AgentError) -> Runtime_V1_PodSandboxStatus {
        var request = Runtime_V1_PodSandboxStatusRequest()
        request.podSandboxID = id
        return try await calling("CRI PodSandboxStatus", idempotent: true) { try await runtime.podSandboxStatus(request, options: Self.options()).status }
    }

    /// Every sandbox (filtered by `labels` when given).
    func listPodSandboxes(labels: [String: String] = [:]) async throws(AgentError) -> [Runtime_V1_PodSandbox] {
        var request = Runtime_V1_ListPodSandboxRequest()
        if !labels.isEmpty { request.filter.labelSelector = labels }
        return try await calling("CRI ListPodSandbox", idempotent: true) { try await runtime.listPodSandbox(request, options: Self.options()).items }
    }

    /// Creates a container in a sandbox and returns its id.
    func createContainer(
        sandbox: String, config: Runtime_V1_ContainerConfig, sandboxConfig: Runtime_V1_PodSandboxConfig
    ) async throws(AgentError) -> String {
        var request = Runtime_V1_CreateContainerRequest()
        request.podSandboxID = sandbox
        request.config = config
        request.sandboxConfig = sandboxConfig
        return try await calling("CRI CreateContainer") { try await runtime.createContainer(request, options: Self.options(60)).containerID }
    }

    /// Starts a created container.
    func startContainer(_ id: String) async throws(AgentError) {
        var request = Runtime_V1_StartContainerRequest()
        request.containerID = id
        _ = try await calling("CRI StartContainer") { try await runtime.startContainer(request, options: Self.options(60)) }
    }

    /// Stops a container: SIGTERM (or the image's stop signal), SIGKILL after `timeout` seconds.
    func stopContainer(_ id: String, timeout: Int64) async throws(AgentError) {
        var request = Runtime_V1_StopContainerRequest()
        request.containerID = id
        request.timeout = timeout
        let deadline = Int(clamping: min(timeout, 86_400)) + 30
        _ = try await calling("CRI StopContainer", idempotent: true) { try await runtime.stopContainer(request, options: Self.options(deadline)) }
    }

    /// Removes a container (stopping it first if it runs).
    func removeContainer(_ id: String) async throws(AgentError) {
        var request = Runtime_V1_RemoveContainerRequest()
        request.containerID = id
        _ = try await calling("CRI RemoveContainer", idempotent: true) { try await runtime.removeContainer(request, options: Self.options(60)) }
    }

    /// The containers of a sandbox (every sandbox when nil), with `labels` when given (the
    /// runtime filters: a pod's sync reads only its own containers).
    func listContainers(sandbox: String? = nil, labels: [String: String] = [:]) async throws(AgentError) -> [Runtime_V1_Container] {
        var request = Runtime_V1_ListContainersRequest()
        if let sandbox { request.filter.podSandboxID = sandbox }
        if !labels.isEmpty { request.filter.labelSelector = labels }
        return try await calling("CRI ListContainers", idempotent: true) { try await runtime.listContainers(request, options: Self.options()).containers }
    }

    /// CPU and memory of every running container this agent manages (CRI ListContainerStats).
    func listContainerStats() async throws(AgentError) -> [Runtime_V1_ContainerStats] {
        var request = Runtime_V1_ListContainerStatsRequest()
        request.filter.labelSelector = [RuntimeLabels.managed: RuntimeLabels.managedValue]
        return try await calling("CRI ListContainerStats", idempotent: true) { try await runtime.listContainerStats(request, options: Self.options()).stats }
    }

    /// One container's state, exit code, reason and timestamps (nanoseconds).
    func containerStatus(_ id: String) async throws(AgentError) -> Runtime_V1_ContainerStatus {
        var request = Runtime_V1_ContainerStatusRequest()
        request.containerID = id
        return try await calling("CRI ContainerStatus", idempotent: true) { try await runtime.containerStatus(request, options: Self.options()).status }
    }

    /// Runs `command` in a container and returns its output and exit code (probes).
    func execSync(_ id: String, command: [String], timeout: Int64) async throws(AgentError) -> Runtime_V1_ExecSyncResponse {
        var request = Runtime_V1_ExecSyncRequest()
        request.containerID = id
        request.cmd = command
        request.timeout = timeout
        let deadline = Int(clamping: min(timeout, 3_600)) + 10
        return try await calling("CRI ExecSync") { try await runtime.execSync(request, options: Self.options(deadline)) }
    }

    /// A streaming exec in a container: the URL of the runtime's stream server to upgrade on.
    func exec(_ id: String, command: [String], stdin: Bool, stdout: Bool, stderr: Bool, tty: Bool) async throws(AgentError) -> String {
        var request = Runtime_V1_ExecRequest()
        request.containerID = id
        request.cmd = command
        (request.stdin, request.stdout, request.stderr, request.tty) = (stdin, stdout, stderr, tty)
        return try await calling("CRI Exec") { try await runtime.exec(request, options: Self.options()).url }
    }

    /// An attach to a container's main process: the URL of the runtime's stream server.
    func attach(_ id: String, stdin: Bool, stdout: Bool, stderr: Bool, tty: Bool) async throws(AgentError) -> String {
        var request = Runtime_V1_AttachRequest()
        request.containerID = id
        (request.stdin, request.stdout, request.stderr, request.tty) = (stdin, stdout, stderr, tty)
        return try await calling("CRI Attach") { try await runtime.attach(request, options: Self.options()).url }
    }

    /// A port-forward into a sandbox's network namespace: the URL of the runtime's stream server.
    func portForward(_ sandbox: String, ports: [Int32]) async throws(AgentError) -> String {
        var request = Runtime_V1_PortForwardRequest()
        request.podSandboxID = sandbox
        request.port = ports
        return try await calling("CRI PortForward") { try await runtime.portForward(request, options: Self.options()).url }
    }

    // MARK: Images

    /// The image's id (config digest) when present, nil when not.
    func imageStatus(_ image: String) async throws(AgentError) -> Runtime_V1_Image? {
        var request = Runtime_V1_ImageStatusRequest()
        request.image.image = image
        let response = try await calling("CRI ImageStatus", idempotent: true) { try await images.imageStatus(request, options: Self.options()) }
        return response.hasImage && !response.image.id.isEmpty ? response.image : nil
    }

    /// Pulls an image (with registry credentials when given) and returns its reference.
    func pullImage(_ image: String, auth: Runtime_V1_AuthConfig?, sandboxConfig: Runtime_V1_PodSandboxConfig) async throws(AgentError) -> String {
        var request = Runtime_V1_PullImageRequest()
        request.image.image = image
        if let auth { request.auth = auth }
        request.sandboxConfig = sandboxConfig
        return try await calling("failed to pull image \"\(image)\"", operation: "pull_image") { try await images.pullImage(request, options: Self.options(600)).imageRef }
    }

    /// Every image the runtime holds.
    func listImages() async throws(AgentError) -> [Runtime_V1_Image] {
        try await calling("CRI ListImages", idempotent: true) { try await images.listImages(.init(), options: Self.options()).images }
    }

    /// Removes an image (by id); removing one already gone succeeds, as CRI defines.
    func removeImage(_ id: String) async throws(AgentError) {
        var request = Runtime_V1_RemoveImageRequest()
        request.image.image = id
        _ = try await calling("CRI RemoveImage", idempotent: true) { try await images.removeImage(request, options: Self.options()) }
    }

    /// Where the runtime keeps images (mount points) and how many bytes they use.
    func imageFilesystems() async throws(AgentError) -> [Runtime_V1_FilesystemUsage] {
        try await calling("CRI ImageFsInfo", idempotent: true) { try await images.imageFsInfo(.init(), options: Self.options()).imageFilesystems }
    }
}
