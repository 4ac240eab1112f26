import AsyncHTTPClient
import NIOCore
import NIOSSL

/// One HTTPS client (TLS pinned to the cluster CA, HTTP/2 when the server offers it) shared by
/// many agents, as kwok's nodes share one: `daas-worker --simulate N` runs thousands of node
/// agents without thousands of connection pools. Each request still carries its own node's
/// token. Shut it down after every agent using it has stopped.
public final class APIClientPool: Sendable {
    let http: HTTPClient

    /// A pool trusting `caCertificatePEM`.
    /// - Throws: ``AgentError`` when the CA is not PEM.
    public init(caCertificatePEM: String) throws(AgentError) {
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: try Self.configuration(caCertificatePEM: caCertificatePEM))
    }

    /// The client configuration every agent connection uses.
    static func configuration(caCertificatePEM: String) throws(AgentError) -> HTTPClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caCertificatePEM.utf8)))
        } catch {
            throw AgentError(.invalidConfiguration, "the CA certificate is not PEM: \(error)")
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        configuration.redirectConfiguration = .disallow
        return configuration
    }

    /// Closes the pool's connections.
    public func shutdown() async {
        try? await http.shutdown()
    }
}
