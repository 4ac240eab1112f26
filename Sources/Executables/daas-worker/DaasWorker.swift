import Agent
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import SealAuth
import ServiceLifecycle
import SuiClient
import TEEAttest
import UnixSignals

/// `daas-worker`: the node agent. It trusts a master only after verifying its attestation (fresh
/// nonce, root, PCRs, TLS key and CA binding), then authenticates with node Seal tokens, registers
/// its Node and renews its Lease until SIGTERM/SIGINT. With a container runtime
/// (`--containerd-socket`, or `--manage-containerd` to start one of its own) it runs the pods
/// bound to it in containers through CRI; without one it only registers and heartbeats.
@main
struct DaasWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daas-worker",
        abstract: "K3s-DaaS node agent: attested join, node Seal tokens, Node registration, Lease heartbeats, and pods in containers through containerd's CRI.")

    @Option(name: .customLong("master"), help: "A master URL, e.g. https://127.0.0.1:6443; repeat it (or separate with commas) for highly available masters: the worker verifies each reachable one's attestation and reaches them through a local load balancer that moves to the next when one fails.")
    var masters: [String]
    @Option(help: "Trusted attestation root (PEM). Default: the AWS Nitro Enclaves Root-G1 (which needs --pcr 0=HEX).") var root: String?
    @Option(name: .customLong("pcr"), help: "An expected PCR of the master as N=HEX; repeatable.") var pcrs: [String] = []
    @Option(help: "The cluster id the master must attest.") var clusterID: String?
    @Option(name: .customLong("ca-sha256"), help: "SHA-256 (hex) of the cluster CA's DER the master must attest.") var caSHA256: String?
    @Option(help: "This node's name. Default: the host name.") var nodeName: String?
    @Option(help: "The Sui keystore holding the node's key. Default: $DAAS_KEYSTORE, else ~/.daas/sui.keystore.") var keystore: String?
    @Option(help: "The address of the key to use. Default: the keystore's first key.") var address: String?
    @Option(help: "Lifetime of each node token, in seconds (the master accepts at most 24 h by default).") var tokenLifetime: Int64 = 3_600
    @Option(help: "Seconds between Lease renewals.") var heartbeatInterval: Int = 10
    @Option(help: "Seconds between the node's usage reports to the master (for kubectl top); checked at each heartbeat.") var statsInterval: Double = 15
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "The CRI socket of a containerd to run pods with (e.g. /run/containerd/containerd.sock).") var containerdSocket: String?
    @Flag(help: "Start a containerd of this worker's own (config, root, state and socket under --data-dir) and stop it on exit; pods are removed on exit.")
    var manageContainerd = false
    @Option(help: "The worker's data folder (pod volumes, container logs, a managed containerd). Default: ~/.daas/worker-<node-name>.") var dataDir: String?
    @Option(name: .customLong("registry-mirror"), help: "A registry mirror of the managed containerd, HOST=URL (e.g. docker.io=http://127.0.0.1:5000); repeatable.")
    var registryMirrors: [String] = []
    @Option(help: "The pod subnet of the managed containerd's bridge (IPv4 CIDR). Default: the node's spec.podCIDR, allocated by the master.") var podSubnet: String?
    @Option(help: "The cluster's pod network (node podCIDRs come from it; pods' other traffic is masqueraded).") var clusterCIDR = "10.42.0.0/16"
    @Option(help: "The cluster DNS address pods with dnsPolicy ClusterFirst use (the kube-dns Service).") var clusterDNS = "10.43.0.10"
    @Option(help: "The cluster domain.") var clusterDomain = "cluster.local"
    @Option(help: "The port of this node's cluster DNS server (the kube-dns Service is redirected to it).") var clusterDNSPort = 10053
    @Flag(help: "Do not run the node network (routes to other nodes, Service rules, cluster DNS, NetworkPolicy).") var disableNodeNetwork = false
    @Option(help: "The port of the kubelet API (container logs for the master); 0 picks a free one.") var kubeletPort = 10250
    @Option(help: "The address this node reports as InternalIP. Default: its first non-loopback IPv4 address.") var nodeIP: String?
    @Option(help: "Image filesystem usage (percent) at which unused images are garbage collected; 100 turns it off.") var imageGCHighThreshold = 85
    @Option(help: "The usage (percent) image garbage collection frees down to.") var imageGCLowThreshold = 80
    @Option(help: "Seconds an unused image stays before it may be garbage collected.") var imageMinimumGCAge = 120
    @Option(help: "Seconds between image garbage collection checks.") var imageGCPeriod = 300
    @Option(help: "Hard eviction thresholds, SIGNAL<VALUE[,...] (memory.available, nodefs.available, nodefs.inodesFree, imagefs.available; a quantity or a percentage). Default: the kubelet's.")
    var evictionHard = "memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%"
    @Option(help: "Seconds between eviction checks.") var evictionPeriod = 10
    @Option(help: "A directory of static pod manifests (YAML or JSON), run on this node and shown as mirror pods.") var podManifestPath: String?
    @Option(help: "Seconds between reads of --pod-manifest-path.") var fileCheckFrequency = 20
    @Option(help: "Simulate N nodes named <node-name>-0 ... <node-name>-(N-1), each with its own node token; their pods run, finish and stop in simulation (like kwok).")
    var simulate: Int?
    @Option(help: "CPU of each simulated node.") var simulateCPU = "4"
    @Option(help: "Memory of each simulated node.") var simulateMemory = "8Gi"
    @Option(help: "Pods each simulated node accepts.") var simulatePods = "110"
    @Option(name: .customLong("simulate-label"), help: "A label of every simulated node, KEY=VALUE; repeatable.") var simulateLabels: [String] = []
    @Option(name: .customLong("simulate-taint"), help: "A taint of every simulated node, KEY=VALUE:EFFECT; repeatable.") var simulateTaints: [String] = []
    @Option(help: "Seconds a simulated pod that does not restart runs before it succeeds.") var simulateRunSeconds: Double = 1
    @Option(help: "A file naming (one per line) simulated nodes that stop heartbeating and acting, to simulate node loss.")
    var simulateStoppedFile: String?

    /// Flag checks that need nothing else (before the keystore and the master are touched).
    func validate() throws {
        var policy = ImageGCPolicy()
        policy.highThresholdPercent = imageGCHighThreshold
        policy.lowThresholdPercent = imageGCLowThreshold
        do {
            try policy.validate()
        } catch {
            throw ValidationError("--image-gc-high-threshold/--image-gc-low-threshold: \(error.message)")
        }
        guard imageMinimumGCAge >= 0, imageGCPeriod >= 1 else {
            throw ValidationError("--image-minimum-gc-age must be 0 or more and --image-gc-period at least 1")
        }
        do {
            _ = try EvictionThreshold.parse(evictionHard)
        } catch {
            throw ValidationError("--eviction-hard: \(error.message)")
        }
        guard evictionPeriod >= 1 else { throw ValidationError("--eviction-period must be at least 1") }
        guard statsInterval.isFinite, statsInterval >= 1, statsInterval <= 3600 else { throw ValidationError("--stats-interval must be between 1 and 3600 seconds") }
        guard fileCheckFrequency >= 1 else { throw ValidationError("--file-check-frequency must be at least 1") }
    }

    func run() async throws {
        var logger = Logger(label: "daas-worker")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let name = (nodeName ?? ProcessInfo.processInfo.hostName).lowercased()
        guard SealSubject("node:\(name)") != nil else { throw Failure("--node-name \(name) is not a valid node name (DNS-1123 subdomain)") }
        guard tokenLifetime > 60, heartbeatInterval > 0 else { throw Failure("--token-lifetime must exceed 60 s and --heartbeat-interval be positive") }
        let keyPair = try loadKey()

        // The join: nothing is sent to a master before its attestation verifies.
        let urls = APIServerLoadBalancer.servers(fromFlags: masters)
        guard !urls.isEmpty, urls.count <= 16 else { throw Failure("give between 1 and 16 --master URLs") }
        let attested = try await attestMasters(urls, logger: logger)
        let attestedCluster = attested.binding.clusterID
        logger.info("master attested", metadata: ["cluster": "\(attestedCluster)", "module": "\(attested.verified.moduleID)", "node": "\(name)"])
        // One master: straight to it. Several: through a local load balancer (as k3s's agents).
        var balancer: APIServerLoadBalancer?
        if urls.count > 1 {
            do {
                balancer = try await APIServerLoadBalancer(configuration: .init(servers: urls), logger: logger)
            } catch {
                throw Failure("\(error)")
            }
        }
        let master = balancer?.url ?? urls[0]

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var pool: APIClientPool?
        if let simulate {
            (services, pool) = try simulation(master: master, count: simulate, prefix: name, keyPair: keyPair, audience: attestedCluster, caPEM: attested.caCertificatePEM, logger: logger)
        } else {
            let tokens = NodeTokenSource(keyPair: keyPair, node: name, audience: attestedCluster, lifetime: tokenLifetime)
            var configuration = NodeAgentConfiguration(apiServer: master, caCertificatePEM: attested.caCertificatePEM, nodeName: name)
            configuration.renewInterval = .seconds(heartbeatInterval)
            services = try runtimeServices(master: master, node: name, caPEM: attested.caCertificatePEM, tokens: tokens, agent: &configuration, logger: logger)
            configuration.statsInterval = .milliseconds(Int64(statsInterval * 1000))
            let agent = NodeAgent(configuration: configuration, credentials: { try await tokens.token() }, logger: logger)
            services.append(.init(service: agent, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        if let balancer { services.insert(.init(service: balancer), at: 0) }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
            await pool?.shutdown()
        } catch let error as AgentError {
            await pool?.shutdown()
            throw Failure("\(error)")
        }
    }

    /// Verifies the attestation of every master in `urls` that answers (at least one must), and
    /// that they all attest one cluster id and CA; returns the first verified.
    private func attestMasters(_ urls: [String], logger: Logger) async throws -> MasterAttestationClient.Result {
        let trust: MasterTrust
        do {
            trust = try MasterTrust(rootPEMFile: root, pcrs: pcrs, clusterID: clusterID, caSHA256: caSHA256)
        } catch let error as AttestationError {
            throw Failure("master attestation refused: \(error)")
        }
        var verified: [MasterAttestationClient.Result] = []
        var unreachable: [String] = []
        for url in urls {
            do {
                verified.append(try await MasterAttestationClient.verify(url: url, trust: trust))
            } catch let error as AttestationError where error.code == .masterUnreachable && urls.count > 1 {
                // An HA master that is down now is used once it is back (the load balancer skips it meanwhile).
                logger.warning("master unreachable at start; its attestation is not checked", metadata: ["master": "\(url)", "error": "\(error)"])
                unreachable.append(url)
            } catch let error as AttestationError {
                throw Failure("master attestation refused: \(urls.count > 1 ? url + ": " : "")\(error)")
            }
        }
        guard let first = verified.first else { throw Failure("no master could be reached: \(unreachable.joined(separator: ", "))") }
        for other in verified.dropFirst() where !other.binding.matches(first.binding) {
            throw Failure("master attestation refused: the masters attest different clusters or CAs (\(first.binding.clusterID), \(other.binding.clusterID))")
        }
        return first
    }

    /// The managed containerd (when asked) and the kubelet (when there is a runtime), in the order
    /// the group starts them; the node agent's configuration gets the runtime's state and the machine.
    private func runtimeServices(
        master: String, node: String, caPEM: String, tokens: NodeTokenSource, agent: inout NodeAgentConfiguration, logger: Logger
    ) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard manageContainerd || containerdSocket != nil else { return [] }
        guard !(manageContainerd && containerdSocket != nil) else { throw Failure("--manage-containerd and --containerd-socket exclude each other") }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        let data = URL(fileURLWithPath: dataDir ?? "\(home)/.daas/worker-\(node)").standardizedFileURL.path
        do {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure("--data-dir \(data): \(error.localizedDescription)")
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var socket = containerdSocket ?? ""
        var installPodNetwork: (@Sendable (String) async throws -> Void)?
        var sandboxImage = ImageGCPolicy().sandboxImage
        if manageContainerd {
            var containerd = ManagedContainerd.Configuration(directory: data + "/containerd")
            containerd.podSubnet = podSubnet
            for mirror in registryMirrors {
                let parts = mirror.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[1].hasPrefix("http://") || parts[1].hasPrefix("https://") else {
                    throw Failure("--registry-mirror \(mirror): expected HOST=http(s)://ADDRESS")
                }
                containerd.mirrors[String(parts[0])] = String(parts[1])
            }
            socket = containerd.socketPath
            sandboxImage = containerd.sandboxImage
            services.append(.init(service: ManagedContainerd(configuration: containerd, logger: logger), failureTerminationBehavior: .gracefullyShutdownGroup))
            if podSubnet == nil {
                let managed = containerd
                installPodNetwork = { @Sendable cidr in try await ManagedContainerd.installPodNetwork(managed, cidr: cidr) }
            }
        } else if !registryMirrors.isEmpty {
            throw Failure("--registry-mirror configures a managed containerd: add --manage-containerd (or set mirrors in your containerd's hosts.toml)")
        }
        if !disableNodeNetwork {
            guard (try? PodSubnet(clusterCIDR)) != nil else { throw Failure("--cluster-cidr must be an IPv4 CIDR A.B.C.D/N, got \(clusterCIDR)") }
            guard (1...65535).contains(clusterDNSPort) else { throw Failure("--cluster-dns-port must be between 1 and 65535") }
            var network = NodeNetwork.Configuration(apiServer: master, caCertificatePEM: caPEM, nodeName: node)
            network.clusterCIDR = clusterCIDR
            network.clusterDomain = clusterDomain
            network.dnsPort = clusterDNSPort
            network.installPodNetwork = installPodNetwork
            services.append(.init(service: NodeNetwork(configuration: network, credentials: { try await tokens.token() }, logger: logger)))
        }
        let machine = NodeMachine.read(dataDirectory: data, internalIP: nodeIP)
        var configuration = KubeletConfiguration(apiServer: master, caCertificatePEM: caPEM, nodeName: node, runtimeSocket: socket, dataDirectory: data)
        configuration.removePodsOnExit = manageContainerd
        if !disableNodeNetwork { configuration.clusterDNS = [clusterDNS] }
        configuration.clusterDomain = clusterDomain
        guard (0...65535).contains(kubeletPort) else { throw Failure("--kubelet-port must be between 0 and 65535") }
        configuration.serverPort = kubeletPort
        configuration.imageGC.sandboxImage = sandboxImage
        configuration.imageGC.highThresholdPercent = imageGCHighThreshold
        configuration.imageGC.lowThresholdPercent = imageGCLowThreshold
        configuration.evictionHard = (try? EvictionThreshold.parse(evictionHard)) ?? EvictionThreshold.defaults
        configuration.evictionPeriod = .seconds(evictionPeriod)
        configuration.staticPodPath = podManifestPath.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        configuration.staticPodPeriod = .seconds(fileCheckFrequency)
        configuration.imageGC.minimumAge = .seconds(imageMinimumGCAge)
        configuration.imageGC.period = .seconds(imageGCPeriod)
        configuration.metrics = Self.bootstrapMetrics()
        let kubelet: Kubelet
        do {
            kubelet = try Kubelet(configuration: configuration, machine: machine, credentials: { try await tokens.token() }, logger: logger)
        } catch {
            throw Failure("\(error)")
        }
        agent.runtime = { await kubelet.runtimeState() }
        agent.stats = { await kubelet.statsSummary() }
        agent.machine = machine
        services.append(.init(service: kubelet, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        return services
    }

    /// N simulated node agents and the pod simulator, each node with its own token source, all
    /// sharing one client pool (returned, to close after the group ends).
    private func simulation(
        master: String, count: Int, prefix: String, keyPair: SuiKeyPair, audience: String, caPEM: String, logger: Logger
    ) throws -> ([ServiceGroupConfiguration.ServiceConfiguration], APIClientPool) {
        guard (1...10_000).contains(count) else { throw Failure("--simulate must be between 1 and 10000") }
        let usage = SimulatedUsage()
        var labels: [String: String] = [:]
        for label in simulateLabels {
            let parts = label.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw Failure("--simulate-label \(label): expected KEY=VALUE") }
            labels[String(parts[0])] = String(parts[1])
        }
        var taints: [(key: String, value: String, effect: String)] = []
        for taint in simulateTaints {
            let parts = taint.split(separator: ":", maxSplits: 1)
            let keyValue = parts.first?.split(separator: "=", maxSplits: 1) ?? []
            guard parts.count == 2, ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(String(parts[1])), let key = keyValue.first else {
                throw Failure("--simulate-taint \(taint): expected KEY=VALUE:EFFECT with EFFECT NoSchedule, PreferNoSchedule or NoExecute")
            }
            taints.append((String(key), keyValue.count > 1 ? String(keyValue[1]) : "", String(parts[1])))
        }
        let names = (0..<count).map { "\(prefix)-\($0)" }
        for name in names where SealSubject("node:\(name)") == nil { throw Failure("\(name) is not a valid node name") }
        var sources: [String: NodeTokenSource] = [:]
        for name in names { sources[name] = NodeTokenSource(keyPair: keyPair, node: name, audience: audience, lifetime: tokenLifetime) }
        let tokenSources = sources
        let stopped = StoppedNodes(file: simulateStoppedFile)
        let pool: APIClientPool
        do {
            pool = try APIClientPool(caCertificatePEM: caPEM)
        } catch {
            throw Failure("\(error)")
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for name in names {
            var configuration = NodeAgentConfiguration(apiServer: master, caCertificatePEM: caPEM, nodeName: name)
            configuration.renewInterval = .seconds(heartbeatInterval)
            configuration.labels = labels
            configuration.simulated = SimulatedNode(capacity: ["cpu": simulateCPU, "memory": simulateMemory, "pods": simulatePods], taints: taints)
            configuration.heartbeating = { !stopped.contains(name) }
            configuration.pool = pool
            configuration.stats = { usage.summary(node: name) }
            configuration.statsInterval = .milliseconds(Int64(statsInterval * 1000))
            let source = tokenSources[name]!
            services.append(.init(
                service: NodeAgent(configuration: configuration, credentials: { try await source.token() }, logger: logger),
                successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        var pods = PodSimulator.Configuration(apiServer: master, caCertificatePEM: caPEM, nodes: names)
        guard simulateRunSeconds >= 0, simulateRunSeconds <= 86_400 else { throw Failure("--simulate-run-seconds must be between 0 and 86400") }
        pods.runDuration = .milliseconds(Int64(simulateRunSeconds * 1000))
        pods.active = { !stopped.contains($0) }
        pods.pool = pool
        pods.usage = usage
        services.append(.init(
            service: PodSimulator(configuration: pods, credentials: { name in try await tokenSources[name]!.token() }, logger: logger),
            successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        return (services, pool)
    }

    private func loadKey() throws -> SuiKeyPair {
        let path = keystore ?? SuiKeystore.defaultPath
        var selected: SuiAddress?
        if let address {
            guard let parsed = SuiAddress(hex: address) else { throw Failure("--address \(address) is not a Sui address") }
            selected = parsed
        }
        do {
            return try SuiKeystore.load(path: path).keyPair(for: selected)
        } catch let error as SuiClientError {
            throw Failure("\(path): \(error)")
        }
    }
}

extension DaasWorker {
    /// Routes swift-metrics to a Prometheus registry (pod start and image pull times in seconds
    /// buckets as the kubelet's) and returns the exporter the kubelet API's `/metrics` serves.
    static func bootstrapMetrics() -> @Sendable () -> String {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let startBuckets: [Duration] = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600]
            .map { .milliseconds(Int64($0 * 1000)) }
        factory.durationHistogramBuckets["kubelet_pod_start_duration_seconds"] = startBuckets
        factory.durationHistogramBuckets["kubelet_image_pull_duration_seconds"] = startBuckets
        MetricsSystem.bootstrap(factory)
        Gauge(label: "process_start_time_seconds").record(Date().timeIntervalSince1970)
        return {
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
    }
}
