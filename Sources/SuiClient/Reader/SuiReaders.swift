public import AsyncHTTPClient
public import Logging
import NIOCore

/// Builds the ``SuiReader`` a ``SuiReaderConfiguration`` describes.
public enum SuiReaders {
    /// An HTTP client suited to ``make(configuration:httpClient:logger:)``: connection failures
    /// fail the request at once (so failover moves on instead of waiting out the request
    /// timeout), connects time out after at most 2 s, and redirects are not followed.
    ///
    /// The caller owns the client and must call `shutdown()` on it.
    public static func makeHTTPClient(configuration: SuiReaderConfiguration) -> HTTPClient {
        var http = HTTPClient.Configuration()
        let timeout = configuration.requestTimeout.components
        let milliseconds = max(1, min(2000, timeout.seconds * 1000 + timeout.attoseconds / 1_000_000_000_000_000))
        http.timeout.connect = .milliseconds(milliseconds)
        http.connectionPool.retryConnectionEstablishment = false
        http.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
    }

    /// A reader over `configuration.transport`.
    /// - Parameters:
    ///   - configuration: endpoints, protocol and limits.
    ///   - httpClient: the client to send requests with; the caller owns and shuts it down.
    ///     ``makeHTTPClient(configuration:)`` makes one that fails over promptly.
    ///   - logger: receives failover and retry diagnostics.
    /// - Throws: ``SuiClientError/Code/invalidArgument`` for an unusable configuration.
    public static func make(configuration: SuiReaderConfiguration, httpClient: HTTPClient, logger: Logger) throws(SuiClientError) -> any SuiReader {
        switch configuration.transport {
        case .jsonRPC: return try SuiJSONRPCReader(configuration: configuration, httpClient: httpClient, logger: logger)
        case .graphQL: return try SuiGraphQLReader(configuration: configuration, httpClient: httpClient, logger: logger)
        }
    }
}
