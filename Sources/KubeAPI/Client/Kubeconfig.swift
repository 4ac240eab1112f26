import Foundation

/// The parts of a kubeconfig a client reads to call the API: the current context's server, CA,
/// and client certificate or bearer token. Parsed with the same bounded YAML decoder as request
/// bodies, so a hostile file cannot expand aliases or nest without limit.
public struct Kubeconfig: Sendable, Hashable {
    /// The largest kubeconfig read, in bytes.
    public static let maxBytes = 1 << 20

    /// The API server URL of the current context.
    public var server: String
    /// The cluster CA certificate, PEM.
    public var certificateAuthorityPEM: String
    /// The client certificate, PEM, when the user has one.
    public var clientCertificatePEM: String?
    /// The client key, PEM, when the user has one.
    public var clientKeyPEM: String?
    /// A static bearer token, when the user has one.
    public var token: String?

    /// Why a kubeconfig cannot be used.
    public struct Error: Swift.Error, Hashable, CustomStringConvertible {
        /// A stable code: `kubeconfig.unreadable`, `kubeconfig.malformed`, `kubeconfig.incomplete`.
        public var code: String
        /// A one-line explanation.
        public var message: String
        public var description: String { "\(code): \(message)" }
    }

    /// Reads the current context of the kubeconfig at `path`.
    public static func load(_ path: String) throws(Kubeconfig.Error) -> Kubeconfig {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = attributes[.size] as? NSNumber,
            size.intValue <= maxBytes, let data = FileManager.default.contents(atPath: path), data.count <= maxBytes
        else {
            throw Error(code: "kubeconfig.unreadable", message: "cannot read \(path) (missing, or larger than \(maxBytes) bytes)")
        }
        do {
            return try parse(Array(data))
        } catch {
            throw Error(code: error.code, message: "\(path): \(error.message)")
        }
    }

    /// Parses a kubeconfig document (YAML or JSON) and resolves its current context.
    public static func parse(_ bytes: [UInt8]) throws(Kubeconfig.Error) -> Kubeconfig {
        guard bytes.count <= maxBytes else { throw Error(code: "kubeconfig.malformed", message: "larger than \(maxBytes) bytes") }
        let root: JSONValue
        do {
            root = try YAMLValueDecoder().decode(bytes)
        } catch {
            throw Error(code: "kubeconfig.malformed", message: "not a YAML kubeconfig")
        }
        func named(_ list: String, _ name: String?) -> JSONValue? {
            guard let name else { return nil }
            return root[list]?.arrayValue?.first { $0["name"]?.stringValue == name }
        }
        guard let context = named("contexts", root["current-context"]?.stringValue)?["context"],
            let cluster = named("clusters", context["cluster"]?.stringValue)?["cluster"],
            let server = cluster["server"]?.stringValue
        else { throw Error(code: "kubeconfig.incomplete", message: "the current context names no cluster with a server") }
        guard let caData = cluster["certificate-authority-data"]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else {
            throw Error(code: "kubeconfig.incomplete", message: "the cluster has no certificate-authority-data (TLS verification is never skipped)")
        }
        let user = named("users", context["user"]?.stringValue)?["user"] ?? [:]
        func pem(_ key: String) -> String? {
            user[key]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
        }
        return Kubeconfig(
            server: server, certificateAuthorityPEM: String(decoding: caData, as: UTF8.self),
            clientCertificatePEM: pem("client-certificate-data"), clientKeyPEM: pem("client-key-data"), token: user["token"]?.stringValue)
    }

    /// Creates a kubeconfig value.
    public init(server: String, certificateAuthorityPEM: String, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil, token: String? = nil) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.token = token
    }
}
