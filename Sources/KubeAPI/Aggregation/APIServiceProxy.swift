import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Requests for a group-version an APIService hands to an extension API server, passed on as
/// kube-aggregator passes them: over TLS to an endpoint of the APIService's Service, the server's
/// certificate checked against the APIService's `caBundle` for `<service>.<namespace>.svc`
/// (unless `insecureSkipTLSVerify`), presenting the front-proxy client certificate, with the
/// authenticated user in `X-Remote-User`, `X-Remote-Group` and `X-Remote-Extra-*` and the
/// client's own credentials removed. The discovery documents of available extension servers
/// are kept for this server's discovery.
public final class APIServiceProxy: Sendable {
    private let clientCertificate: [NIOSSLCertificate]
    private let clientKey: NIOSSLPrivateKey
    private let discovered = Mutex<[String: JSONValue]>([:])

    /// The largest request body passed on, and the most time for an answer's head.
    static let maxRequestBytes = 3 << 20
    static let timeout: TimeAmount = .seconds(30)

    /// A proxy presenting the front-proxy client certificate and key (PEM).
    public init(clientCertificatePEM: String, clientKeyPEM: String) throws {
        clientCertificate = try NIOSSLCertificate.fromPEMBytes(Array(clientCertificatePEM.utf8))
        clientKey = try NIOSSLPrivateKey(bytes: Array(clientKeyPEM.utf8), format: .pem)
    }

    /// Where an APIService's requests go.
    struct Target: Sendable {
        var address: String
        var port: Int
        /// `<service>.<namespace>.svc`, the name the server's certificate must carry.
        var serverName: String
        var caBundle: [UInt8]?
        var insecure: Bool
    }

    /// The target of the APIService `<version>.<group>`, or nil when there is none or it is local.
    /// - Throws: ``APIError`` 503 when the Service or its endpoints are missing.
    func target(group: String, version: String, objects: ObjectStore) async throws -> Target? {
        let apiServices = objects.registry.lookup(group: "apiregistration.k8s.io", version: "v1", plural: "apiservices")!
        guard let apiService = try? await objects.get(apiServices, namespace: nil, name: "\(version).\(group)"),
            let service = apiService[path: ["spec", "service"]], service != .null
        else { return nil }
        let namespace = service["namespace"]?.stringValue ?? ""
        let name = service["name"]?.stringValue ?? ""
        let servicePort = service["port"]?.integerValue ?? 443
        let unavailable = APIError(code: 503, reason: "ServiceUnavailable", message: "service unavailable", details: ["retryAfterSeconds": 1])
        let services = objects.registry.lookup(group: "", version: "v1", plural: "services")!
        let endpointsType = objects.registry.lookup(group: "", version: "v1", plural: "endpoints")!
        guard let serviceObject = try? await objects.get(services, namespace: namespace, name: name) else { throw unavailable }
        let ports = serviceObject[path: ["spec", "ports"]]?.arrayValue ?? []
        let declared = ports.first { $0["port"]?.integerValue == servicePort }
        guard let endpoints = try? await objects.get(endpointsType, namespace: namespace, name: name) else { throw unavailable }
        for subset in endpoints["subsets"]?.arrayValue ?? [] {
            guard let address = subset["addresses"]?.arrayValue?.first?["ip"]?.stringValue else { continue }
            let subsetPorts = subset["ports"]?.arrayValue ?? []
            let port = subsetPorts.first { declared?["name"] != nil && $0["name"] == declared?["name"] } ?? (subsetPorts.count == 1 ? subsetPorts.first : nil)
            guard let number = port?["port"]?.integerValue, (1...65535).contains(number) else { continue }
            let bundle = apiService[path: ["spec", "caBundle"]]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { Array($0) }
            return Target(
                address: address, port: Int(number), serverName: "\(name).\(namespace).svc", caBundle: bundle,
                insecure: apiService[path: ["spec", "insecureSkipTLSVerify"]] == true)
        }
        throw unavailable
    }

