import Crypto
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SwiftASN1
import X509

/// Fetches a master's attestation document over TLS and verifies that it binds that very TLS
/// connection: the attested `public_key` must be the certificate key the server presented, and
/// the attested CA hash the CA it presented. Only then is the master (and its CA) trusted.
///
/// This is the join step of every client: the worker and `daasctl kubeconfig` run it, with a fresh
/// random nonce, before they send any token.
public enum MasterAttestationClient {
    /// What a verified master proved.
    public struct Result: Sendable {
        /// The verified document.
        public var verified: VerifiedAttestation
        /// The cluster id and CA hash the document binds.
        public var binding: MasterBinding
        /// The CA certificate (DER) the server presented and the document binds: pin it.
        public var caCertificateDER: [UInt8]

        /// The CA certificate as PEM, for a kubeconfig or a TLS trust root.
        public var caCertificatePEM: String {
            "-----BEGIN CERTIFICATE-----\n"
                + Data(caCertificateDER).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
                + "\n-----END CERTIFICATE-----\n"
        }
    }

    /// Fetches a fresh document from `url` (`https://host[:port]`) with a random 32-byte nonce,
    /// verifies it against `trust`, and checks it binds the TLS connection and the pinned cluster
    /// id and CA. Throws ``AttestationError`` (`master.*` codes, or the verifier's).
    public static func verify(url: String, trust: MasterTrust) async throws -> Result {
        try trust.checkSufficient()
        let result = try await verify(url: url, verifier: trust.verifier, expectations: trust.expectations)
        try trust.checkPins(result.binding)
        return result
    }

    /// Fetches a fresh document from `url` (`https://host[:port]`) with a random 32-byte nonce,
    /// verifies it with `verifier` and `expectations`, and checks it binds the TLS connection.
    /// Prefer ``verify(url:trust:)``, which also refuses trust any enclave would satisfy.
    /// Throws ``AttestationError`` (`master.*` codes, or the verifier's).
    public static func verify(url: String, verifier: AttestationVerifier, expectations: AttestationExpectations) async throws -> Result {
        guard let components = URLComponents(string: url), components.scheme == "https", let host = components.host else {
            throw AttestationError(.masterInvalidURL, "the master URL must be https://host[:port], got \(url.prefix(200))")
        }
        let port = components.port ?? 443
        var expectations = expectations
        let nonce = (0..<32).map { _ in UInt8.random(in: 0...255) }
        expectations.nonce = nonce
        expectations.requirePublicKey = true
        expectations.requireUserData = true
        let (chain, response) = try await fetch(host: host, port: port, path: "/daas/v1/attestation?nonce=" + Hex.encode(nonce))
        guard let status = response.status, status == 200 else {
            throw AttestationError(.masterHTTPStatus, "\(url) answered \(response.status.map(String.init) ?? "no HTTP response") to the attestation request")
        }
        let verified = try verifier.verify(response.body, expectations: expectations)
        guard let leaf = chain.first, let tlsKey = try? Certificate(derEncoded: leaf.toDERBytes()).publicKey.subjectPublicKeyInfoBytes,
            verified.publicKey.map({ $0.elementsEqual(tlsKey) }) == true
        else {
            throw AttestationError(.masterKeyMismatch, "the TLS key \(url) presented is not the attested public_key (a man in the middle, or another server)")
        }
        let binding: MasterBinding
        do {
            binding = try MasterBinding(userData: verified.userData ?? [])
        } catch {
            throw AttestationError(.masterBindingInvalid, "the attested user_data is not a master binding: \(error)")
        }
        guard chain.count >= 2, let caDER = try? chain[chain.count - 1].toDERBytes(), Array(SHA256.hash(data: caDER)) == binding.caSHA256 else {
            throw AttestationError(.masterCAMismatch, "the CA \(url) presented does not match the attested CA hash")
        }
        return Result(verified: verified, binding: binding, caCertificateDER: caDER)
    }

    /// A parsed `Connection: close` response.
    package struct HTTPResponse {
        package var status: Int?
        package var body: [UInt8]
    }

