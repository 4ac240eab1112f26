import Hummingbird
import NIOCore

/// `/livez`, `/readyz` and `/healthz` as kube-apiserver answers them: named checks, `ok` or a
/// 500 naming the failed check (reasons withheld), `?verbose` listing every check, `?exclude=`
/// skipping some, and `/<endpoint>/<check>` for one check.
public struct HealthChecks: Sendable {
    /// One named check: nil when healthy, else why not.
    public struct Check: Sendable {
        public var name: String
        public var run: @Sendable () async -> String?

        public init(name: String, run: @escaping @Sendable () async -> String?) {
            self.name = name
            self.run = run
        }
    }

    /// The liveness checks; readiness runs these and ``readiness``.
    public var liveness: [Check]
    /// Checks only readiness runs (informers synced, not shutting down).
    public var readiness: [Check]

    public init(liveness: [Check] = [], readiness: [Check] = []) {
        self.liveness = liveness
        self.readiness = readiness
    }

    static let endpoints = ["/healthz", "/livez", "/readyz"]

    /// The answer for `path` (one of ``endpoints``, optionally followed by `/<check>`), or nil
    /// when the path is not a health endpoint.
    func respond(path: String, query: QueryParameters) async -> Response? {
        guard let endpoint = Self.endpoints.first(where: { path == $0 || path.hasPrefix($0 + "/") }) else { return nil }
        let name = String(endpoint.dropFirst())
        let checks = [Check(name: "ping") { nil }, Check(name: "log") { nil }] + liveness + (endpoint == "/livez" ? [] : readiness)
        if path != endpoint {
            let wanted = String(path.dropFirst(endpoint.count + 1))
            guard let check = checks.first(where: { $0.name == wanted }) else { return Self.text("404 page not found\n", status: .notFound) }
            if let failure = await check.run() { return Self.text("internal server error: \(failure)\n", status: .internalServerError) }
            return Self.text("ok")
        }
        let excluded = Set(query.all("exclude"))
        var lines: [String] = []
        var failed = false
        for check in checks {
            if excluded.contains(check.name) {
                lines.append("[+]\(check.name) excluded: ok")
                continue
            }
            if await check.run() != nil {
                failed = true
                lines.append("[-]\(check.name) failed: reason withheld")
            } else {
                lines.append("[+]\(check.name) ok")
            }
        }
        let verbose = query.contains("verbose")
        if failed {
            return Self.text(lines.joined(separator: "\n") + "\n\(name) check failed\n", status: .internalServerError)
        }
        return Self.text(verbose ? lines.joined(separator: "\n") + "\n\(name) check passed\n" : "ok")
    }

    private static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .init("X-Content-Type-Options")!: "nosniff"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
