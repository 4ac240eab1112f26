import CRI
import AsyncHTTPClient
import Foundation
import KubeInformers
public import KubeTypes
public import Logging
import Synchronization
public import ServiceLifecycle

/// The node agent's pod runner, as the kubelet: follows the pods bound to this node (a
/// ``SharedInformer`` over HTTPS), syncs each on a ``WorkQueue`` with a pool of workers (one
/// pod is never synced twice at once; a running pod is looked at again every
/// ``KubeletConfiguration/pollInterval``, a failed sync after a back-off), and removes sandboxes
/// whose pod is gone. Its ``runtimeState()`` feeds the node status.
public struct Kubelet: Service {
    let configuration: KubeletConfiguration
    let machine: NodeMachine
    let runtime: ContainerRuntime
    let credentials: @Sendable () async throws -> String
    let logger: Logger
    /// The kubelet API's bound port (0 until it listens) and whether shutdown began.
    private let server = ServerState()
    /// The conditions the eviction manager finds under pressure.
    private let pressure = NodePressure()

    final class ServerState: Sendable {
        let port = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
    }

    /// A kubelet for `configuration` on `machine`; `credentials` returns the node's bearer token.
    public init(configuration: KubeletConfiguration, machine: NodeMachine, credentials: @escaping @Sendable () async throws -> String, logger: Logger) throws(AgentError) {
        var configuration = configuration
        if configuration.resolvConf.isEmpty {
            configuration.resolvConf = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        }
        self.configuration = configuration
        self.machine = machine
        self.runtime = try ContainerRuntime(socketPath: configuration.runtimeSocket)
        self.credentials = credentials
        self.logger = logger
    }

    /// The node's and its containers' usage (the kubelet's `/stats/summary`): the machine from
    /// `/proc`, the data folder's filesystem, containers from CRI ListContainerStats.
    public func statsSummary() async -> StatsSummary? {
        await NodeStatsCollector(nodeName: configuration.nodeName, dataDirectory: configuration.dataDirectory, runtime: runtime).summary()
    }

    /// The runtime's readiness, version and images, from CRI Status, Version and ListImages.
    public func runtimeState() async -> NodeRuntimeState {
        do {
            let conditions = try await runtime.status()
            let version = try await runtime.version()
            let unready = conditions.filter { !$0.status }
            let images = (try? await runtime.listImages()) ?? []
            let message = unready.map { "\($0.type) is false: \($0.reason) \($0.message)" }.joined(separator: "; ")
            let found = Set(conditions.map(\.type))
            let missing = ["RuntimeReady", "NetworkReady"].filter { !found.contains($0) }
            var state = NodeRuntimeState(
                ready: unready.isEmpty && missing.isEmpty, message: missing.isEmpty ? message : "the runtime does not report \(missing.joined(separator: ", "))",
                version: "\(version.runtimeName)://\(version.runtimeVersion)",
                images: images.map { ($0.repoTags + $0.repoDigests, Int64(clamping: $0.size)) })
            state.kubeletPort = server.port.load(ordering: .relaxed)
            state.pressure = pressure.current
            return state
        } catch {
            var state = NodeRuntimeState(ready: false, message: "container runtime is down: \(error.message)", version: "", images: [])
            state.kubeletPort = server.port.load(ordering: .relaxed)
            return state
        }
    }

