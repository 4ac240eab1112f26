import AsyncHTTPClient
import Logging
import Metrics
import NIOCore
import NIOHTTP1

/// Posts JSON bodies to the configured endpoints with failover, timeouts, bounded retries and a
/// response size limit. Shared by both readers.
///
/// Each call is timed, retries included, as `sui_reader_request_duration_seconds` (labels
/// `transport`, `method`, `result`: ok or the error code) through swift-metrics.
struct SuiHTTPTransport: Sendable {
    let configuration: SuiReaderConfiguration
    let httpClient: HTTPClient
    let logger: Logger

    init(configuration: SuiReaderConfiguration, httpClient: HTTPClient, logger: Logger) throws(SuiClientError) {
        try configuration.validate()
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Whether a failure may go away on another endpoint or a later attempt.
    static func isTransient(_ error: SuiClientError) -> Bool {
        switch error.code {
        case .transportUnavailable: return true
        case .transportHTTPStatus: return [429, 502, 503, 504].contains(error.rpcCode ?? 0)
        default: return false
        }
    }

    /// Sends `body` and returns the parsed JSON response of the first endpoint that answers.
    func post(_ body: SuiValue, method: String) async throws(SuiClientError) -> SuiValue {
        let started = ContinuousClock.now
        do {
            let value = try await postWithFailover(body, method: method)
            record(method: method, result: "ok", since: started)
            return value
        } catch {
            record(method: method, result: error.code.rawValue, since: started)
            throw error
        }
    }

    private func record(method: String, result: String, since started: ContinuousClock.Instant) {
        let dimensions = [("transport", configuration.transport.rawValue), ("method", method), ("result", result)]
        Metrics.Timer(label: "sui_reader_request_duration_seconds", dimensions: dimensions).record(duration: ContinuousClock.now - started)
    }

    private func postWithFailover(_ body: SuiValue, method: String) async throws(SuiClientError) -> SuiValue {
        let bytes = Array(body.jsonText.utf8)
        var lastError = SuiClientError(code: .transportUnavailable, message: "no endpoint tried")
        var backoff = configuration.initialBackoff
        for round in 0...configuration.retries {
            if round > 0 {
                logger.debug("retrying Sui request", metadata: ["method": "\(method)", "round": "\(round)", "backoff": "\(backoff)"])
                do { try await Task.sleep(for: backoff) } catch {
                    throw SuiClientError(code: .transportUnavailable, message: "cancelled")
                }
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
            for endpoint in configuration.endpoints {
                do {
                    let data = try await postOnce(bytes, to: endpoint)
                    return try SuiValue.parse(data.readableBytesView, limits: .init(maxBytes: configuration.maxResponseBytes))
                } catch {
                    guard Self.isTransient(error) else { throw error }
                    logger.warning(
                        "Sui endpoint failed; trying the next",
                        metadata: ["endpoint": "\(endpoint)", "method": "\(method)", "error": "\(error)"])
                    lastError = error
                }
            }
        }
        throw lastError
    }

    private func postOnce(_ bytes: [UInt8], to endpoint: String) async throws(SuiClientError) -> ByteBuffer {
        if Task.isCancelled { throw SuiClientError(code: .transportUnavailable, message: "cancelled") }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in configuration.headers.sorted(by: { $0.key < $1.key }) { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let timeout = TimeAmount.nanoseconds(Int64(configuration.requestTimeout.components.seconds) * 1_000_000_000
            + configuration.requestTimeout.components.attoseconds / 1_000_000_000)
        let deadline = NIODeadline.now() + timeout
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, deadline: deadline, logger: logger)
        } catch {
            throw SuiClientError(code: .transportUnavailable, message: "\(endpoint): \(error)")
        }
        guard response.status == .ok else {
            throw SuiClientError(
                code: .transportHTTPStatus, message: "\(endpoint) answered HTTP \(response.status.code)", rpcCode: Int(response.status.code))
        }
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > configuration.maxResponseBytes {
            throw SuiClientError(code: .responseTooLarge, message: "\(endpoint) sent \(length) bytes; the limit is \(configuration.maxResponseBytes)")
        }
        do {
            return try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw SuiClientError(code: .responseTooLarge, message: "\(endpoint) sent more than \(configuration.maxResponseBytes) bytes")
        } catch {
            throw SuiClientError(code: .transportUnavailable, message: "\(endpoint): reading the response failed: \(error)")
        }
    }
}

extension SuiClientError {
    /// A response that is not the shape the protocol defines.
    static func malformed(_ what: String) -> SuiClientError {
        SuiClientError(code: .responseMalformed, message: what)
    }

    /// Checks a caller-supplied Move type or cursor is at most 1 KiB.
    static func checkText(_ text: String?, _ what: String) throws(SuiClientError) {
        guard let text, text.utf8.count > 1024 else { return }
        throw SuiClientError(code: .invalidArgument, message: "\(what) is longer than 1024 bytes")
    }

    /// Checks a page size is 1...50.
    static func checkLimit(_ limit: Int) throws(SuiClientError) {
        guard (1...50).contains(limit) else {
            throw SuiClientError(code: .invalidArgument, message: "page size \(limit) is outside 1...50")
        }
    }
}
