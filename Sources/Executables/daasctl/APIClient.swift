import AsyncHTTPClient
import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1
import NIOSSL

/// A minimal Kubernetes API client over the TLS identity a kubeconfig gives (CA pinned, client
/// certificate, bearer token, or the token an exec credential plugin prints); enough for
/// daasctl's few writes and the reads of `daasctl status`.
struct APIClient {
    private let http: HTTPClient
    private let server: String
    private let token: String?

    init(_ config: Kubeconfig) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(config.certificateAuthorityPEM.utf8)))
            if let certificate = config.clientCertificatePEM, let key = config.clientKeyPEM {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
            }
        } catch {
            throw Failure("the kubeconfig's certificates are not usable: \(error)")
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        server = config.server.hasSuffix("/") ? String(config.server.dropLast()) : config.server
        token = config.token
    }

    /// A client for the kubeconfig at `path`, whose user must have a client certificate or a
    /// token (daasctl runs no exec credential plugins); a one-line ``Failure`` otherwise.
    init(kubeconfigAt path: String) throws {
        let config: Kubeconfig
        do {
            config = try Kubeconfig.load(path)
        } catch {
            throw Failure(error.message)
        }
        guard config.token != nil || (config.clientCertificatePEM != nil && config.clientKeyPEM != nil) else {
            throw Failure("the kubeconfig's user has no client certificate or token (daasctl does not run exec plugins): use <data-dir>/admin.kubeconfig")
        }
        try self.init(config)
    }

    /// The server's URL, without a trailing slash.
    var serverURL: String { server }

    /// Sends one request; returns the status and at most `maxBytes` (default 1 MiB) of body.
    func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String? = nil, maxBytes: Int = 1 << 20) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body { request.body = .bytes(ByteBuffer(bytes: Array(body))) }
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: maxBytes)
            return (Int(response.status.code), Data(bytes.readableBytesView))
        } catch {
            throw Failure("cannot reach \(server): \(error)")
        }
    }

    /// GETs `path` and parses the JSON answer (at most `maxBytes`); a non-2xx answer is a
    /// ``Failure`` carrying the Status message.
    func getJSON(_ path: String, maxBytes: Int = 1 << 20) async throws -> JSONValue {
        let (status, body) = try await send(.GET, path, maxBytes: maxBytes)
        let parsed = try? JSONParser().parse(Array(body))
        guard (200..<300).contains(status) else {
            throw Failure("GET \(path): the API server answered \(status): \(parsed?["message"]?.stringValue ?? "no message")")
        }
        guard let parsed else { throw Failure("GET \(path): the answer is not JSON") }
        return parsed
    }

    func shutdown() {
        try? http.syncShutdown()
    }
}
