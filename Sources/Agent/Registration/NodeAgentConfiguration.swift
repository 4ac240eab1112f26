public import KubeTypes
/// What a simulated node offers, as kwok nodes do.
public struct SimulatedNode: Sendable {
    /// `status.capacity` and `status.allocatable`, e.g. `["cpu": "4", "memory": "8Gi", "pods": "110"]`.
    public var capacity: [String: String]
    /// `spec.taints`: key, value and effect each.
    public var taints: [(key: String, value: String, effect: String)]

    /// A simulated node with `capacity` and `taints`.
    public init(capacity: [String: String] = ["cpu": "4", "memory": "8Gi", "pods": "110"], taints: [(key: String, value: String, effect: String)] = []) {
        self.capacity = capacity
        self.taints = taints
    }
}

/// What a ``NodeAgent`` joins and how often it reports. Plain configuration with documented defaults.
public struct NodeAgentConfiguration: Sendable {
    /// The API server, `https://host:port`.
    public var apiServer: String
    /// The cluster CA (PEM) the API server's certificate must chain to: the one the attestation bound.
    public var caCertificatePEM: String
    /// The Node name (a DNS-1123 subdomain).
    public var nodeName: String
    /// Extra labels for the Node, beside `kubernetes.io/hostname`, `kubernetes.io/os` and `kubernetes.io/arch`.
    public var labels: [String: String] = [:]
    /// `spec.leaseDurationSeconds` of the node Lease. Default 40, as the kubelet.
    public var leaseDurationSeconds = 40
    /// How often the Lease is renewed. Default 10 s (a quarter of the lease duration, as the kubelet).
    public var renewInterval: Duration = .seconds(10)
    /// How often the Node's status conditions are re-reported. Default 60 s.
    public var statusInterval: Duration = .seconds(60)
    /// A simulated node's capacity and taints: the node reports Ready (its pods are simulated by
    /// ``PodSimulator``). Default nil: a real node, whose runtime readiness is reported.
    public var simulated: SimulatedNode?
    /// Whether to keep renewing the Lease and status; false simulates a node that stopped
    /// heartbeating. Default: always.
    public var heartbeating: @Sendable () -> Bool = { true }
    /// A real node's runtime state (readiness, version, images), read before each status
    /// report; a change is reported at the next heartbeat. Default nil: a node without pods
    /// (or simulated), whose Ready condition says so.
    public var runtime: (@Sendable () async -> NodeRuntimeState)?
    /// A real node's machine (capacity, addresses, identity). Default nil: read from the host.
    public var machine: NodeMachine?
    /// A client shared with other agents (simulated nodes). Default nil: the agent has its own.
    public var pool: APIClientPool?
    /// The node's usage (kubelet Summary API shape), sent to the master every ``statsInterval``
    /// for `metrics.k8s.io` and `kubectl top`. Default nil: nothing is sent.
    public var stats: (@Sendable () async -> StatsSummary?)?
    /// How often ``stats`` is sent. Default 15 s (metrics-server's resolution).
    public var statsInterval: Duration = .seconds(15)

    /// Creates a configuration with the defaults above.
    public init(apiServer: String, caCertificatePEM: String, nodeName: String) {
        self.apiServer = apiServer
        self.caCertificatePEM = caCertificatePEM
        self.nodeName = nodeName
    }
}
