import Foundation
import Hummingbird
import HummingbirdTLS
import KubeInformers
import Logging
import NIOCore
import NIOSSL
import StreamTunnel
import Synchronization

/// Serves the kubelet API (``KubeletAPI``) over TLS on the node: the certificate the master's CA
/// issued for this node (``KubeletServingIdentity``), client certificates required and verified
/// against the cluster CA. Run by the ``Kubelet``; the bound port is published in the node status
/// (`daemonEndpoints.kubeletEndpoint.Port`).
struct KubeletServer {
    let host: String
    let port: Int
    let identity: KubeletServingIdentity
    let caCertificatePEM: String
    let api: KubeletAPI
    let logger: Logger

    /// Runs until cancelled; `bound` receives the port once listening.
    func run(bound: @escaping @Sendable (Int) -> Void) async throws {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array((identity.certificatePEM + "\n" + caCertificatePEM).utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.keyPEM.utf8), format: .pem)))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caCertificatePEM.utf8)))
        tls.certificateVerification = .noHostnameVerification
        tls.minimumTLSVersion = .tlsv12
        let app = Application(
            responder: api,
            // exec, attach and port-forward connections become tunnels to the runtime.
            server: try .tls(
                .http1(configuration: .init(additionalChannelHandlers: [UpgradeTakeoverHandler { KubeletAPI.isStreamPath($0.path ?? "") }])),
                tlsConfiguration: tls),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in bound(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.run()
    }
}
