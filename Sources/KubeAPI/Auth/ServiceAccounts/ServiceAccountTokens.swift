public import Crypto
public import Foundation

/// ServiceAccount tokens as kube-apiserver issues them through TokenRequest
/// (`kubectl create token`): JWTs signed by the master (ES256, key in
/// `<data-dir>/pki/service-account.key`, mode 0600) and bound to the ServiceAccount's uid, and
/// optionally to a Pod, Secret or Node: once the account or the bound object is gone (or
/// re-created with a new uid), its tokens stop authenticating.
///
/// The authenticated identity is kube's: `system:serviceaccount:<namespace>:<name>` in groups
/// `system:serviceaccounts` and `system:serviceaccounts:<namespace>`.
public struct ServiceAccountTokens: TokenAuthenticator {
    /// The `iss` claim, as k3s and kube-apiserver's default `--service-account-issuer`.
    public static let issuer = "https://kubernetes.default.svc.cluster.local"
    /// The audiences the API server accepts, and the default of a TokenRequest (k3s's `--api-audiences`).
    public static let apiAudiences = ["https://kubernetes.default.svc.cluster.local", "k3s"]
    /// A TokenRequest's default lifetime: one hour.
    public static let defaultExpirationSeconds: Int64 = 3600
    /// The shortest lifetime a TokenRequest may ask for (kube: ten minutes).
    public static let minExpirationSeconds: Int64 = 600
    /// The longest: 2^32 seconds, kube's bound.
    public static let maxExpirationSeconds: Int64 = 1 << 32

    private let key: P256.Signing.PrivateKey
    private let keyID: String
    private let objects: ObjectStore

    /// Tokens signed with `key`, checked against the objects in `objects`.
    public init(key: P256.Signing.PrivateKey, objects: ObjectStore) {
        self.key = key
        self.objects = objects
        // kube's key id: the unpadded base64url SHA-256 of the public key's DER.
        self.keyID = CompactJWS.base64URLEncode(Array(SHA256.hash(data: key.publicKey.derRepresentation)))
    }

    /// Loads the signing key from `path`, creating it (mode 0600) on first start.
    public static func loadOrCreateKey(path: String) throws -> P256.Signing.PrivateKey {
        if let data = FileManager.default.contents(atPath: path) {
            return try P256.Signing.PrivateKey(pemRepresentation: String(decoding: data, as: UTF8.self))
        }
        let key = P256.Signing.PrivateKey()
        try ClusterPKI.write(path, key.pemRepresentation, mode: 0o600)
        return key
    }

    /// The object a token is bound to besides its ServiceAccount.
    public struct BoundObject: Sendable, Hashable {
        /// `Pod`, `Secret` or `Node`.
        public var kind: String
        public var name: String
        public var uid: String

        /// A bound object.
        public init(kind: String, name: String, uid: String) {
            self.kind = kind
            self.name = name
            self.uid = uid
        }

        /// The kinds a token may be bound to: their resource, whether they live in the token's
        /// namespace, and the key naming them in the `kubernetes.io` claim.
        static let kinds: [(kind: String, plural: String, namespaced: Bool)] = [("Pod", "pods", true), ("Secret", "secrets", true), ("Node", "nodes", false)]

        /// The entry of ``kinds`` for `kind`, nil for a kind tokens cannot be bound to.
        static func kind(_ kind: String) -> (kind: String, plural: String, namespaced: Bool)? { kinds.first { $0.kind == kind } }
    }

