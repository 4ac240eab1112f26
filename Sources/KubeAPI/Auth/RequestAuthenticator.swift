import HTTPTypes
import Hummingbird
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// Who a request comes from: a bearer token if one is sent (tried against each token
/// authenticator in order), else the web dashboard's session cookie when the request also
/// carries the dashboard's header, else the client certificate the TLS layer verified against
/// the cluster CA. Anything else is 401.
struct RequestAuthenticator: Sendable {
    /// The longest bearer token accepted; longer ones are refused without being parsed.
    static let maxTokenBytes = 8192

    let tokenAuthenticators: [any TokenAuthenticator]
    /// The dashboard's sessions (nil: cookies are ignored).
    var dashboardSessions: DashboardSessions? = nil

    /// The dashboard session token a request would be authenticated by: no bearer token, the
    /// session cookie and the dashboard's header (which a cross-site page cannot add).
    static func dashboardSession(_ request: Request) -> String? {
        guard bearerToken(request) == nil, request.headers[HTTPField.Name(DashboardSessions.requestHeader)!] != nil else { return nil }
        return DashboardSessions.cookie(in: request.headers[.cookie])
    }

    /// Whether the request carries a bearer token (the costly kind to verify).
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.utf8.count > 7, header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst(7))
    }

    /// The identity of the request's bearer token if an authenticator remembers it (no work).
    func remembered(_ request: Request) -> UserInfo? {
        guard let token = Self.bearerToken(request), token.utf8.count <= Self.maxTokenBytes else { return nil }
        for authenticator in tokenAuthenticators {
            if let user = authenticator.rememberedIdentity(token: token) { return user }
        }
        return nil
    }

    func authenticate(_ request: Request, channel: any Channel) async throws -> UserInfo {
        if let token = Self.bearerToken(request) {
            guard token.utf8.count <= Self.maxTokenBytes else { throw APIError.unauthorized }
            for authenticator in tokenAuthenticators {
                if let user = try? await authenticator.authenticate(token: token) { return user }
            }
            throw APIError.unauthorized
        }
        if let dashboardSessions, let token = Self.dashboardSession(request) {
            guard let user = dashboardSessions.user(fromSession: token) else { throw APIError.unauthorized }
            return user
        }
        // HTTP/1.1 requests run on the TLS connection's channel; HTTP/2 streams on a child of it.
        var peer = try? await channel.nioSSL_peerCertificate().get()
        if peer == nil, let parent = channel.parent { peer = try? await parent.nioSSL_peerCertificate().get() }
        guard let peer,
            let certificate = try? Certificate(derEncoded: peer.toDERBytes()),
            let user = ClientCertificateIdentity.user(of: certificate)
        else { throw APIError.unauthorized }
        return user
    }
}
