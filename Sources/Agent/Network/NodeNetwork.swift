import Foundation
import KubeInformers
import NIOHTTP1
import KubeTypes
public import Logging
public import ServiceLifecycle

/// The node's share of the cluster network, as k3s's agent runs flannel (host-gw), kube-proxy
/// and CoreDNS: it waits for the master to give the Node a `spec.podCIDR`, has the pod bridge
/// built on it (``Configuration/installPodNetwork``), turns on IP forwarding and bridge
/// netfilter in the node's network namespace, then keeps
/// - a route to every other node's podCIDR via that node's InternalIP (``RouteTable``),
/// - the Service rules (``ProxyRules``, nftables table `ip daas-proxy`),
/// - the NetworkPolicy rules (``PolicyRules``, table `ip daas-policy`),
/// - the cluster DNS server (``ClusterDNSServer``)
/// in step with the API. On shutdown it removes its tables and routes.
public struct NodeNetwork: Service {
    /// What the node network needs.
    public struct Configuration: Sendable {
        /// The API server URL.
        public var apiServer: String
        /// The cluster CA (PEM).
        public var caCertificatePEM: String
        /// This node's name.
        public var nodeName: String
        /// The pod network all nodes' podCIDRs come from. Default 10.42.0.0/16 (k3s).
        public var clusterCIDR = "10.42.0.0/16"
        /// The cluster domain. Default `cluster.local`.
        public var clusterDomain = "cluster.local"
        /// Where the DNS server listens (the proxy redirects kube-dns here). Default 0.0.0.0:10053.
        public var dnsAddress = "0.0.0.0"
        public var dnsPort = 10053
        /// Upstream nameservers for names outside the cluster. Default: the node's resolv.conf.
        public var upstreamNameservers: [String]?
        /// Builds the pod bridge and CNI configuration for a podCIDR (the managed containerd's),
        /// or nil when the runtime's network is configured elsewhere.
        public var installPodNetwork: (@Sendable (String) async throws -> Void)?
        /// How often the rules are checked even without changes. Default 30 s.
        public var resyncPeriod: Duration = .seconds(30)

        /// A configuration with the defaults above.
        public init(apiServer: String, caCertificatePEM: String, nodeName: String) {
            self.apiServer = apiServer
            self.caCertificatePEM = caCertificatePEM
            self.nodeName = nodeName
        }
    }

    let configuration: Configuration
    let credentials: @Sendable () async throws -> String
    let logger: Logger

    /// The node network for `configuration`; `credentials` returns the node's bearer token.
    public init(configuration: Configuration, credentials: @escaping @Sendable () async throws -> String, logger: Logger) {
        self.configuration = configuration
        self.credentials = credentials
        self.logger = logger
    }

    public func run() async throws {
        let api = try APIConnection(server: configuration.apiServer, caCertificatePEM: configuration.caCertificatePEM, credentials: credentials)
        do {
            try await serve(api)
            await api.shutdown()
        } catch {
            await api.shutdown()
            throw error
        }
    }

