/// How a ``SuiReader`` reaches the chain: endpoints, protocol, timeouts, retries and limits.
///
/// Every parameter of ``init(endpoints:transport:requestTimeout:retries:initialBackoff:maxBackoff:maxResponseBytes:)``
/// has the documented default, so `SuiReaderConfiguration(endpoints: ["http://127.0.0.1:9000"])` is complete.
public struct SuiReaderConfiguration: Sendable, Hashable {
    /// The wire protocol.
    public enum Transport: String, Sendable, Hashable, CaseIterable {
        /// Sui JSON-RPC 2.0 (`POST /` on a full node).
        case jsonRPC
        /// Sui GraphQL RPC (`POST <endpoint>`; the endpoint URL includes `/graphql`).
        case graphQL
    }

    /// Endpoint URLs, tried in order: a transient failure on one moves on to the next. Never empty.
    public var endpoints: [String]
    /// The protocol every endpoint speaks. Default: ``Transport/jsonRPC``.
    public var transport: Transport
    /// The most one HTTP request (connect, send and whole response) may take. Default: 10 s.
    public var requestTimeout: Duration
    /// Extra rounds over all endpoints after a round in which every endpoint failed transiently
    /// (connect failure, timeout, HTTP 429/502/503/504). Default: 2. Never applied to JSON-RPC or
    /// GraphQL errors or malformed responses.
    public var retries: Int
    /// The wait before the first retry round; doubled for each further round. Default: 100 ms.
    public var initialBackoff: Duration
    /// The longest wait between rounds. Default: 2 s.
    public var maxBackoff: Duration
    /// The largest response body accepted. Default: 8 MiB.
    public var maxResponseBytes: Int
    /// Extra HTTP headers sent with every request (an RPC provider's API key, a dev ledger's
    /// admin secret). Default: none.
    public var headers: [String: String] = [:]

    /// Creates a configuration.
    /// - Parameters:
    ///   - endpoints: URLs tried in order.
    ///   - transport: the protocol; default JSON-RPC.
    ///   - requestTimeout: per-request timeout; default 10 s.
    ///   - retries: extra rounds after transient failures; default 2.
    ///   - initialBackoff: first wait between rounds; default 100 ms.
    ///   - maxBackoff: cap on the wait; default 2 s.
    ///   - maxResponseBytes: response size limit; default 8 MiB.
    public init(
        endpoints: [String],
        transport: Transport = .jsonRPC,
        requestTimeout: Duration = .seconds(10),
        retries: Int = 2,
        initialBackoff: Duration = .milliseconds(100),
        maxBackoff: Duration = .seconds(2),
        maxResponseBytes: Int = 8 << 20
    ) {
        self.endpoints = endpoints
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.retries = retries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxResponseBytes = maxResponseBytes
    }

    /// Checks the values are usable.
    /// - Throws: ``SuiClientError/Code/invalidArgument`` when there is no endpoint or a limit is not positive.
    public func validate() throws(SuiClientError) {
        guard !endpoints.isEmpty else { throw SuiClientError(code: .invalidArgument, message: "no Sui endpoint configured") }
        for endpoint in endpoints where !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) {
            throw SuiClientError(code: .invalidArgument, message: "Sui endpoint is not an http(s) URL: \(endpoint.prefix(200))")
        }
        guard retries >= 0, retries <= 10 else { throw SuiClientError(code: .invalidArgument, message: "retries must be 0...10") }
        guard maxResponseBytes > 0, requestTimeout > .zero else {
            throw SuiClientError(code: .invalidArgument, message: "timeout and response size limit must be positive")
        }
    }
}
