import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOSSL
import StreamTunnel
import Synchronization

/// The API server's HTTPS clients to node agents (kubelet API: container logs; upgrades for
/// exec, attach and port-forward), one per node:
/// the API server presents its kubelet-client certificate, and the node must present a
/// certificate from the cluster CA for its own name (requests go to `https://<node-name>:<port>`
/// with the name resolved to the node's InternalIP), so a node cannot answer for another.
public final class NodeConnections: Sendable {
    private let tls: TLSConfiguration
    private let tlsContext: NIOSSLContext
    private let clients = Mutex<[String: (address: String, client: HTTPClient)]>([:])

    /// Clients trusting `caCertificatePEM`, presenting the certificate and key (PEM).
    public init(caCertificatePEM: String, clientCertificatePEM: String, clientKeyPEM: String) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caCertificatePEM.utf8)))
        tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(clientCertificatePEM.utf8)).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(clientKeyPEM.utf8), format: .pem))
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        self.tls = tls
        self.tlsContext = try NIOSSLContext(configuration: tls)
    }

    /// Sends an upgrade request to the agent of `target` (over TLS, the certificate checked for
    /// the node's name) and returns its answer, to relay.
    func upgrade(_ target: NodeTarget, method: String, path: String, fields: [(name: String, value: String)]) async throws -> UpgradeUpstream {
        try await UpgradeTunnel.dial(
            host: target.address, port: target.port, tls: tlsContext, serverHostname: target.node, method: method, target: path,
            authority: "\(target.node):\(target.port)", fields: fields)
    }

    /// Sends `request`, whose URL is a path (and query) on the kubelet API, to the agent of
    /// `target`, within 30 s for the answer's head; the body streams after.
    func execute(_ request: HTTPClientRequest, on target: NodeTarget) async throws -> HTTPClientResponse {
        var request = request
        request.url = "https://\(target.node):\(target.port)\(request.url)"
        return try await client(node: target.node, address: target.address).execute(request, timeout: .seconds(30))
    }

    /// An answer's body passed on to the client as it arrives.
    static func relay(_ body: HTTPClientResponse.Body) -> ResponseBody {
        ResponseBody { writer in
            for try await chunk in body { try await writer.write(chunk) }
            try await writer.finish(nil)
        }
    }

    /// The client for `node` at `address` (a new one when the node's address changed).
    private func client(node: String, address: String) -> HTTPClient {
        let (client, replaced): (HTTPClient, HTTPClient?) = clients.withLock { clients in
            if let existing = clients[node], existing.address == address { return (existing.client, nil) }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(10), read: nil))
            configuration.dnsOverride = [node: address]
            configuration.httpVersion = .http1Only
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let old = clients[node]?.client
            clients[node] = (address, client)
            return (client, old)
        }
        if let replaced { Task { try? await replaced.shutdown() } }
        return client
    }

    /// Closes every client (on API server shutdown).
    public func shutdown() async {
        let all = clients.withLock { clients in
            defer { clients.removeAll() }
            return clients.values.map(\.client)
        }
        for client in all { try? await client.shutdown() }
    }
}
