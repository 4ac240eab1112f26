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

    /// Creates a configuration with the defaults above.
    public init(apiServer: String, caCertificatePEM: String, nodeName: String) {
        self.apiServer = apiServer
        self.caCertificatePEM = caCertificatePEM
        self.nodeName = nodeName
    }
}
