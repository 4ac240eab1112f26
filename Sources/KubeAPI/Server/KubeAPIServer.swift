import Foundation
import Hummingbird
import HummingbirdHTTP2
public import Logging
import NIOCore
import NIOSSL
public import ServiceLifecycle
import StreamTunnel

/// The HTTPS API server as a `Service`: TLS with optional client certificates verified against
/// the cluster CA, HTTP/1.1 and HTTP/2 by ALPN, and the bootstrap objects every cluster has.
///
/// On graceful shutdown it stops accepting connections, ends every open watch (clients see the
/// stream close and reconnect), lets in-flight requests finish for at most
/// ``Configuration/shutdownGracePeriod``, then closes whatever is left, and returns.
public struct KubeAPIServer: Service {
    /// Where and how to serve.
    public struct Configuration: Sendable {
        /// The address to bind. Default 127.0.0.1.
        public var host: String
        /// The port to bind; 0 picks a free one. Default 6443.
        public var port: Int
        /// Where certificates and `admin.kubeconfig` are written.
        public var dataDirectory: String
        /// Serves `GET /daas/v1/attestation` when set. Default: none (404).
        public var attestation: (any AttestationProvider)?
        /// How long a graceful shutdown lets in-flight requests finish once open watches are
        /// ended; then the remaining connections are closed. Default 5 s.
        public var shutdownGracePeriod: Duration
        /// Request limits and watch tuning. Default: kube-apiserver's.
        public var limits: APIServer.Limits

        /// Creates a configuration; every parameter but the data directory has a default.
        public init(
            host: String = "127.0.0.1", port: Int = 6443, dataDirectory: String, attestation: (any AttestationProvider)? = nil,
            shutdownGracePeriod: Duration = .seconds(5), limits: APIServer.Limits = APIServer.Limits()
        ) {
            self.host = host
            self.port = port
            self.dataDirectory = dataDirectory
            self.attestation = attestation
            self.shutdownGracePeriod = shutdownGracePeriod
            self.limits = limits
        }

        /// The names and addresses the serving certificate covers.
        public var serverHosts: [String] {
            ["localhost", "127.0.0.1", host, "kubernetes", "kubernetes.default", "kubernetes.default.svc", "10.43.0.1"]
        }

        /// The cluster's certificates (created on first use).
        public func pki() throws -> ClusterPKI {
            try ClusterPKI.loadOrCreate(directory: dataDirectory + "/pki", hosts: serverHosts)
        }
    }

    let configuration: Configuration
    let objects: ObjectStore
    let tokenAuthenticators: [any TokenAuthenticator]
    let logger: Logger
    /// Passes requests for remote APIServices' group-versions on (nil: they are 404).
    let aggregator: APIServiceProxy?
    /// Extra `/livez` and `/readyz` checks.
    let healthChecks: HealthChecks
    /// `/metrics` and `/daas/v1/status`.
    let operatorEndpoints: OperatorEndpoints
    let onReady: @Sendable (_ kubeconfigPath: String, _ server: String) async -> Void
    /// Node agents' usage reports, served as `metrics.k8s.io`.
    let resourceUsage: ResourceUsageStore
    let usageSharing: UsageReportSharing?

