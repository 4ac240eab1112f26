public import Foundation
import Synchronization

/// An etcd member (Debian's etcd-server) on free loopback ports with its data in a temporary
/// directory, alone or in a cluster, for tests of the etcd store and of masters sharing it. ``stop()`` ends it and
/// removes its data; a test that forgets is covered by ``ChildProcess``'s kill on release.
public final class EtcdProcess: Sendable {
    public static let executable = "/usr/bin/etcd"
    /// Its data and log.
    public let directory: String
    /// `http://127.0.0.1:<port>`.
    public let clientURL: String
    public let process: ChildProcess

    /// The member's name and peer URL.
    public let name: String
    public let peerURL: String

    /// Starts a one-member etcd; it answers a moment later.
    public convenience init() throws {
        let ports = freeLoopbackPorts(2)
        let (client, peer) = (ports[0], ports[1])
        let peerURL = "http://127.0.0.1:\(peer)"
        try self.init(name: "test", clientPort: client, peerURL: peerURL, initialCluster: "test=\(peerURL)")
    }

    /// Starts `size` members forming one new cluster on loopback.
    public static func cluster(size: Int) throws -> [EtcdProcess] {
        let ports = freeLoopbackPorts(2 * size)
        let members = (0..<size).map { index in (name: "m\(index)", client: ports[2 * index], peer: "http://127.0.0.1:\(ports[2 * index + 1])") }
        let initial = members.map { "\($0.name)=\($0.peer)" }.joined(separator: ",")
        return try members.map { try EtcdProcess(name: $0.name, clientPort: $0.client, peerURL: $0.peer, initialCluster: initial) }
    }

    private init(name: String, clientPort: Int, peerURL: String, initialCluster: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw CommandFailure(description: "\(Self.executable) is missing: run scripts/install-deps.sh (it installs etcd-server)")
        }
        self.name = name
        self.peerURL = peerURL
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("etcd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        clientURL = "http://127.0.0.1:\(clientPort)"
        process = try ChildProcess(Self.executable, [
            "--name", name, "--data-dir", directory + "/data", "--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
            "--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL, "--initial-cluster", initialCluster,
            "--initial-cluster-state", "new", "--log-level", "error",
        ], outputPath: directory + "/etcd.log")
    }

    /// Waits (at most `timeout` seconds) until etcd answers `/health` with `"health":"true"`: on a
    /// loaded machine a member can take many seconds to serve. Throws when it does not.
    public func waitUntilHealthy(timeout: Double = 90) throws {
        let healthy = eventually(timeout) {
            ((try? run("/usr/bin/curl", ["-s", "--max-time", "2", clientURL + "/health"], timeout: 10).output) ?? "").contains("\"health\":\"true\"")
        }
        guard healthy else { throw CommandFailure(description: "etcd at \(clientURL) is not healthy after \(Int(timeout)) s: \(process.output.suffix(2000))") }
    }

    /// Stops etcd (SIGTERM, then SIGKILL after 10 s) and removes its data.
    public func stop() {
        process.signal(SIGTERM)
        if process.wait(timeout: 10) == nil { process.kill() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// `count` distinct ports the kernel reports free on 127.0.0.1: each is bound to port 0 and read
/// back, all are held until the last is chosen, and none is handed out twice in this process
/// (tests start etcd members in parallel; a port released by one must not go to another).
public func freeLoopbackPorts(_ count: Int) -> [Int] {
    var descriptors: [Int32] = []
    defer { for descriptor in descriptors { close(descriptor) } }
    var ports: [Int] = []
    while ports.count < count {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        descriptors.append(descriptor)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        if handedOutPorts.withLock({ $0.insert(port).inserted }) { ports.append(port) }
    }
    return ports
}

private let handedOutPorts = Mutex(Set<Int>())
