import Foundation

/// Where an ``EtcdStore`` finds its etcd cluster and how it talks to it.
public struct EtcdConfiguration: Sendable {
    /// The members' client URLs, `http://host:port` or `https://host:port` (all one scheme, IPv4
    /// addresses or host names); calls go to the first that answers and move on when it fails.
    public var endpoints: [String]
    /// The CA that signed the members' serving certificates (PEM file). Required with https.
    public var caFile: String?
    /// The client certificate and key (PEM files) for etcd's `--client-cert-auth`; both or neither.
    public var certificateFile: String?
    public var keyFile: String?
    /// Prepended to every key, so several clusters (or other data) can share one etcd. Default `/daas`.
    public var keyPrefix: String
    /// The deadline of each unary call. Default 10 s.
    public var requestTimeout: Duration
    /// Limits and history retention, as for the built-in store.
    public var store: StoreConfiguration

    /// A configuration for `endpoints` with the defaults above.
    public init(
        endpoints: [String], caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, keyPrefix: String = "/daas",
        requestTimeout: Duration = .seconds(10), store: StoreConfiguration = StoreConfiguration()
    ) {
        self.endpoints = endpoints
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.keyPrefix = keyPrefix
        self.requestTimeout = requestTimeout
        self.store = store
    }

    /// Checks the endpoints and TLS settings as ``EtcdStore`` will read them.
    /// - Throws: ``StoreError/Code/storage`` naming what is wrong.
    public func validate() throws {
        _ = try parsedEndpoints()
    }

    /// One parsed endpoint.
    struct Endpoint: Hashable {
        var host: String
        var port: Int
    }

    /// The endpoints as hosts and ports, and whether they use TLS.
    /// - Throws: ``StoreError/Code/storage`` naming the first malformed URL.
    func parsedEndpoints() throws -> (endpoints: [Endpoint], tls: Bool) {
        guard !endpoints.isEmpty, endpoints.count <= 16 else { throw StoreError.storage("give 1 to 16 etcd endpoints") }
        var parsed: [Endpoint] = []
        var schemes = Set<String>()
        for url in endpoints {
            let bytes = Array(url.utf8)
            guard bytes.count <= 256, let separator = url.range(of: "://") else { throw StoreError.storage("etcd endpoint \(url.prefix(80)) is not http(s)://host:port") }
            let scheme = String(url[..<separator.lowerBound])
            var rest = String(url[separator.upperBound...])
            if rest.hasSuffix("/") { rest.removeLast() }
            guard scheme == "http" || scheme == "https", let colon = rest.lastIndex(of: ":"),
                let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port)
            else { throw StoreError.storage("etcd endpoint \(url.prefix(80)) is not http(s)://host:port") }
            let host = String(rest[..<colon])
            guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != 0x2f && $0 != 0x40 }) else {
                throw StoreError.storage("etcd endpoint \(url.prefix(80)) has no usable host")
            }
            schemes.insert(scheme)
            parsed.append(Endpoint(host: host, port: port))
        }
        guard schemes.count == 1 else { throw StoreError.storage("etcd endpoints mix http and https") }
        let tls = schemes.first == "https"
        if tls, caFile == nil { throw StoreError.storage("https etcd endpoints need the CA file (--etcd-cafile)") }
        if (certificateFile == nil) != (keyFile == nil) { throw StoreError.storage("give both the etcd client certificate and its key, or neither") }
        if !tls, certificateFile != nil { throw StoreError.storage("a client certificate needs https etcd endpoints") }
        return (parsed, tls)
    }
}
