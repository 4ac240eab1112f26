import Foundation
public import Logging
public import ServiceLifecycle
import Subprocess
import SystemPackage

/// Runs containerd for this node (`daas-worker --manage-containerd`): writes a configuration of its
/// own under ``Configuration/directory`` (root, state and socket there, the CRI plugin with CNI on
/// the pod bridge, registry mirrors), creates the pod bridge with its gateway address, starts
/// `containerd` and stops it (SIGTERM, then SIGKILL after 10 s) when the service group shuts down.
///
/// Order it before the node agent in the service group, so that it stops after the agent
/// (groups stop services in reverse order).
public struct ManagedContainerd: Service {
    /// Where containerd lives and what its CRI plugin is told.
    public struct Configuration: Sendable {
        /// The folder holding config, root, state, socket, CNI config and logs.
        public var directory: String
        /// The pod subnet on this node's bridge, as `A.B.C.0/24`, written at start. Default nil:
        /// the node network installs it (``ManagedContainerd/installPodNetwork(_:cidr:)``) once the
        /// master gave the node its podCIDR; until then the runtime reports its network not ready.
        public var podSubnet: String?
        /// The bridge's name. Default `daas0`.
        public var bridge = "daas0"
        /// The sandbox ("pause") image. Default `registry.k8s.io/pause:3.10`.
        public var sandboxImage = "registry.k8s.io/pause:3.10"
        /// Registry mirrors: a registry host (`docker.io`, `registry.k8s.io`, `127.0.0.1:5000`)
        /// to the endpoint pulls go to instead (`http://127.0.0.1:5000`). Default none.
        public var mirrors: [String: String] = [:]
        /// The `containerd` executable. Default: found on PATH.
        public var executable = "containerd"
        /// The folder of the CNI plugins. Default `/usr/lib/cni` (Debian's containernetworking-plugins).
        public var cniBinDirectory = "/usr/lib/cni"

        /// A configuration with the defaults above.
        public init(directory: String) { self.directory = directory }

        /// The CRI socket containerd serves.
        public var socketPath: String { directory + "/containerd.sock" }
    }

    let configuration: Configuration
    let logger: Logger

    /// A managed containerd.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        try writeConfiguration()
        if let podSubnet = configuration.podSubnet { try await Self.installPodNetwork(configuration, cidr: podSubnet) }
        let executable = try HostCommand.locate(configuration.executable)
        let logPath = configuration.directory + "/containerd.log"
        let log = try FileDescriptor.open(FilePath(logPath), .writeOnly, options: [.create, .append], permissions: [.ownerReadWrite])
        defer { try? log.close() }
        // Graceful shutdown cancels the run: swift-subprocess then sends SIGTERM and, 10 s later,
        // SIGKILL, and reaps containerd.
        var platformOptions = PlatformOptions()
        platformOptions.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(10))]
        let options = platformOptions
        logger.info("starting containerd", metadata: ["socket": "\(configuration.socketPath)", "log": "\(logPath)"])
        let status: TerminationStatus
        do {
            status = try await cancelWhenGracefulShutdown {
                try await Subprocess.run(
                    .path(FilePath(executable)), arguments: ["--config", configuration.directory + "/config.toml"], platformOptions: options,
                    input: .none, output: .fileDescriptor(log, closeAfterSpawningProcess: false), error: .fileDescriptor(log, closeAfterSpawningProcess: false)
                ).terminationStatus
            }
        } catch is CancellationError {
            logger.info("containerd stopped")
            return
        }
        guard Task.isShuttingDownGracefully || Task.isCancelled else {
            throw AgentError(.runtime, "containerd exited (\(status)); see \(logPath)")
        }
        logger.info("containerd stopped", metadata: ["status": "\(status)"])
    }

    /// Writes config.toml, the CNI conflist and the registry hosts files (0600/0644 under a 0700 folder).
    /// containerd's own configuration and registry mirrors; a pod network from an earlier run
    /// is removed until the node's is installed.
    private func writeConfiguration() throws {
        let directory = configuration.directory
        let files = FileManager.default
        for folder in ["", "/root", "/state", "/cni-conf", "/cni-data", "/certs.d", "/opt"] {
            try files.createDirectory(atPath: directory + folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try ContainerdConfigFiles.config(configuration).write(toFile: directory + "/config.toml", atomically: true, encoding: .utf8)
        if configuration.podSubnet == nil { try? files.removeItem(atPath: Self.conflistPath(configuration)) }
        for (host, endpoint) in configuration.mirrors {
            try files.createDirectory(atPath: directory + "/certs.d/" + host, withIntermediateDirectories: true)
            try ContainerdConfigFiles.hosts(host: host, mirror: endpoint).write(toFile: directory + "/certs.d/\(host)/hosts.toml", atomically: true, encoding: .utf8)
        }
    }

    private static func conflistPath(_ configuration: Configuration) -> String { configuration.directory + "/cni-conf/10-daas.conflist" }

    /// Builds the pod network on `cidr`: the bridge (if missing) with the gateway address, up, and
    /// the CNI configuration containerd's CRI plugin picks up (its network becomes ready).
    public static func installPodNetwork(_ configuration: Configuration, cidr: String) async throws {
        let subnet = try PodSubnet(cidr)
        let bridge = configuration.bridge
        _ = try? await HostCommand.run("/sbin/ip", ["link", "add", bridge, "type", "bridge"])
        // An address from another podCIDR (an earlier cluster) would route that range here.
        try await HostCommand.run("/sbin/ip", ["addr", "flush", "dev", bridge])
        try await HostCommand.run("/sbin/ip", ["addr", "replace", "\(subnet.gateway)/\(subnet.prefixLength)", "dev", bridge])
        try await HostCommand.run("/sbin/ip", ["link", "set", bridge, "up"])
        try ContainerdConfigFiles.conflist(configuration, subnet: subnet).write(toFile: conflistPath(configuration), atomically: true, encoding: .utf8)
    }
}

/// An IPv4 subnet of prefix length 8...30, as the pod bridge uses it: the gateway is the first address.
package struct PodSubnet: Sendable, Equatable {
    /// The network address's four bytes.
    let network: [UInt8]
    /// The prefix length.
    let prefixLength: Int

    /// Parses `A.B.C.D/N`; throws on anything else.
    package init(_ text: String) throws(AgentError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let octets = parts.first?.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) } ?? []
        guard parts.count == 2, octets.count == 4, let length = Int(parts[1]), (8...30).contains(length) else {
            throw AgentError(.invalidConfiguration, "the pod subnet must be an IPv4 CIDR A.B.C.D/N with N in 8...30, got \(text.prefix(64))")
        }
        let value = octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let mask = UInt32.max << UInt32(32 - length)
        let network = value & mask
        self.network = [UInt8(network >> 24), UInt8((network >> 16) & 0xff), UInt8((network >> 8) & 0xff), UInt8(network & 0xff)]
        prefixLength = length
    }

    private func address(_ offset: UInt32) -> String {
        let base = network.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } + offset
        return "\(base >> 24).\((base >> 16) & 0xff).\((base >> 8) & 0xff).\(base & 0xff)"
    }

    private var size: UInt32 { UInt32(1) << UInt32(32 - prefixLength) }
    /// `A.B.C.D/N`.
    var cidr: String { address(0) + "/\(prefixLength)" }
    /// The bridge's address, the pods' default gateway: the first host address.
    var gateway: String { address(1) }
    /// The first address pods get (leaves .1 to .9 to the node).
    var rangeStart: String { address(min(10, size - 2)) }
    /// The last address pods get (before the broadcast address).
    var rangeEnd: String { address(size - 2) }
}