    public func run() async throws {
        let api = try APIConnection(server: configuration.apiServer, caCertificatePEM: configuration.caCertificatePEM, credentials: credentials)
        for folder in [configuration.podsDirectory, configuration.logDirectory] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        let node = configuration.nodeName.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-."))) ?? ""
        let informer = SharedInformer(source: APIListWatchSource(connection: api, path: "/api/v1/pods", query: "fieldSelector=spec.nodeName%3D" + node), logger: logger)
        let queue = WorkQueue<String>(baseDelay: .milliseconds(500), maxDelay: .seconds(60))
        informer.addHandler { event in
            switch event {
            case .added(let pod), .updated(_, let pod), .deleted(let pod): queue.add(SharedInformer.key(of: pod))
            }
        }
        let events = PodEvents(api: api, node: configuration.nodeName, logger: logger)
        let probeClient = ProbeRunner.makeHTTPClient()
        let probes = ProbeManager(runner: ProbeRunner(runtime: runtime, http: probeClient), events: events) { key in queue.add(key) }
        let sync = PodSync(
            runtime: runtime, api: api, records: PodRecords(), events: events, probes: probes, machine: machine, configuration: configuration, logger: logger)
        let runtime = self.runtime
        await withDiscardingTaskGroup { group in
            group.addTask {
                do {
                    try await runtime.run()
                } catch {
                    self.logger.error("the CRI client stopped", metadata: ["error": "\(error)"])
                }
            }
            group.addTask { await informer.run() }
            // The workers in a group of their own, so that shutdown can wait for the syncs in
            // flight (one may be creating a sandbox) before it removes the pods.
            let (workersDone, workersFinished) = AsyncStream.makeStream(of: Never.self)
            group.addTask {
                await withDiscardingTaskGroup { workers in
                    for _ in 0..<max(1, configuration.workers) {
                        workers.addTask { await self.work(queue: queue, informer: informer, sync: sync) }
                    }
                }
                workersFinished.finish()
            }
            group.addTask { await self.housekeep(informer: informer, sync: sync) }
            group.addTask { await self.relist(queue: queue) }
            group.addTask { await ImageGarbageCollector(runtime: runtime, policy: configuration.imageGC, logger: self.logger).run() }
            let eviction = EvictionManager(
                thresholds: configuration.evictionHard, period: configuration.evictionPeriod, runtime: runtime, api: api, events: events, pods: informer,
                dataDirectory: configuration.dataDirectory, pressure: pressure, logger: logger)
            group.addTask { await eviction.run() }
            if let path = configuration.staticPodPath {
                let staticPods = StaticPods(
                    directory: path, nodeName: configuration.nodeName, period: configuration.staticPodPeriod, api: api, pods: informer, logger: logger)
                group.addTask { await staticPods.run() }
            }
            group.addTask { await self.serve(api: api, informer: informer) }
            let server = self.server
            await withGracefulShutdownHandler {
                while !Task.isShuttingDownGracefully, !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(200))
                }
            } onGracefulShutdown: {
                server.stopping.store(true, ordering: .relaxed)
            }
            queue.shutDown()
            for await _ in workersDone {}
            if configuration.removePodsOnExit { await removeAll(sync: sync) }
            probes.shutdown()
            runtime.shutdown()
            group.cancelAll()
        }
        try? await probeClient.shutdown()
        await api.shutdown()
    }

    /// Obtains the serving certificate (retrying every 2 s while the master refuses for now or is
    /// unreachable), then serves the kubelet API until cancelled.
    private func serve(api: APIConnection, informer: SharedInformer) async {
        var identity: KubeletServingIdentity?
        while identity == nil, !Task.isCancelled {
            do {
                identity = try await KubeletServingIdentity.obtain(api: api, node: configuration.nodeName, directory: configuration.dataDirectory + "/pki")
            } catch {
                logger.notice("no kubelet serving certificate yet; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
        }
        guard let identity else { return }
        let state = server
        let kubeletAPI = KubeletAPI(
            runtime: runtime, pods: informer, metrics: configuration.metrics, summary: { await self.statsSummary() },
            stopping: { state.stopping.load(ordering: .relaxed) })
        let kubeletServer = KubeletServer(
            host: configuration.serverAddress, port: configuration.serverPort, identity: identity, caCertificatePEM: configuration.caCertificatePEM,
            api: kubeletAPI, logger: logger)
        do {
            try await kubeletServer.run { port in
                state.port.store(port, ordering: .relaxed)
                self.logger.info("kubelet API listening", metadata: ["port": "\(port)"])
            }
        } catch {
            logger.error("the kubelet API stopped", metadata: ["error": "\(error)"])
        }
    }

    private func work(queue: WorkQueue<String>, informer: SharedInformer, sync: PodSync) async {
        while let key = await queue.get() {
            defer { queue.done(key) }
            guard let pod = informer.get(key) else { continue }  // gone: housekeeping removes its sandbox
            do {
                if let delay = try await sync.sync(pod) {
                    queue.forget(key)
                    queue.add(key, after: delay)
                } else {
                    queue.forget(key)
                }
            } catch {
                logger.notice("pod sync failed; retrying", metadata: ["pod": "\(key)", "error": "\(error)"])
                queue.addRateLimited(key)
            }
        }
    }

    /// The kubelet's PLEG: one list of this agent's sandboxes and containers every
    /// ``KubeletConfiguration/pollInterval``; a pod whose sandbox or containers changed state
    /// (a container exited, a sandbox died) is queued for a sync. Running pods are not polled one
    /// by one (containerd 1.6 has no container events).
    private func relist(queue: WorkQueue<String>) async {
        var previous: [String: [String]] = [:]
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.pollInterval)
            guard let sandboxes = try? await runtime.listPodSandboxes(labels: [RuntimeLabels.managed: RuntimeLabels.managedValue]),
                let containers = try? await runtime.listContainers(labels: [RuntimeLabels.managed: RuntimeLabels.managedValue])
            else { continue }
            var current: [String: [String]] = [:]
            var keys: [String: String] = [:]
            for sandbox in sandboxes {
                current[sandbox.metadata.uid, default: []].append("s:\(sandbox.id):\(sandbox.state.rawValue)")
                keys[sandbox.metadata.uid] = "\(sandbox.metadata.namespace)/\(sandbox.metadata.name)"
            }
            for container in containers {
                guard let uid = container.labels[RuntimeLabels.podUID] else { continue }
                current[uid, default: []].append("c:\(container.id):\(container.state.rawValue)")
            }
            // A pod seen for the first time counts as changed too: a container that exits within
            // the relist period after its start was reported running by the sync that started it
            // and would otherwise never be looked at again.
            for (uid, states) in current where previous[uid]?.sorted() != states.sorted() {
                if let key = keys[uid] { queue.add(key) }
            }
            previous = current
        }
    }

    /// Every 5 s once the informer synced: stops and removes sandboxes this agent made whose pod
    /// (by uid) is no longer bound here, as the kubelet's pod cleanup does for orphans.
    private func housekeep(informer: SharedInformer, sync: PodSync) async {
        await informer.waitForSync()
        while !Task.isCancelled {
            let wanted = Set(informer.list().compactMap { $0[path: ["metadata", "uid"]]?.stringValue })
            if let sandboxes = try? await runtime.listPodSandboxes(labels: [RuntimeLabels.managed: RuntimeLabels.managedValue]) {
                let orphans = Dictionary(grouping: sandboxes.filter { !wanted.contains($0.metadata.uid) }, by: { $0.metadata.uid })
                for (uid, owned) in orphans {
                    await remove(uid: uid, sandboxes: owned, sync: sync)
                }
            }
            try? await Task.sleep(for: .seconds(5))
        }
    }

    private func remove(uid: String, sandboxes: [Runtime_V1_PodSandbox], sync: PodSync) async {
        guard let first = sandboxes.first else { return }
        let pod: JSONValue = [
            "metadata": ["uid": .string(uid), "name": .string(first.metadata.name), "namespace": .string(first.metadata.namespace), "deletionGracePeriodSeconds": 2]
        ]
        let containers = ((try? await runtime.listContainers()) ?? []).filter { $0.labels[RuntimeLabels.podUID] == uid }
        do {
            try await sync.terminate(pod, sandboxes: sandboxes, containers: containers, reason: "orphaned")
            logger.info("removed the sandbox of a pod no longer bound here", metadata: ["pod": "\(first.metadata.namespace)/\(first.metadata.name)"])
        } catch {
            logger.notice("cannot remove an orphaned sandbox", metadata: ["pod": "\(first.metadata.namespace)/\(first.metadata.name)", "error": "\(error)"])
        }
    }

    /// Stops and removes every sandbox this agent made (on exit, with a managed containerd).
    private func removeAll(sync: PodSync) async {
        guard let sandboxes = try? await runtime.listPodSandboxes(labels: [RuntimeLabels.managed: RuntimeLabels.managedValue]) else { return }
        await withDiscardingTaskGroup { group in
            for (uid, owned) in Dictionary(grouping: sandboxes, by: { $0.metadata.uid }) {
                group.addTask { await self.remove(uid: uid, sandboxes: owned, sync: sync) }
            }
        }
    }
}
