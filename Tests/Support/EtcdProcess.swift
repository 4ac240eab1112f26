public import Foundation
import Synchronization

/// An etcd member (Debian's etcd-server) on free loopback ports with its data in a temporary
/// directory, alone or in a cluster, for tests of the etcd store and of masters sharing it. ``stop()`` ends it and
/// removes its data; a test that forgets is covered by ``ChildProcess``'s kill on release.
public final class EtcdProcess: Sendable {
    public static let executable = "/usr/bin/etcd"
    /// Its data and log.
    public let directory: String
    /// `http://127.0.0.1:<port>` (`https://` with TLS).
    public let clientURL: String
    /// With TLS: the CA of its serving certificate and a client certificate and key it accepts (PEM files).
    public let tls: TLSFiles?

    /// The PEM files of a TLS etcd: its CA, and a client certificate and key signed by that CA.
    public struct TLSFiles: Sendable {
        public let ca: String
        public let clientCertificate: String
        public let clientKey: String
    }
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

    /// Starts a one-member etcd serving clients over TLS and requiring client certificates
    /// (`--client-cert-auth`), with a CA, serving and client certificates made by openssl.
    public static func withTLS() throws -> EtcdProcess {
        let ports = freeLoopbackPorts(2)
        let peerURL = "http://127.0.0.1:\(ports[1])"
        return try EtcdProcess(name: "tls", clientPort: ports[0], peerURL: peerURL, initialCluster: "tls=\(peerURL)", tls: true)
    }

    /// Starts `size` members forming one new cluster on loopback.
    public static func cluster(size: Int) throws -> [EtcdProcess] {
        let ports = freeLoopbackPorts(2 * size)
        let members = (0..<size).map { index in (name: "m\(index)", client: ports[2 * index], peer: "http://127.0.0.1:\(ports[2 * index + 1])") }
        let initial = members.map { "\($0.name)=\($0.peer)" }.joined(separator: ",")
        return try members.map { try EtcdProcess(name: $0.name, clientPort: $0.client, peerURL: $0.peer, initialCluster: initial) }
    }

    private init(name: String, clientPort: Int, peerURL: String, initialCluster: String, tls: Bool = false) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw CommandFailure(description: "\(Self.executable) is missing: run scripts/install-deps.sh (it installs etcd-server)")
        }
        self.name = name
        self.peerURL = peerURL
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("etcd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        clientURL = "\(tls ? "https" : "http")://127.0.0.1:\(clientPort)"
        var arguments = [
            "--name", name, "--data-dir", directory + "/data", "--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
            "--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL, "--initial-cluster", initialCluster,
            "--initial-cluster-state", "new", "--log-level", "error",
        ]
        if tls {
            let files = try Self.makeCertificates(in: directory)
            self.tls = files
            arguments += [
                "--cert-file", directory + "/server.crt", "--key-file", directory + "/server.key", "--client-cert-auth", "--trusted-ca-file", files.ca,
            ]
        } else {
            self.tls = nil
        }
        process = try ChildProcess(Self.executable, arguments, outputPath: directory + "/etcd.log")
    }

    /// A P-256 CA, a serving certificate for 127.0.0.1 and a client certificate, by openssl.
    private static func makeCertificates(in directory: String) throws -> TLSFiles {
        func openssl(_ arguments: [String]) throws {
            let result = try run("/usr/bin/openssl", arguments, timeout: 30)
            guard result.status == 0 else { throw CommandFailure(description: "openssl \(arguments.joined(separator: " ")): \(result.error)") }
        }
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + curve + ["-keyout", directory + "/ca.key", "-out", directory + "/ca.crt", "-days", "2", "-subj", "/CN=etcd-test-ca"])
        for (name, usage) in [("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"), ("client", "extendedKeyUsage=clientAuth\n")] {
            try usage.write(toFile: directory + "/\(name).ext", atomically: true, encoding: .utf8)
            try openssl(["req"] + curve + ["-keyout", directory + "/\(name).key", "-out", directory + "/\(name).csr", "-subj", "/CN=\(name)"])
            try openssl([
                "x509", "-req", "-in", directory + "/\(name).csr", "-CA", directory + "/ca.crt", "-CAkey", directory + "/ca.key", "-CAcreateserial",
                "-out", directory + "/\(name).crt", "-days", "2", "-extfile", directory + "/\(name).ext",
            ])
        }
        return TLSFiles(ca: directory + "/ca.crt", clientCertificate: directory + "/client.crt", clientKey: directory + "/client.key")
    }

    /// Waits (at most `timeout` seconds) until etcd answers `/health` with `"health":"true"`: on a
    /// loaded machine a member can take many seconds to serve. Throws when it does not.
    public func waitUntilHealthy(timeout: Double = 90) throws {
        let healthy = eventually(timeout) {
            let credentials = tls.map { ["--cacert", $0.ca, "--cert", $0.clientCertificate, "--key", $0.clientKey] } ?? []
            return ((try? run("/usr/bin/curl", ["-s", "--max-time", "2"] + credentials + [clientURL + "/health"], timeout: 10).output) ?? "").contains("\"health\":\"true\"")
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