    /// One HTTP/1.1 GET over TLS, keeping the certificates the server presented.
    static func fetch(host: String, port: Int, path: String) async throws -> ([NIOSSLCertificate], HTTPResponse) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: tls)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = eventLoop.makePromise(of: ([NIOSSLCertificate], [UInt8]).self)
        let serverName = ClusterHostName.isIPAddress(host) ? nil : host
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let collector = ResponseCollector(promise: promise)
                        // Trust is decided by the attestation, so the chain is only recorded here.
                        let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, verification in
                            collector.chain = certificates
                            verification.succeed(.certificateVerified)
                        }
                        try channel.pipeline.syncOperations.addHandlers(handler, collector)
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            throw AttestationError(.masterUnreachable, "cannot connect to \(host):\(port): \(error)")
        }
        // A server that never closes must not hang the client: give up after 30 s.
        let deadline = eventLoop.scheduleTask(in: .seconds(30)) {
            promise.fail(AttestationError(.masterUnreachable, "\(host):\(port) did not finish its answer within 30 s"))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nAccept: application/cbor\r\nConnection: close\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request)).get()
        let (chain, raw) = try await promise.futureResult.get()
        return (chain, parse(raw))
    }

    /// Splits a `Connection: close` HTTP/1.1 response into its status and body (Content-Length or
    /// to the end). Works on bytes with bounds checks throughout: the peer is not trusted yet, so
    /// any bytes at all must give an answer (a `nil` status for garbage), never a crash.
    package static func parse(_ raw: [UInt8]) -> HTTPResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard raw.count >= separator.count,
            let headerEnd = (0...(raw.count - separator.count)).first(where: { raw[$0..<($0 + separator.count)].elementsEqual(separator) })
        else { return HTTPResponse(status: nil, body: []) }
        let lines = raw[..<headerEnd].split(separator: 10, omittingEmptySubsequences: false).map { line in
            line.last == 13 ? line.dropLast() : line
        }
        // "HTTP/1.1 200 OK": the second space-separated field, exactly three ASCII digits.
        var status: Int?
        if let statusLine = lines.first, statusLine.starts(with: Array("HTTP/1.".utf8)) {
            let fields = statusLine.split(separator: 32, maxSplits: 2)
            if fields.count >= 2, fields[1].count == 3, fields[1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                status = fields[1].reduce(0) { $0 * 10 + Int($1 - 0x30) }
            }
        }
        var body = Array(raw[(headerEnd + separator.count)...])
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: 58) else { continue }
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            guard name == "content-length" else { continue }
            let value = line[(colon + 1)...].drop { $0 == 32 || $0 == 9 }.prefix { $0 != 32 && $0 != 9 }
            // At most 9 digits: far above the 1 MiB the collector accepts, far below Int overflow.
            if !value.isEmpty, value.count <= 9, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                let length = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                if length <= body.count { body = Array(body.prefix(length)) }
            }
            break
        }
        return HTTPResponse(status: status, body: body)
    }
}

/// Collects everything a connection receives, up to 1 MiB, and the certificates the server
/// presented, until the connection closes; then completes its promise exactly once.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var chain: [NIOSSLCertificate] = []
    private var bytes: [UInt8] = []
    private var promise: EventLoopPromise<([NIOSSLCertificate], [UInt8])>?

    init(promise: EventLoopPromise<([NIOSSLCertificate], [UInt8])>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bytes += unwrapInboundIn(data).readableBytesView
        if bytes.count > 1 << 20 { finish(.failure(AttestationError(.inputTooLarge, "the attestation response is larger than 1 MiB")), context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.success((chain, bytes)), context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A peer that closes TCP without close_notify: the response is judged by its bytes (the
        // Content-Length and then the signature), so that is the end of the stream, not a failure.
        if case NIOSSLError.uncleanShutdown? = error as? NIOSSLError { return }
        finish(.failure(AttestationError(.masterUnreachable, "TLS or connection error: \(error)")), context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(AttestationError(.masterUnreachable, "the connection closed before a response")), context)
    }

    private func finish(_ result: Result<([NIOSSLCertificate], [UInt8]), any Error>, _ context: ChannelHandlerContext) {
        guard let promise else { return }
        self.promise = nil
        promise.completeWith(result)
        context.close(promise: nil)
    }
}

enum ClusterHostName {
    static func isIPAddress(_ host: String) -> Bool {
        host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil } || host.contains(":")
    }
}