    /// Creates the server.
    /// - Parameter onReady: Called once the port is bound and `admin.kubeconfig` is written.
    public init(
        configuration: Configuration, objects: ObjectStore, tokenAuthenticators: [any TokenAuthenticator] = [],
        aggregator: APIServiceProxy? = nil, healthChecks: HealthChecks = HealthChecks(), operatorEndpoints: OperatorEndpoints = OperatorEndpoints(),
        resourceUsage: ResourceUsageStore = ResourceUsageStore(), usageSharing: UsageReportSharing? = nil, logger: Logger,
        onReady: @escaping @Sendable (_ kubeconfigPath: String, _ server: String) async -> Void = { _, _ in }
    ) {
        self.resourceUsage = resourceUsage
        self.usageSharing = usageSharing
        self.aggregator = aggregator
        self.healthChecks = healthChecks
        self.operatorEndpoints = operatorEndpoints
        self.configuration = configuration
        self.objects = objects
        self.tokenAuthenticators = tokenAuthenticators
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let pki = try configuration.pki()
        // The chain carries the CA too, so a client can match it against the attested CA hash.
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array((pki.serverCertificatePEM + "\n" + pki.caCertificatePEM).utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(pki.serverKeyPEM.utf8), format: .pem)))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.caCertificatePEM.utf8)))
        tls.certificateVerification = .optionalVerification
        tls.minimumTLSVersion = .tlsv12

        // Parse the OpenAPI definitions off the request path.
        Task.detached(priority: .utility) { _ = OpenAPIV3.builtIn.index.count }
        try await BootstrapPolicy.ensure(objects)
        let configuration = self.configuration
        let onReady = self.onReady
        let logger = self.logger
        let objects = self.objects
        let authenticators = tokenAuthenticators
        let serviceAccountKey = try ServiceAccountTokens.loadOrCreateKey(path: configuration.dataDirectory + "/pki/service-account.key")
        let serviceAccountTokens = ServiceAccountTokens(key: serviceAccountKey, objects: objects)
        let address = "\(configuration.host):\(configuration.port)"
        let watches = ActiveWatches()
        let nodes = try NodeConnections(
            caCertificatePEM: pki.caCertificatePEM, clientCertificatePEM: pki.kubeletClientCertificatePEM, clientKeyPEM: pki.kubeletClientKeyPEM)
        let app = Application(
            responder: APIServer(
                objects: objects, tokenAuthenticators: authenticators, serverAddress: address, limits: configuration.limits,
                attestation: configuration.attestation, watches: watches, serviceAccountTokens: serviceAccountTokens, nodes: nodes,
                aggregator: aggregator, nodeCertificates: try NodeServingCertificates(directory: configuration.dataDirectory + "/pki"), healthChecks: healthChecks, operatorEndpoints: operatorEndpoints,
                resourceUsage: resourceUsage, dashboard: DashboardSessions(key: serviceAccountKey), usageSharing: usageSharing),
            // exec, attach and port-forward connections become tunnels to the node (HTTP/1.1 only).
            server: try .http2Upgrade(
                tlsConfiguration: tls,
                configuration: .init(streamConfiguration: .init(additionalChannelHandlers: [
                    UpgradeTakeoverHandler { PodStreamHandler.isStreamPath($0.path ?? "") }
                ]))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                do {
                    try await Bootstrap.ensure(objects, apiServerHost: configuration.host, port: port, pki: pki)
                } catch {
                    logger.error("creating the bootstrap objects failed", metadata: ["error": "\(error)"])
                }
                let server = "https://\(configuration.host):\(port)"
                let path = configuration.dataDirectory + "/admin.kubeconfig"
                do {
                    try ClusterPKI.write(path, pki.adminKubeconfig(server: server), mode: 0o600)
                    logger.info("API server ready", metadata: ["server": "\(server)", "kubeconfig": "\(path)"])
                    await onReady(path, server)
                } catch {
                    logger.error("writing the admin kubeconfig failed", metadata: ["error": "\(error)"])
                }
            },
            logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The server quiesces on graceful shutdown (the ServiceGroup's, inherited).
            group.addTask { try await app.run() }
            group.addTask {
                do {
                    try await gracefulShutdown()
                } catch {
                    return  // cancelled: the server has finished
                }
                let open = watches.count
                watches.closeAll()
                logger.info("shutting down: open watches ended", metadata: ["watches": "\(open)", "grace": "\(configuration.shutdownGracePeriod)"])
                try? await Task.sleep(for: configuration.shutdownGracePeriod)
                if !Task.isCancelled {
                    logger.warning("shutdown grace period over: closing the remaining connections")
                    throw CancellationError()
                }
            }
            defer { group.cancelAll() }
            do {
                try await group.next()
            } catch is CancellationError {
                // The grace period ran out: cancelling the group closes every connection.
            }
        }
        await nodes.shutdown()
    }
}

