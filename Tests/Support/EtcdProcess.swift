public import Foundation

/// A one-member etcd (Debian's etcd-server) on free loopback ports with its data in a temporary
/// directory, for tests of the etcd store and of masters sharing it. ``stop()`` ends it and
/// removes its data; a test that forgets is covered by ``ChildProcess``'s kill on release.
public final class EtcdProcess: Sendable {
    public static let executable = "/usr/bin/etcd"
    /// Its data and log.
    public let directory: String
    /// `http://127.0.0.1:<port>`.
    public let clientURL: String
    public let process: ChildProcess

    /// Starts etcd; it answers a moment later.
    public init() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw CommandFailure(description: "\(Self.executable) is missing: run scripts/install-deps.sh (it installs etcd-server)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("etcd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (client, peer) = (freeLoopbackPort(), freeLoopbackPort())
        clientURL = "http://127.0.0.1:\(client)"
        let peerURL = "http://127.0.0.1:\(peer)"
        process = try ChildProcess(Self.executable, [
            "--name", "test", "--data-dir", directory + "/data", "--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
            "--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL, "--initial-cluster", "test=\(peerURL)",
            "--log-level", "error",
        ], outputPath: directory + "/etcd.log")
    }

    /// Stops etcd (SIGTERM, then SIGKILL after 10 s) and removes its data.
    public func stop() {
        process.signal(SIGTERM)
        if process.wait(timeout: 10) == nil { process.kill() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A port the kernel reports free on 127.0.0.1 (bound to port 0, read back, released).
public func freeLoopbackPort() -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
