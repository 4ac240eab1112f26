public import Crypto
public import Foundation
import Synchronization

/// Sign-in to the web dashboard: a user the API server authenticated (by client certificate,
/// Seal token or ServiceAccount token) asks for a short-lived, single-use login token
/// (`daasctl dashboard`); the browser trades it once for a session cookie, which then
/// authenticates the dashboard's API requests as that same user (RBAC applies as to any request).
///
/// Both are ES256 JWTs signed with the cluster's service-account key (so every master of a highly
/// available cluster accepts them), told apart from ServiceAccount tokens by their issuer and
/// from each other by their audience. A login token lives five minutes and is accepted once per
/// master; a session lives ``sessionLifetime`` and ends earlier when signed out.
public final class DashboardSessions: Sendable {
    /// The `iss` claim of dashboard tokens.
    public static let issuer = "daas-dashboard"
    /// The cookie holding the session.
    public static let cookieName = "daas-dashboard-session"
    /// The header the dashboard sends with every API request; a session cookie without it does
    /// not authenticate (a cross-site form or image cannot set it: no CSRF).
    public static let requestHeader = "X-DaaS-Dashboard"
    /// How long a login token may wait to be used.
    public static let loginLifetime: TimeInterval = 300
    /// The most tokens remembered as used (login) or ended (sessions); older ones expire anyway.
    static let maxRemembered = 10_000

    /// How long a session lasts. Default 8 hours.
    public let sessionLifetime: TimeInterval
    private let key: P256.Signing.PrivateKey
    private let keyID: String
    /// Token ids no longer accepted, with when they would have expired anyway.
    private let spent = Mutex<[String: Date]>([:])

    /// Sessions signed with `key` (the service-account signing key).
    public init(key: P256.Signing.PrivateKey, sessionLifetime: TimeInterval = 8 * 3600) {
        self.key = key
        self.sessionLifetime = sessionLifetime
        self.keyID = CompactJWS.base64URLEncode(Array(SHA256.hash(data: key.publicKey.derRepresentation)))
    }

    /// A login token for `user`, valid for five minutes from `now`.
    public func loginToken(for user: UserInfo, now: Date = Date()) throws -> (token: String, expires: Date) {
        try sign(user, audience: "login", lifetime: Self.loginLifetime, now: now)
    }

    /// Trades a login token for a session token (the cookie's value); nil when the token is not a
    /// valid, unused login token.
    public func session(fromLogin token: String, now: Date = Date()) throws -> (token: String, user: UserInfo, expires: Date)? {
        guard let (user, id, expires) = verify(token, audience: "login", now: now), spend(id, until: expires, now: now) else { return nil }
        let session = try sign(user, audience: "session", lifetime: sessionLifetime, now: now)
        return (session.token, user, session.expires)
    }

    /// The user a session token authenticates; nil for anything else.
    public func user(fromSession token: String, now: Date = Date()) -> UserInfo? {
        guard let (user, id, _) = verify(token, audience: "session", now: now) else { return nil }
        return spent.withLock { $0[id] } == nil ? user : nil
    }

    /// Ends a session (sign-out) before it expires.
    public func end(session token: String, now: Date = Date()) {
        guard let (_, id, expires) = verify(token, audience: "session", now: now) else { return }
        _ = spend(id, until: expires, now: now)
    }

    /// The session cookie's value in a `Cookie` header, if any (at most 16 KiB of header read).
    public static func cookie(in header: String?) -> String? {
        guard let header, header.utf8.count <= 16_384 else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " }
            guard trimmed.hasPrefix(cookieName + "=") else { continue }
            let value = String(trimmed.dropFirst(cookieName.count + 1))
            return value.utf8.count <= RequestAuthenticator.maxTokenBytes ? value : nil
        }
        return nil
    }

    private func sign(_ user: UserInfo, audience: String, lifetime: TimeInterval, now: Date) throws -> (token: String, expires: Date) {
        let issued = Int64(now.timeIntervalSince1970)
        let expires = issued + Int64(lifetime)
        var claims: JSONValue = [
            "iss": .string(Self.issuer), "aud": .string(audience), "sub": .string(user.name),
            "groups": .array(user.groups.map { .string($0) }), "iat": .integer(issued), "exp": .integer(expires),
            "jti": .string(UUID().uuidString.lowercased()),
        ]
        if !user.extra.isEmpty {
            claims["extra"] = .object(user.extra.mapValues { .array($0.map { .string($0) }) })
        }
        return (try CompactJWS.sign(claims: claims, keyID: keyID, key: key), Date(timeIntervalSince1970: Double(expires)))
    }

    private func verify(_ token: String, audience: String, now: Date) -> (UserInfo, String, Date)? {
        guard token.utf8.count <= RequestAuthenticator.maxTokenBytes, let jws = try? CompactJWS.parse(token),
            jws.header["alg"]?.stringValue == "ES256", jws.header["kid"]?.stringValue == keyID, jws.isSigned(by: key.publicKey)
        else { return nil }
        let claims = jws.claims
        let seconds = Int64(now.timeIntervalSince1970)
        guard claims["iss"]?.stringValue == Self.issuer, claims["aud"]?.stringValue == audience,
            let expires = claims["exp"]?.integerValue, seconds < expires, let name = claims["sub"]?.stringValue, !name.isEmpty,
            let id = claims["jti"]?.stringValue
        else { return nil }
        let groups = (claims["groups"]?.arrayValue ?? []).compactMap(\.stringValue)
        var extra: [String: [String]] = [:]
        for (key, values) in claims["extra"]?.objectValue ?? [:] { extra[key] = (values.arrayValue ?? []).compactMap(\.stringValue) }
        return (UserInfo(name: name, groups: groups, extra: extra), id, Date(timeIntervalSince1970: Double(expires)))
    }

    /// Marks `id` spent; false if it already was (a replayed login token).
    private func spend(_ id: String, until expires: Date, now: Date) -> Bool {
        spent.withLock { spent in
            if spent.count >= Self.maxRemembered { spent = spent.filter { $0.value > now } }
            guard spent[id] == nil, spent.count < Self.maxRemembered else { return false }
            spent[id] = expires
            return true
        }
    }
}
