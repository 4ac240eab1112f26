import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web dashboard under `/daas/dashboard/`: its static files (embedded in the binary, served
/// to anyone: they hold no data), the exchange of a login token for a session cookie, and
/// sign-out. Everything the pages show comes from the API itself, authenticated and authorized
/// like any request (the session cookie, or the admin's client certificate).
struct DashboardEndpoint: Sendable {
    /// The dashboard's path, without and with (``root``) its trailing slash.
    static let path = "/daas/dashboard"
    static let root = path + "/"
    /// Where a signed-in user asks for a login token (`daasctl dashboard`).
    static let loginTokensPath = "/daas/v1/dashboard/login-tokens"
    /// Where the page trades a login token for the session cookie (POST) or signs out (DELETE).
    static let sessionPath = "/daas/dashboard/session"

    let sessions: DashboardSessions

    /// The embedded files by name, with their media types.
    static let assets: [String: (bytes: [UInt8], type: String)] = [
        "index.html": (PackageResources.index_html, "text/html; charset=utf-8"),
        "app.js": (PackageResources.app_js, "text/javascript; charset=utf-8"),
        "app.css": (PackageResources.app_css, "text/css; charset=utf-8"),
    ]

    /// The dashboard's answer to `request`, or nil when the path is not the dashboard's.
    func respond(_ request: inout Request) async throws -> Response? {
        let path = request.uri.path
        if path == Self.path { return Response(status: .movedPermanently, headers: [.location: Self.root]) }
        guard path.hasPrefix(Self.root) else { return nil }
        if path == Self.sessionPath {
            switch request.method {
            case .post:
                return try await signIn(&request)
            case .delete:
                guard request.headers[HTTPField.Name(DashboardSessions.requestHeader)!] != nil else { throw APIError.unauthorized }
                if let token = DashboardSessions.cookie(in: request.headers[.cookie]) { sessions.end(session: token) }
                return Response(status: .noContent, headers: Self.cookieHeaders(value: "", maxAge: 0))
            default:
                throw APIError.methodNotAllowed(request.method.rawValue, "dashboard session")
            }
        }
        guard request.method == .get || request.method == .head else { throw APIError.methodNotAllowed(request.method.rawValue, "dashboard") }
        let name = path == Self.root ? "index.html" : String(path.dropFirst(Self.root.count))
        guard let asset = Self.assets[name] else { throw APIError.pathNotFound }
        var headers = Self.securityHeaders
        headers[.contentType] = asset.type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: request.method == .head ? [] : asset.bytes)))
    }

    /// `POST /daas/dashboard/session` with `{"token": "<login token>"}`: sets the session cookie.
    private func signIn(_ request: inout Request) async throws -> Response {
        guard (request.headers[.contentType] ?? "").hasPrefix("application/json") else {
            throw APIError(code: 415, reason: "UnsupportedMediaType", message: "the body must be application/json")
        }
        let body = try await RequestBody.required(&request)
        guard let token = body["token"]?.stringValue, let session = try sessions.session(fromLogin: token) else {
            throw APIError(code: 401, reason: "Unauthorized", message: "the login token is invalid, expired or already used: run daasctl dashboard for a new one")
        }
        var headers = Self.cookieHeaders(value: session.token, maxAge: Int(sessions.sessionLifetime))
        headers[.contentType] = "application/json"
        let answer: JSONValue = ["user": .string(session.user.name), "expirationTimestamp": .string(ObjectMeta.timestamp(session.expires))]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.serialized())))
    }

    /// `POST /daas/v1/dashboard/login-tokens` by an authenticated user: a login token for them.
    func loginToken(for user: UserInfo, method: HTTPRequest.Method) throws -> Response {
        guard method == .post else { throw APIError.methodNotAllowed(method.rawValue, "dashboard login tokens") }
        let login = try sessions.loginToken(for: user)
        // In the fragment, which browsers never send to a server (no token in access logs).
        let answer: JSONValue = [
            "kind": "DashboardLoginToken", "apiVersion": "daas.io/v1", "user": .string(user.name), "token": .string(login.token),
            "expirationTimestamp": .string(ObjectMeta.timestamp(login.expires)), "path": .string(Self.root + "#login=" + login.token),
        ]
        return APIResponse.json(answer, status: 201)
    }

    static func cookieHeaders(value: String, maxAge: Int) -> HTTPFields {
        var headers: HTTPFields = [:]
        headers[.setCookie] = "\(DashboardSessions.cookieName)=\(value); Path=/; Max-Age=\(maxAge); Secure; HttpOnly; SameSite=Strict"
        headers[.cacheControl] = "no-store"
        return headers
    }

    /// What every page carries: only its own scripts and styles, no framing, no sniffing.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        .xContentTypeOptions: "nosniff", .cacheControl: "no-store",
        HTTPField.Name("Referrer-Policy")!: "no-referrer", HTTPField.Name("X-Frame-Options")!: "DENY",
    ]
}