    /// A signed token for the ServiceAccount `name` (uid `uid`) in `namespace`, valid for
    /// `expirationSeconds` from `now` (the caller bounds it, as TokenRequest validation does).
    public func issue(namespace: String, name: String, uid: String, audiences: [String], expirationSeconds: Int64, bound: BoundObject?, now: Date = Date()) throws -> (token: String, expires: Date) {
        let issuedAt = Int64(now.timeIntervalSince1970)
        let expires = issuedAt + expirationSeconds
        var kubernetes: JSONValue = ["namespace": .string(namespace), "serviceaccount": ["name": .string(name), "uid": .string(uid)]]
        if let bound {
            kubernetes[bound.kind.lowercased()] = ["name": .string(bound.name), "uid": .string(bound.uid)]
        }
        let claims: JSONValue = [
            "aud": .array(audiences.map { .string($0) }), "exp": .integer(expires), "iat": .integer(issuedAt), "nbf": .integer(issuedAt),
            "iss": .string(Self.issuer), "jti": .string(UUID().uuidString.lowercased()),
            "sub": .string("system:serviceaccount:\(namespace):\(name)"), "kubernetes.io": kubernetes,
        ]
        return (try CompactJWS.sign(claims: claims, keyID: keyID, key: key), Date(timeIntervalSince1970: Double(expires)))
    }

    /// The identity a ServiceAccount token proves; nil for tokens that are not JWTs.
    public func authenticate(token: String) async throws -> UserInfo? {
        guard let jws = try CompactJWS.parse(token) else { return nil }
        guard jws.header["alg"]?.stringValue == "ES256", jws.header["kid"]?.stringValue == keyID, jws.isSigned(by: key.publicKey) else {
            throw APIError.unauthorized
        }
        let claims = jws.claims
        let now = Int64(Date().timeIntervalSince1970)
        guard claims["iss"]?.stringValue == Self.issuer,
              let expires = claims["exp"]?.integerValue, now < expires,
              (claims["nbf"]?.integerValue).map({ $0 <= now }) ?? true
        else { throw APIError.unauthorized }
        let audiences = claims["aud"]?.stringValue.map { [$0] } ?? (claims["aud"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard audiences.contains(where: Self.apiAudiences.contains) else { throw APIError.unauthorized }
        let kubernetes = claims["kubernetes.io"] ?? .null
        guard let namespace = kubernetes["namespace"]?.stringValue, let name = kubernetes[path: ["serviceaccount", "name"]]?.stringValue,
              let uid = kubernetes[path: ["serviceaccount", "uid"]]?.stringValue,
              claims["sub"]?.stringValue == "system:serviceaccount:\(namespace):\(name)"
        else { throw APIError.unauthorized }
        // Bound to the live objects: a deleted (or re-created) account or bound object ends the token.
        guard try await liveUID("serviceaccounts", namespace: namespace, name: name) == uid else { throw APIError.unauthorized }
        var extra: [String: [String]] = ["authentication.kubernetes.io/credential-id": ["JTI=\(claims["jti"]?.stringValue ?? "")"]]
        for (boundKind, plural, namespaced) in BoundObject.kinds {
            let kind = boundKind.lowercased()
            guard let bound = kubernetes[kind] else { continue }
            guard let boundName = bound["name"]?.stringValue, let boundUID = bound["uid"]?.stringValue,
                  try await liveUID(plural, namespace: namespaced ? namespace : nil, name: boundName) == boundUID
            else { throw APIError.unauthorized }
            extra["authentication.kubernetes.io/\(kind)-name"] = [boundName]
            extra["authentication.kubernetes.io/\(kind)-uid"] = [boundUID]
        }
        return UserInfo(
            name: "system:serviceaccount:\(namespace):\(name)", groups: ["system:serviceaccounts", "system:serviceaccounts:\(namespace)"], extra: extra)
    }

    /// The uid of a live object (nil when absent or being deleted).
    private func liveUID(_ plural: String, namespace: String?, name: String) async throws -> String? {
        guard let type = objects.registry.lookup(group: "", version: "v1", plural: plural),
              let object = try? await objects.get(type, namespace: namespace, name: name),
              object[path: ["metadata", "deletionTimestamp"]] == nil
        else { return nil }
        return object[path: ["metadata", "uid"]]?.stringValue
    }
}
