/// What a ``Kubelet`` runs pods with. Plain configuration with documented defaults.
public struct KubeletConfiguration: Sendable {
    /// The API server, `https://host:port`.
    public var apiServer: String
    /// The cluster CA (PEM) the API server's certificate must chain to.
    public var caCertificatePEM: String
    /// This node's name: the pods bound to it are run.
    public var nodeName: String
    /// The CRI socket (containerd's).
    public var runtimeSocket: String
    /// The agent's data folder: pod volumes under `pods/`, container logs under `logs/`.
    public var dataDirectory: String
    /// Whether privileged containers may run. Default true, as the kubelet's `--allow-privileged`.
    public var allowPrivileged = true
    /// How often a running pod's containers are looked at again (the kubelet's PLEG relist
    /// period). Default 1 s.
    public var pollInterval: Duration = .seconds(1)
    /// Pods synced at once. Default 16.
    public var workers = 16
    /// Whether every pod this agent started is stopped and removed when it shuts down (for a
    /// containerd the agent manages and stops too). Default false: pods outlive the agent.
    public var removePodsOnExit = false
    /// The node's resolv.conf contents, which the `Default` DNS policy copies. Default: read from
    /// /etc/resolv.conf when the kubelet starts.
    public var resolvConf: String = ""
    /// The cluster DNS servers pods with `dnsPolicy: ClusterFirst` use (the kubelet's
    /// `clusterDNS`). Default none: they use the node's resolv.conf.
    public var clusterDNS: [String] = []
    /// The cluster domain in pods' search paths (the kubelet's `clusterDomain`). Default `cluster.local`.
    public var clusterDomain = "cluster.local"

    /// When images are garbage collected. Default: the kubelet's (85 %, 80 %, 2 minutes, every 5 minutes).
    public var imageGC = ImageGCPolicy()
    /// Hard eviction thresholds. Default: the kubelet's (memory.available<100Mi,
    /// nodefs.available<10%, nodefs.inodesFree<5%, imagefs.available<15%).
    public var evictionHard = EvictionThreshold.defaults
    /// How often eviction signals are observed. Default 10 s, the kubelet's housekeeping period.
    public var evictionPeriod: Duration = .seconds(10)
    /// The directory of static pod manifests (the kubelet's `staticPodPath`). Default none.
    public var staticPodPath: String?
    /// How often the static pod directory is read. Default 20 s, the kubelet's `fileCheckFrequency`.
    public var staticPodPeriod: Duration = .seconds(20)

    /// The address the kubelet API (logs) listens on. Default `0.0.0.0`.
    public var serverAddress = "0.0.0.0"
    /// The kubelet API's port; 0 picks a free one. Default 10250, as the kubelet.
    public var serverPort = 10250
    /// The Prometheus text of the process's metrics, served on the kubelet API's `/metrics` (to
    /// the master only: `kubectl get --raw /api/v1/nodes/<node>/proxy/metrics`); nil answers 404.
    /// The agent reports kubelet's names through swift-metrics: `kubelet_pod_start_duration_seconds`,
    /// `kubelet_runtime_operations_total`, `kubelet_runtime_operations_duration_seconds` and
    /// `kubelet_runtime_operations_errors_total` (`operation_type`), `kubelet_running_pods`,
    /// `kubelet_running_containers` (`container_state`), `kubelet_image_pull_duration_seconds`
    /// and `kubelet_image_pulls_total` (`result`).
    public var metrics: (@Sendable () -> String)?

    /// Where pod volumes live.
    public var podsDirectory: String { dataDirectory + "/pods" }
    /// Where container logs live (`<namespace>_<name>_<uid>/<container>/<restart>.log`).
    public var logDirectory: String { dataDirectory + "/logs" }

    /// A configuration with the defaults above.
    public init(apiServer: String, caCertificatePEM: String, nodeName: String, runtimeSocket: String, dataDirectory: String) {
        self.apiServer = apiServer
        self.caCertificatePEM = caCertificatePEM
        self.nodeName = nodeName
        self.runtimeSocket = runtimeSocket
        self.dataDirectory = dataDirectory
    }
}

/// The container runtime as the node status reports it.
public struct NodeRuntimeState: Sendable, Equatable {
    /// Whether the runtime and its network are ready (CRI RuntimeReady and NetworkReady).
    public var ready: Bool
    /// Why not, when not ready.
    public var message: String
    /// `containerd://1.6.20`, empty when unknown.
    public var version: String
    /// The images present: names and size in bytes (for `status.images`).
    public var images: [(names: [String], sizeBytes: Int64)]
    /// The port the kubelet API listens on (`daemonEndpoints`), 0 until it does.
    public var kubeletPort = 0
    /// The node conditions under pressure (`MemoryPressure`, `DiskPressure`).
    public var pressure: Set<String> = []

    public static func == (lhs: NodeRuntimeState, rhs: NodeRuntimeState) -> Bool {
        lhs.ready == rhs.ready && lhs.kubeletPort == rhs.kubeletPort && lhs.pressure == rhs.pressure && lhs.message == rhs.message && lhs.version == rhs.version && lhs.images.map(\.names) == rhs.images.map(\.names)
            && lhs.images.map(\.sizeBytes) == rhs.images.map(\.sizeBytes)
    }
}