    /// Passes `request` (its path and query unchanged) to `target` as `user`.
    func proxy(_ request: Request, to target: Target, user: UserInfo) async throws -> Response {
        var outgoing = HTTPClientRequest(url: "https://\(target.serverName):\(target.port)\(request.uri.path)\(request.uri.query.map { "?" + $0 } ?? "")")
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for name in ["Accept", "Content-Type", "User-Agent"] {
            if let value = request.headers[.init(name)!] { outgoing.headers.add(name: name, value: value) }
        }
        Self.addIdentity(user, to: &outgoing.headers)
        if request.method != .get && request.method != .head {
            var body = request
            outgoing.body = .bytes(try await body.collectBody(upTo: Self.maxRequestBytes))
        }
        let client = try client(for: target)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, timeout: Self.timeout)
        } catch {
            try? await client.shutdown()
            throw APIError(code: 503, reason: "ServiceUnavailable", message: "error trying to reach service: \(error)")
        }
        var headers = HTTPFields()
        if let type = response.headers.first(name: "Content-Type") { headers[.contentType] = type }
        return Response(
            status: .init(code: Int(response.status.code)), headers: headers,
            body: ResponseBody { writer in
                defer { Task { try? await client.shutdown() } }
                for try await chunk in response.body { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
    }

    /// The front-proxy headers of `user` (kube's requestheader authenticator reads them).
    static func addIdentity(_ user: UserInfo, to headers: inout HTTPHeaders) {
        headers.add(name: "X-Remote-User", value: user.name)
        for group in user.groups { headers.add(name: "X-Remote-Group", value: group) }
        for (key, values) in user.extra.sorted(by: { $0.key < $1.key }) {
            let escaped = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? key
            for value in values { headers.add(name: "X-Remote-Extra-\(escaped)", value: value) }
        }
    }

    /// A client for one exchange with `target` (each APIService trusts its own CA bundle).
    private func client(for target: Target) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateChain = clientCertificate.map { .certificate($0) }
        tls.privateKey = .privateKey(clientKey)
        tls.minimumTLSVersion = .tlsv12
        if target.insecure {
            tls.certificateVerification = .none
        } else {
            tls.trustRoots = .certificates(try target.caBundle.map { try NIOSSLCertificate.fromPEMBytes($0) } ?? [])
            tls.certificateVerification = .fullVerification
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(5), read: Self.timeout))
        configuration.dnsOverride = [target.serverName: target.address]
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    // MARK: Discovery

    /// Asks the extension server for `/apis/<group>/<version>` and keeps its resource list.
    /// - Returns: nil when it answered with a resource list, else why the check failed.
    func checkDiscovery(group: String, version: String, objects: ObjectStore) async -> String? {
        do {
            guard let target = try await target(group: group, version: version, objects: objects) else { return "not a remote APIService" }
            let client = try client(for: target)
            defer { Task { try? await client.shutdown() } }
            var request = HTTPClientRequest(url: "https://\(target.serverName):\(target.port)/apis/\(group)/\(version)")
            request.headers.add(name: "Accept", value: "application/json")
            Self.addIdentity(UserInfo(name: "system:kube-aggregator", groups: ["system:masters"]), to: &request.headers)
            let response = try await client.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 4 << 20)
            guard response.status == .ok else { return "failing or missing response from \(target.serverName): bad status from \(target.serverName): \(response.status.code)" }
            let list = try JSONParser().parse(body.readableBytesView)
            guard list["kind"] == "APIResourceList" else { return "\(target.serverName) did not answer with an APIResourceList" }
            discovered.withLock { $0["\(group)/\(version)"] = list }
            return nil
        } catch {
            forget(group: group, version: version)
            return "failing or missing response: \(error)"
        }
    }

    /// Drops what discovery knew of `<group>/<version>`.
    func forget(group: String, version: String) {
        _ = discovered.withLock { $0.removeValue(forKey: "\(group)/\(version)") }
    }

    /// The resource lists of available extension servers, by `group/version`.
    var resourceLists: [String: JSONValue] { discovered.withLock { $0 } }
}
