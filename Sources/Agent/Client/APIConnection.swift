import AsyncHTTPClient
import Foundation
import KubeTypes
import NIOCore
import NIOHTTP1

/// The agent's HTTPS connection to the API server: TLS pinned to the attested CA, a bearer token
/// from the credentials provider on every request, JSON bodies, bounded responses.
struct APIConnection: Sendable {
    private let http: HTTPClient
    /// Whether this connection owns its client (and closes it on shutdown).
    private let owned: Bool
    private let server: String
    private let credentials: @Sendable () async throws -> String

    /// A connection to `server` with its own client, or `pool`'s when given.
    init(server: String, caCertificatePEM: String, pool: APIClientPool? = nil, credentials: @escaping @Sendable () async throws -> String) throws(AgentError) {
        guard let url = URL(string: server), url.scheme == "https", url.host != nil else {
            throw AgentError(.invalidConfiguration, "the API server must be https://host:port, got \(server.prefix(200))")
        }
        if let pool {
            http = pool.http
            owned = false
        } else {
            http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: try APIClientPool.configuration(caCertificatePEM: caCertificatePEM))
            owned = true
        }
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.credentials = credentials
    }

    /// A JSON request for `path` carrying a freshly minted node token.
    private func authorizedRequest(_ path: String) async throws(AgentError) -> HTTPClientRequest {
        let token: String
        do {
            token = try await credentials()
        } catch {
            throw AgentError(.credentials, "cannot mint a node token: \(error)")
        }
        var request = HTTPClientRequest(url: server + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        return request
    }

    /// Most attempts of one request answered 429 (or 5xx) with Retry-After, as client-go's limit.
    static let maxRetryAfterAttempts = 10

    /// Sends `body` (JSON) and returns the status and the parsed JSON answer (at most 4 MiB).
    func send(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, contentType: String = "application/json") async throws(AgentError)
        -> (status: Int, object: JSONValue)
    {
        let encoded = body.map { ByteBuffer(bytes: $0.serialized()) }
        let (status, bytes) = try await exchange(method, path, body: encoded, contentType: contentType)
        return (status, Self.object(bytes))
    }

    /// GETs `path` and returns the status and the answer's bytes (at most 4 MiB), unparsed.
    func get(_ path: String) async throws(AgentError) -> (status: Int, bytes: [UInt8]) {
        try await exchange(.GET, path, body: nil, contentType: "application/json")
    }

    /// POSTs `text` as `contentType` and returns the status and the answer's bytes (at most 4 MiB).
    func post(_ path: String, text: String, contentType: String) async throws(AgentError) -> (status: Int, bytes: [UInt8]) {
        try await exchange(.POST, path, body: ByteBuffer(string: text), contentType: contentType)
    }

    private func exchange(_ method: HTTPMethod, _ path: String, body encoded: ByteBuffer?, contentType: String) async throws(AgentError)
        -> (status: Int, bytes: [UInt8])
    {
        var attempt = 1
        while true {
            var request = try await authorizedRequest(path)
            request.method = method
            if let encoded {
                request.headers.add(name: "Content-Type", value: contentType)
                request.body = .bytes(encoded)
            }
            let status: Int
            let bytes: [UInt8]
            let retryAfter: Int?
            do {
                let response = try await http.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 4 << 20)
                status = Int(response.status.code)
                bytes = Array(body.readableBytesView)
                retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
            } catch {
                throw AgentError(.unreachable, "\(method) \(path): \(error)")
            }
            // As client-go: an overloaded server's Retry-After is honoured, a bounded number of times.
            guard status == 429 || (500..<600).contains(status), let retryAfter, attempt < Self.maxRetryAfterAttempts else { return (status, bytes) }
            attempt += 1
            do {
                let seconds: Int = max(1, min(retryAfter, 30))
                let jitter: Int = Int.random(in: 0..<250)
                try await Task.sleep(for: .milliseconds(seconds * 1000 + jitter))
            } catch {
                return (status, bytes)
            }
        }
    }

    /// Opens a watch (`path` with `watch=true`) and yields its events (`{type, object}`) as they
    /// arrive, one JSON document per line (the bytes of each line, at most 4 MiB).
    func watch(_ path: String) async throws(AgentError) -> AsyncThrowingStream<[UInt8], any Error> {
        let request = try await authorizedRequest(path)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .hours(24 * 365))
        } catch {
            throw AgentError(.unreachable, "GET \(path): \(error)")
        }
        guard response.status == .ok else { throw AgentError(.refused, "watch \(path): the API server answered \(response.status.code)") }
        let body = response.body
        return AsyncThrowingStream { continuation in
            let task = Task {
                var pending: [UInt8] = []
                do {
                    for try await chunk in body {
                        pending += chunk.readableBytesView
                        while let newline = pending.firstIndex(of: 0x0A) {
                            let line = Array(pending[..<newline])
                            pending.removeFirst(newline + 1)
                            continuation.yield(line)
                        }
                        guard pending.count <= 4 << 20 else { throw AgentError(.refused, "a watch event is larger than 4 MiB") }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A JSON object from bytes the server sent (KubeTypes' parser: at most 100 deep); an empty
    /// object for anything else.
    static func object(_ bytes: [UInt8]) -> JSONValue {
        guard let value = try? JSONParser().parse(bytes), case .object = value else { return [:] }
        return value
    }

    /// Closes the client, unless it is a shared pool's.
    func shutdown() async {
        guard owned else { return }
        try? await http.shutdown()
    }
}
