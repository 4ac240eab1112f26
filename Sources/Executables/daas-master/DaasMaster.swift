import ArgumentParser
import AsyncHTTPClient
import ClusterScheduler
import EncStore
import Foundation
import Metrics
import Prometheus
import KubeAPI
import Logging
import Scheduler
import SealAuth
import ServiceLifecycle
import SuiClient
import UnixSignals

/// `daas-master`: the control plane. Opens (creating on first start) the encrypted store, serves
/// the Kubernetes API over HTTPS, writes `<data-dir>/admin.kubeconfig`, and runs until SIGTERM/SIGINT.
@main
struct DaasMaster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daas-master",
        abstract: "K3s-DaaS control plane: encrypted store and Kubernetes API server (see the README status table)."
    )

    @Option(help: "Data directory for the store, keys and certificates.")
    var dataDir = "./data"

    @Option(help: "Address to serve the API on, host:port (port 0 picks a free one).")
    var listen = "127.0.0.1:6443"

    @Option(help: "Key file holding the store's data keys (created with mode 0600 if missing). Default: <data-dir>/store.key.")
    var keyFile: String?

    @Option(help: "Read the store's data keys from this environment variable instead of a key file.")
    var keyEnv: String?

    @Option(help: "Where objects live: lmdb (embedded, under <data-dir>/store) or etcd (an etcd v3 cluster several masters share; values sealed with the data keys before they leave).")
    var store = "lmdb"

    @Option(help: "With --store etcd: the etcd members' client URLs, comma separated (http://host:port or https://host:port).")
    var etcdEndpoints: String?

    @Option(help: "With https etcd endpoints: the CA of the members' certificates (PEM file).")
    var etcdCafile: String?

    @Option(help: "With etcd's --client-cert-auth: this master's client certificate and key (PEM files).")
    var etcdCertfile: String?
    @Option(help: "The key of --etcd-certfile (PEM file).")
    var etcdKeyfile: String?

    @Option(help: "The prefix under which this cluster's keys live in etcd.")
    var etcdPrefix = "/daas"

    @Option(help: "Attestation of this master: dev (a local attester under <data-dir>/attest), nitro (the enclave's /dev/nsm) or none.")
    var attestation = "dev"

    @Option(name: .customLong("sui-rpc"), help: "A Sui full node URL (JSON-RPC, or GraphQL ending in /graphql); repeat for failover. Default: the in-process dev ledger.")
    var suiRPC: [String] = []

    @Option(name: .customLong("sui-transport"), help: "How to read the chain: jsonrpc or graphql.")
    var suiTransport = "jsonrpc"

    @Option(help: "Where the dev ledger listens when --sui-rpc is not given, host:port (port 0 picks a free one).")
    var devLedgerListen = "127.0.0.1:0"

    @Option(name: .customLong("cluster-owner"), help: "A Sui address whose user tokens get cluster-admin; repeatable.")
    var clusterOwners: [String] = []

    @Option(help: "Minimum stake for user tokens, in MIST (10^9 MIST = 1 SUI).")
    var userMinStake: UInt64 = 1_000_000_000

    @Option(help: "Minimum stake for node tokens, in MIST.")
    var nodeMinStake: UInt64 = 10_000_000_000

    @Option(help: "Seconds a stake reading is trusted; an address that unstakes is locked out within this time.")
    var stakeTTL: Int64 = 30

    @Option(help: "Longest lifetime (exp - iat) accepted for user tokens, in seconds.")
    var userTokenMaxLifetime: Int64 = 3_600

    @Option(help: "Longest lifetime accepted for node tokens, in seconds.")
    var nodeTokenMaxLifetime: Int64 = 86_400

    @Option(help: "A KubeSchedulerConfiguration file (profiles, plugins, StakeWeighted). Default: the default profile.")
    var schedulerConfig: String?

    @Option(help: "Seconds a node may go without renewing its Lease before it is marked unreachable and tainted.")
    var nodeMonitorGracePeriod: Double = 40

    @Option(help: "Seconds between two reconciliations of every HorizontalPodAutoscaler (kube-controller-manager's flag of the same name).")
    var horizontalPodAutoscalerSyncPeriod: Double = 15

    @Option(help: "Seconds an autoscaler waits for lower recommendations to hold before scaling down.")
    var horizontalPodAutoscalerDownscaleStabilization: Double = 300

    @Option(help: "How far (relative) usage may be from an autoscaler's target before it scales.")
    var horizontalPodAutoscalerTolerance: Double = 0.1

    @Option(help: "The pod network each node gets a /24 of (spec.podCIDR), as k3s's --cluster-cidr.")
    var clusterCIDR = "10.42.0.0/16"

    @Option(help: "Where the local-path provisioner (the default StorageClass local-path) keeps volumes on each node. Default: <data-dir>/storage, as k3s.")
    var defaultLocalStoragePath: String?

    @Option(help: "Run the controllers and the scheduler only while holding their Leases in kube-system (kube-controller-manager, kube-scheduler), so masters sharing a store take turns: true or false.")
    var leaderElect = true

    @Option(help: "Seconds a candidate waits on an unrenewed lease before taking it over.")
    var leaderElectLeaseDuration: Double = 15

    @Option(help: "Seconds the leader keeps trying to renew before it gives up (the master then exits).")
    var leaderElectRenewDeadline: Double = 10

    @Option(help: "Seconds between tries to acquire or renew.")
    var leaderElectRetryPeriod: Double = 2

    @Option(help: "Seconds a SIGTERM/SIGINT shutdown lets in-flight requests finish after ending open watches.")
    var shutdownGracePeriod: Double = 5

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Flag(inversion: .prefixedEnableDisable, help: "Record metrics and serve them on /metrics (--disable-metrics: swift-metrics' no-op backend, /metrics is 404; daas-bench uses it to measure the metrics' cost).")
    var metrics = true

    func run() async throws {
        var logger = Logger(label: "daas-master")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let (host, port) = try Self.hostPort(listen, option: "--listen")
        var owners: Set<SuiAddress> = []
        for owner in clusterOwners {
            guard let address = SuiAddress(hex: owner), owner.hasPrefix("0x") else { throw Failure("--cluster-owner \(owner) is not a 0x Sui address") }
            owners.insert(address)
        }
        guard stakeTTL > 0 else { throw Failure("--stake-ttl must be positive") }
        guard shutdownGracePeriod >= 0, shutdownGracePeriod <= 3600 else { throw Failure("--shutdown-grace-period must be between 0 and 3600 seconds") }
        guard userTokenMaxLifetime > 0, nodeTokenMaxLifetime > 0 else { throw Failure("token lifetimes must be positive") }
        let ledgerListen = try Self.hostPort(devLedgerListen, option: "--dev-ledger-listen")
        do {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure("cannot create the data directory \(dataDir): \(error.localizedDescription)")
        }
        // The store first: a wrong key must stop the master before anything else starts.
        let provider = keyEnv.map { KeyProvider.environment($0) } ?? .file(keyFile ?? dataDir + "/store.key")
        let store = try await openStore(provider: provider, logger: logger)
        // The store is closed once, on every path out (close is idempotent and ends its Service).
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                defer { tasks.cancelAll() }
                var endpoints = suiRPC
                if endpoints.isEmpty {
                    let url = try await SuiLedger.startDevLedger(in: &tasks, dataDir: dataDir, listen: ledgerListen, logger: logger)
                    FileHandle.standardOutput.write(Data("""
                        daas-master: dev Sui ledger at \(url)
                        daas-master: Seal access: daasctl key new; daasctl stake add --ledger \(url) --secret-file \(dataDir)/sui-dev-ledger.secret \
                        --address <0x...> --amount 2000000000; daasctl kubeconfig --master <API URL> --root \(dataDir)/attest/root.pem --output <file>

                        """.utf8))
                    if attestation == "dev" {
                        logger.warning("development mode: not for production (dev attester and dev Sui ledger: anyone with this machine's data directory can mint stake and forge attestations)")
                        FileHandle.standardError.write(Data("daas-master: WARNING: development mode: not for production (dev attester and dev Sui ledger)\n".utf8))
                    }
                    endpoints = [suiTransport == "graphql" ? url + "/graphql" : url]
                }
                let (reader, client) = try SuiLedger.reader(endpoints: endpoints, transport: suiTransport, logger: logger)
                do {
                    try await serve(store: store, reader: reader, owners: owners, host: host, port: port, logger: logger)
                } catch {
                    try? await client.shutdown()
                    throw error
                }
                try? await client.shutdown()
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// Splits `host:port`.
    static func hostPort(_ text: String, option: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw Failure("\(option) must be host:port, got \(text)")
        }
        return (String(text[..<colon]), port)
    }

    /// The store `--store` names: LMDB under the data directory, or etcd (reached once here, so a
    /// wrong endpoint stops the master with one line).
    private func openStore(provider: KeyProvider, logger: Logger) async throws -> any KeyValueStore & Service {
        switch store {
        case "lmdb":
            do {
                return try MVCCStore.lmdb(directory: dataDir + "/store", keyProvider: provider, logger: logger)
            } catch let error as StoreError {
                throw Failure("cannot open the store: \(error.message)")
            }
        case "etcd":
            guard let endpoints = etcdEndpoints?.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }), !endpoints.isEmpty else {
                throw Failure("--store etcd needs --etcd-endpoints")
            }
            let configuration = EtcdConfiguration(
                endpoints: endpoints, caFile: etcdCafile, certificateFile: etcdCertfile, keyFile: etcdKeyfile, keyPrefix: etcdPrefix)
            do {
                let etcd = try EtcdStore(configuration: configuration, keyRing: try provider.loadKeyRing(), logger: logger)
                do {
                    // As kube-apiserver, wait a while for etcd to come up, then give up.
                    try await etcd.waitUntilReachable(timeout: .seconds(20))
                } catch {
                    await etcd.close()
                    throw error
                }
                return etcd
            } catch let error as StoreError {
                throw Failure("cannot use etcd at \(endpoints.joined(separator: ",")): \(error.message)")
            }
        default:
            throw Failure("--store must be lmdb or etcd, got \(store)")
        }
    }

    private func serve(store: any KeyValueStore & Service, reader: any SuiReader, owners: Set<SuiAddress>, host: String, port: Int, logger: Logger) async throws {
        // First, so every metric created from here on (work queues, the scheduler's gauges) has the backend.
        let metrics = self.metrics ? Self.bootstrapMetrics(storeFile: dataDir + "/store/data.mdb") : nil
        let objects = ObjectStore(store: store)
        var configuration = KubeAPIServer.Configuration(host: host, port: port, dataDirectory: dataDir)
        configuration.shutdownGracePeriod = .milliseconds(Int64(shutdownGracePeriod * 1000))
        // The cluster id, CAs and service-account key every master of this store shares.
        let clusterID: String
        do {
            clusterID = try await ClusterIdentity.synchronize(store: store, dataDirectory: dataDir, logger: logger).clusterID
        } catch let error as APIError {
            throw Failure("cannot agree on the cluster identity through the store: \(error.message)")
        } catch let error as StoreError {
            throw Failure("cannot agree on the cluster identity through the store: \(error.message)")
        }
        do {
            configuration.attestation = try MasterAttestation.make(mode: attestation, dataDir: dataDir, pki: try configuration.pki(), clusterID: clusterID)
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure("cannot start \(attestation) attestation: \(error)")
        }
        var policy = SealPolicy(clusterID: clusterID)
        policy.clusterOwners = owners
        policy.minimumStake = [.user: userMinStake, .node: nodeMinStake]
        policy.maxLifetime = [.user: userTokenMaxLifetime, .node: nodeTokenMaxLifetime]
        var sealConfiguration = SealVerifierConfiguration(policy: policy)
        sealConfiguration.stakeTTL = stakeTTL
        let verifier = SealVerifier(configuration: sealConfiguration, reader: reader, logger: logger)
        var schedulerConfiguration = SchedulerConfiguration()
        if let schedulerConfig {
            guard let data = FileManager.default.contents(atPath: schedulerConfig), data.count <= 1 << 20 else {
                throw Failure("--scheduler-config: cannot read \(schedulerConfig) (or it is larger than 1 MiB)")
            }
            do {
                schedulerConfiguration = try SchedulerConfiguration.load(yaml: String(decoding: data, as: UTF8.self))
            } catch {
                throw Failure("--scheduler-config \(schedulerConfig): \(error)")
            }
        }
        guard nodeMonitorGracePeriod >= 1, nodeMonitorGracePeriod <= 86_400 else { throw Failure("--node-monitor-grace-period must be between 1 and 86400 seconds") }
        if let path = defaultLocalStoragePath, !path.hasPrefix("/") || path.utf8.count > 1024 || path.split(separator: "/").contains(where: { $0 == ".." }) {
            throw Failure("--default-local-storage-path must be an absolute path without '..' (at most 1024 bytes)")
        }
        guard let podNetwork = ClusterCIDR(clusterCIDR, nodeMaskSize: 24) else {
            throw Failure("--cluster-cidr must be an IPv4 CIDR A.B.C.D/N with N in 8...23, got \(clusterCIDR)")
        }
        guard horizontalPodAutoscalerSyncPeriod >= 0.1, horizontalPodAutoscalerSyncPeriod <= 86_400,
            horizontalPodAutoscalerDownscaleStabilization >= 0, horizontalPodAutoscalerDownscaleStabilization <= 86_400
        else { throw Failure("--horizontal-pod-autoscaler-sync-period must be 0.1 to 86400 seconds and --horizontal-pod-autoscaler-downscale-stabilization 0 to 86400") }
        guard horizontalPodAutoscalerTolerance >= 0, horizontalPodAutoscalerTolerance < 1 else {
            throw Failure("--horizontal-pod-autoscaler-tolerance must be at least 0 and less than 1")
        }
        let pki = try configuration.pki()
        // The provisioner's client to node agents (removing deleted volumes' data).
        let kubelets = try NodeConnections(
            caCertificatePEM: pki.caCertificatePEM, clientCertificatePEM: pki.kubeletClientCertificatePEM, clientKeyPEM: pki.kubeletClientKeyPEM)
        let aggregator = try APIServiceProxy(clientCertificatePEM: pki.frontProxyClientCertificatePEM, clientKeyPEM: pki.frontProxyClientKeyPEM)
        let informers = InformerSet(objects: objects, logger: logger)
        // Usage reports land in the API server and are read by the autoscaler; masters sharing an
        // etcd share them too.
        let resourceUsage = ResourceUsageStore()
        let usageSharing = self.store == "etcd" ? UsageReportSharing(store: store, usage: resourceUsage, logger: logger) : nil
        let controllers = ControllerManager(
            objects: objects, informers: informers,
            configuration: .init(
                nodeMonitorGracePeriod: .milliseconds(Int64(nodeMonitorGracePeriod * 1000)), rootCAPEM: pki.caCertificatePEM,
                localStoragePath: defaultLocalStoragePath ?? dataDir + "/storage", kubelets: kubelets, clusterCIDR: podNetwork, resourceUsage: resourceUsage,
                horizontalPodAutoscaler: .init(
                    syncPeriod: .milliseconds(Int64(horizontalPodAutoscalerSyncPeriod * 1000)),
                    downscaleStabilization: .milliseconds(Int64(horizontalPodAutoscalerDownscaleStabilization * 1000)),
                    tolerance: horizontalPodAutoscalerTolerance)),
            logger: logger)
        let scheduler = ClusterScheduler(objects: objects, informers: informers, configuration: schedulerConfiguration, logger: logger)
        var controllerService: any Service = controllers
        var schedulerService: any Service = scheduler
        if leaderElect {
            let identity = "\(ProcessInfo.processInfo.hostName)_\(UUID().uuidString.lowercased())"
            func elector(_ name: String) throws -> LeaderElector {
                let timing = [leaderElectLeaseDuration, leaderElectRenewDeadline, leaderElectRetryPeriod]
                guard timing.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 3600 }) else { throw Failure("--leader-elect-* durations must be between 0 and 3600 seconds") }
                let configuration = LeaderElector.Configuration(
                    name: name, identity: identity, leaseDuration: .milliseconds(Int64(leaderElectLeaseDuration * 1000)),
                    renewDeadline: .milliseconds(Int64(leaderElectRenewDeadline * 1000)), retryPeriod: .milliseconds(Int64(leaderElectRetryPeriod * 1000)))
                if let problem = configuration.problem { throw Failure("--leader-elect: \(problem)") }
                return try LeaderElector(objects: objects, configuration: configuration, logger: logger)
            }
            controllerService = LeaderElectedService(elector: try elector("kube-controller-manager"), service: controllers)
            schedulerService = LeaderElectedService(elector: try elector("kube-scheduler"), service: scheduler)
        }
        let snapshots = (configuration.attestation as? MasterAttestation).map(AttestationSnapshots.init)
        let status = MasterStatus(
            clusterID: clusterID, started: Date(), attestationMode: attestation,
            attestation: snapshots, objects: objects, storeBackend: self.store,
            storeSize: { [dataDir] in
                if let etcd = store as? EtcdStore { return (try? await etcd.databaseSize()).map { Int(clamping: $0) } }
                return MasterStatus.fileSize(dataDir + "/store/data.mdb")
            }, verifier: verifier, usage: resourceUsage)
        let informerSync = HealthChecks.Check(name: "informer-sync") {
            let pending = informers.all.filter { !$0.informer.hasSynced }.map(\.type.groupResource)
            return pending.isEmpty ? nil : "not synced: \(pending.joined(separator: ", "))"
        }
        // With leader election a standby master's scheduler waits for the lease: that is ready too.
        let schedulerRunning = HealthChecks.Check(name: "scheduler") { [leaderElect, state = scheduler.state] in
            state.isRunning || leaderElect ? nil : "the scheduler is not running yet"
        }
        var readiness = [informerSync, schedulerRunning, MasterReadiness.suiReader(reader)]
        if let snapshots { readiness.append(MasterReadiness.attestation(snapshots)) }
        let server = KubeAPIServer(
            configuration: configuration, objects: objects, tokenAuthenticators: [SealTokenAuthenticator(verifier: verifier)], aggregator: aggregator,
            healthChecks: HealthChecks(readiness: readiness), operatorEndpoints: OperatorEndpoints(metrics: metrics, status: status.document),
            resourceUsage: resourceUsage, usageSharing: usageSharing, logger: logger,
            onReady: { kubeconfig, url in
                let path = URL(fileURLWithPath: kubeconfig).standardizedFileURL.path
                FileHandle.standardOutput.write(
                    Data("daas-master: serving the Kubernetes API at \(url) (cluster id \(clusterID))\ndaas-master: export KUBECONFIG=\(path)\n".utf8))
            })
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: store),
                    .init(service: SealRevocationWatcher(objects: objects, verifier: verifier, logger: logger)),
                    .init(service: informers),
                    .init(service: CustomResourceDefinitionController(
                        objects: objects, definitions: informers.informer(group: "apiextensions.k8s.io", plural: "customresourcedefinitions")!, logger: logger)),
                    .init(service: APIServiceController(
                        objects: objects, apiServices: informers.informer(group: "apiregistration.k8s.io", plural: "apiservices")!, proxy: aggregator,
                        logger: logger)),
                    .init(service: NodeStakeRecorder(
                        objects: objects, nodes: informers.informer(group: "", plural: "nodes")!, reader: reader, interval: .seconds(stakeTTL), logger: logger)),
                    .init(service: controllerService),
                    .init(service: schedulerService),
                    .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                ] + (usageSharing.map { [.init(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
            await kubelets.shutdown()
        } catch {
            await kubelets.shutdown()
            throw Failure("\(error)")
        }
    }

    /// Routes swift-metrics to a Prometheus registry (with kube-apiserver's request-duration
    /// buckets) and returns the exporter `/metrics` serves.
    /// Also exports `encstore_db_size_bytes` (the size of `storeFile`) and
    /// `process_start_time_seconds`, read at scrape time.
    static func bootstrapMetrics(storeFile: String) -> @Sendable () -> String {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["apiserver_request_duration_seconds"] = KubeAPIMetrics.requestDurationBuckets.map { .milliseconds(Int64($0 * 1000)) }
        factory.valueHistogramBuckets["encstore_commit_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        MetricsSystem.bootstrap(factory)
        Gauge(label: "process_start_time_seconds").record(Date().timeIntervalSince1970)
        return {
            if let size = MasterStatus.fileSize(storeFile) { Gauge(label: "encstore_db_size_bytes").record(size) }
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
    }
}