/// The objects every cluster starts with.
enum Bootstrap {
    static func ensure(_ objects: ObjectStore, apiServerHost: String, port: Int, pki: ClusterPKI? = nil) async throws {
        let registry = objects.registry
        let namespaces = registry.lookup(group: "", version: "v1", plural: "namespaces")!
        let accounts = registry.lookup(group: "", version: "v1", plural: "serviceaccounts")!
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? await objects.create(namespaces, namespace: nil, body: ["metadata": ["name": .string(name)]])
            // The ServiceAccount controller creates these too; here they exist before the first
            // pod, even while a restarted master waits for the controllers' lease.
            _ = try? await objects.create(accounts, namespace: name, body: ["metadata": ["name": "default"]])
        }
        let priorityClasses = registry.lookup(group: "scheduling.k8s.io", version: "v1", plural: "priorityclasses")!
        for system in PriorityClassStrategy.systemClasses {
            _ = try? await objects.create(priorityClasses, namespace: nil, body: [
                "metadata": ["name": .string(system.name)], "value": .integer(system.value), "description": .string(system.description),
                "preemptionPolicy": "PreemptLowerPriority",
            ])
        }
        // k3s's default class: volumes from the local-path provisioner, bound where the pod lands.
        let storageClasses = registry.lookup(group: "storage.k8s.io", version: "v1", plural: "storageclasses")!
        _ = try? await objects.create(storageClasses, namespace: nil, body: [
            "metadata": ["name": .string(LocalPathProvisioner.storageClassName), "annotations": ["storageclass.kubernetes.io/is-default-class": "true"]],
            "provisioner": .string(LocalPathProvisioner.name), "volumeBindingMode": "WaitForFirstConsumer", "reclaimPolicy": "Delete",
        ])
        if let pki {
            // What extension API servers read to trust the front proxy (kube-apiserver's
            // requestheader settings), kept current with the CAs.
            let configMaps = registry.lookup(group: "", version: "v1", plural: "configmaps")!
            func list(_ values: [String]) -> JSONValue { .string(JSONValue.array(values.map { .string($0) }).jsonString) }
            let data: JSONValue = [
                "client-ca-file": .string(pki.caCertificatePEM), "requestheader-client-ca-file": .string(pki.frontProxyCACertificatePEM),
                "requestheader-allowed-names": list([ClusterPKI.frontProxyClientName]), "requestheader-username-headers": list(["X-Remote-User"]),
                "requestheader-group-headers": list(["X-Remote-Group"]), "requestheader-extra-headers-prefix": list(["X-Remote-Extra-"]),
            ]
            if (try? await objects.create(configMaps, namespace: "kube-system", body: ["metadata": ["name": "extension-apiserver-authentication"], "data": data])) == nil,
                let current = try? await objects.get(configMaps, namespace: "kube-system", name: "extension-apiserver-authentication"), current["data"] != data
            {
                _ = try? await objects.mergePatch(configMaps, namespace: "kube-system", name: "extension-apiserver-authentication", patch: ["data": data])
            }
        }
        let services = registry.lookup(group: "", version: "v1", plural: "services")!
        _ = try? await objects.create(
            services, namespace: "default",
            body: [
                "metadata": ["name": "kubernetes", "labels": ["component": "apiserver", "provider": "kubernetes"]],
                "spec": [
                    "type": "ClusterIP", "clusterIP": "10.43.0.1", "clusterIPs": ["10.43.0.1"], "sessionAffinity": "None",
                    "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": .integer(Int64(port))]],
                ],
            ])
        // Cluster DNS at k3s's address. Every node's agent answers it itself (node-local DNS), so
        // the Service selects no pods.
        _ = try? await objects.create(
            services, namespace: "kube-system",
            body: [
                "metadata": ["name": "kube-dns", "labels": ["k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"]],
                "spec": [
                    "type": "ClusterIP", "clusterIP": "10.43.0.10", "clusterIPs": ["10.43.0.10"], "sessionAffinity": "None",
                    "ports": [
                        ["name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53], ["name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53],
                    ],
                ],
            ])
        // The endpoints of the `kubernetes` service: the API server itself.
        let address: JSONValue = .string(apiServerHost == "0.0.0.0" ? "127.0.0.1" : apiServerHost)
        let endpoints = registry.lookup(group: "", version: "v1", plural: "endpoints")!
        let endpointsBody: JSONValue = [
            "metadata": ["name": "kubernetes", "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"]],
            "subsets": [["addresses": [["ip": address]], "ports": [["name": "https", "port": .integer(Int64(port)), "protocol": "TCP"]]]],
        ]
        if (try? await objects.create(endpoints, namespace: "default", body: endpointsBody)) == nil,
            let current = try? await objects.get(endpoints, namespace: "default", name: "kubernetes"), current["subsets"] != endpointsBody["subsets"]
        {
            _ = try? await objects.mergePatch(endpoints, namespace: "default", name: "kubernetes", patch: ["subsets": endpointsBody["subsets"]!])
        }
        let slices = registry.lookup(group: "discovery.k8s.io", version: "v1", plural: "endpointslices")!
        let sliceBody: JSONValue = [
            "metadata": ["name": "kubernetes", "labels": ["kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "k3s-daas"]],
            "addressType": "IPv4", "endpoints": [["addresses": [address], "conditions": ["ready": true]]],
            "ports": [["name": "https", "port": .integer(Int64(port)), "protocol": "TCP"]],
        ]
        if (try? await objects.create(slices, namespace: "default", body: sliceBody)) == nil {
            _ = try? await objects.mergePatch(slices, namespace: "default", name: "kubernetes", patch: ["endpoints": sliceBody["endpoints"]!, "ports": sliceBody["ports"]!])
        }
    }
}