    private func serve(_ api: APIConnection) async throws {
        guard let podCIDR = await waitForPodCIDR(api) else { return }
        logger.info("node network", metadata: ["podCIDR": "\(podCIDR)", "clusterCIDR": "\(configuration.clusterCIDR)"])
        try await configuration.installPodNetwork?(podCIDR)
        Self.sysctl("net/ipv4/ip_forward", "1")
        Self.sysctl("net/bridge/bridge-nf-call-iptables", "1")

        let logger = self.logger
        func informer(_ path: String) -> SharedInformer { SharedInformer(source: APIListWatchSource(connection: api, path: path), logger: logger) }
        let services = informer("/api/v1/services")
        let slices = informer("/apis/discovery.k8s.io/v1/endpointslices")
        let nodes = informer("/api/v1/nodes")
        let pods = informer("/api/v1/pods")
        let namespaces = informer("/api/v1/namespaces")
        let policies = informer("/apis/networking.k8s.io/v1/networkpolicies")
        let queue = WorkQueue<String>()
        services.addHandler { _ in queue.add("proxy") }
        slices.addHandler { _ in queue.add("proxy") }
        nodes.addHandler { _ in queue.add("routes") }
        for source in [pods, namespaces, policies] { source.addHandler { _ in queue.add("policy") } }

        let dns = ClusterDNSServer(
            zone: ClusterDNSZone(domain: configuration.clusterDomain, services: services, slices: slices), host: configuration.dnsAddress,
            port: configuration.dnsPort, upstreams: configuration.upstreamNameservers ?? Self.nameservers(), forwardingClients: [configuration.clusterCIDR],
            logger: logger)
        let tables = NFTables(logger: logger)
        let routes = RouteTable(logger: logger)
        let configuration = self.configuration
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for source in [services, slices, nodes, pods, namespaces, policies] { group.addTask { await source.run() } }
                group.addTask {
                    do {
                        try await dns.run()
                    } catch {
                        logger.error("cluster DNS stopped", metadata: ["error": "\(error)"])
                    }
                }
                group.addTask {
                    for source in [services, slices, nodes, pods, namespaces, policies] { await source.waitForSync() }
                    var proxy: ProxyRules?
                    while let key = await queue.get() {
                        switch key {
                        case "proxy":
                            let rules = ProxyRules(.init(
                                services: services.list(), slices: slices.list(), nodeName: configuration.nodeName, clusterCIDR: configuration.clusterCIDR,
                                dnsPort: configuration.dnsPort))
                            guard rules != proxy else { break }
                            // Only what changed, in one transaction; the whole table if that fails.
                            var done = false
                            if let previous = proxy { done = await tables.execute(rules.update(from: previous), name: "daas-proxy") }
                            if !done { done = await tables.execute(rules.script, name: "daas-proxy") }
                            if done {
                                if let previous = proxy { await tables.forget(rules.staleUDP(since: previous)) }
                                proxy = rules
                            }
                        case "routes":
                            await routes.sync(Self.routes(nodes.list(), except: configuration.nodeName))
                        case "policy":
                            let rules = PolicyRules(.init(
                                policies: policies.list(), pods: pods.list(), namespaces: namespaces.list(), nodeName: configuration.nodeName))
                            _ = await tables.apply(rules.script, name: "daas-policy")
                        default:
                            break
                        }
                        queue.done(key)
                    }
                }
                group.addTask {
                    // Level-triggered: everything is checked again now and then.
                    while !Task.isCancelled {
                        for key in ["proxy", "routes", "policy"] { queue.add(key) }
                        try? await Task.sleep(for: configuration.resyncPeriod)
                    }
                }
                group.addTask {
                    await withTaskCancellationHandler {
                        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                    } onCancel: {
                        queue.shutDown()
                    }
                }
            }
        }
        await tables.remove(["daas-proxy", "daas-policy"])
        await routes.sync([:])
    }

    /// This node's podCIDR once the master allocated it (nil when shut down first).
    private func waitForPodCIDR(_ api: APIConnection) async -> String? {
        let path = "/api/v1/nodes/" + (configuration.nodeName.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-."))) ?? "")
        var logged = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let response = try? await api.send(.GET, path), response.status == 200,
                let cidr = response.object[path: ["spec", "podCIDR"]]?.stringValue, (try? PodSubnet(cidr)) != nil
            {
                return cidr
            }
            if !logged {
                logger.info("waiting for the node's podCIDR")
                logged = true
            }
            try? await Task.sleep(for: .seconds(1))
        }
        return nil
    }

    /// The route to each other node's podCIDR via its InternalIP.
    static func routes(_ nodes: [JSONValue], except name: String) -> [String: String] {
        var routes: [String: String] = [:]
        for node in nodes where node[path: ["metadata", "name"]]?.stringValue != name {
            guard let cidr = node[path: ["spec", "podCIDR"]]?.stringValue, (try? PodSubnet(cidr)) != nil,
                let ip = (node[path: ["status", "addresses"]]?.arrayValue ?? []).first(where: { $0["type"] == "InternalIP" })?["address"]?.stringValue,
                IPv4CIDR.octets(ip) != nil
            else { continue }
            routes[cidr] = ip
        }
        return routes
    }

    /// The nameservers of the node's /etc/resolv.conf.
    static func nameservers() -> [String] {
        let text = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[0] == "nameserver", IPv4CIDR.octets(String(fields[1])) != nil else { return nil }
            return String(fields[1])
        }
    }

    /// Writes a sysctl of this network namespace (best effort: logged by the caller's effects).
    static func sysctl(_ key: String, _ value: String) {
        try? value.write(toFile: "/proc/sys/" + key, atomically: false, encoding: .utf8)
    }
}
