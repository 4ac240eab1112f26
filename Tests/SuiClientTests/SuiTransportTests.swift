import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import SuiClient
import SuiDevLedger
import Synchronization
import Testing

/// Failover, retries, timeouts and malformed answers, against a scripted HTTP server.
@Suite("Reader transport")
struct SuiTransportTests {
    /// Counts requests per path.
    final class Hits: Sendable {
        private let counts = Mutex<[String: Int]>([:])
        func add(_ path: String) { counts.withLock { $0[path, default: 0] += 1 } }
        func count(_ path: String) -> Int { counts.withLock { $0[path, default: 0] } }
    }

    /// A server whose paths misbehave in one way each.
    static func withScriptedServer<T: Sendable>(_ hits: Hits, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        try await withService(
            { onListening in
                let router = Router()
                func reply(_ path: String, status: HTTPResponse.Status = .ok, _ text: @escaping @Sendable () async throws -> String) {
                    router.post(RouterPath(path)) { _, _ -> Response in
                        hits.add(path)
                        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: try await text())))
                    }
                }
                reply("/unavailable", status: .serviceUnavailable) { "{}" }
                reply("/teapot", status: .badRequest) { "{}" }
                reply("/rpc-error") { #"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"boom"}}"# }
                reply("/garbage") { "<html>not json" }
                reply("/wrong-shape") { #"{"jsonrpc":"2.0","id":1,"result":{"unexpected":true}}"# }
                reply("/huge") { #"{"jsonrpc":"2.0","id":1,"result":""# + String(repeating: "a", count: 300_000) + #""}"# }
                reply("/slow") {
                    try await Task.sleep(for: .seconds(2))
                    return #"{"jsonrpc":"2.0","id":1,"result":"00000000"}"#
                }
                reply("/graphql-errors") { #"{"data":null,"errors":[{"message":"Query is too complex"},{"message":"second"}]}"# }
                return Application(
                    router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                    onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) }, logger: quietLogger)
            }, body)
    }

    static func reader(_ endpoints: [String], transport: SuiReaderConfiguration.Transport = .jsonRPC, timeout: Duration = .seconds(5), retries: Int = 2, maxBytes: Int = 100_000) throws -> any SuiReader {
        try SuiReaders.make(
            configuration: .init(
                endpoints: endpoints, transport: transport, requestTimeout: timeout, retries: retries,
                initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(20), maxResponseBytes: maxBytes),
            httpClient: testHTTPClient, logger: quietLogger)
    }

    static func code(_ body: () async throws -> Void) async -> SuiClientError? {
        do {
            try await body()
            return nil
        } catch let error as SuiClientError {
            return error
        } catch {
            return SuiClientError(code: .init(rawValue: "unexpected"), message: "\(error)")
        }
    }

    @Test("a closed first endpoint fails over to the second", arguments: SuiReaderConfiguration.Transport.allCases)
    func failover(_ transport: SuiReaderConfiguration.Transport) async throws {
        let ledger = try SuiDevLedger(stateFile: nil)
        try await withDevLedger(ledger) { port in
            let path = transport == .graphQL ? "/graphql" : ""
            let reader = try Self.reader(["http://127.0.0.1:1\(path)", "http://127.0.0.1:\(port)\(path)"], transport: transport, retries: 0)
            #expect(try await reader.chainIdentifier() == (await ledger.chainIdentifier))
        }
    }

    @Test("no endpoint reachable is transport.unavailable after the retries")
    func unavailable() async throws {
        let reader = try Self.reader(["http://127.0.0.1:1", "http://127.0.0.1:1/x"], retries: 1)
        #expect(await Self.code { _ = try await reader.chainIdentifier() }?.code == .transportUnavailable)
    }

    @Test("HTTP 503 is retried; other statuses and rpc errors are not")
    func retriesOnlyTransient() async throws {
        let hits = Hits()
        try await Self.withScriptedServer(hits) { port in
            let base = "http://127.0.0.1:\(port)"
            let unavailable = try Self.reader([base + "/unavailable"], retries: 2)
            let error = await Self.code { _ = try await unavailable.chainIdentifier() }
            #expect(error?.code == .transportHTTPStatus)
            #expect(error?.rpcCode == 503)
            #expect(hits.count("/unavailable") == 3)

            let teapot = try Self.reader([base + "/teapot", base + "/rpc-error"], retries: 2)
            #expect(await Self.code { _ = try await teapot.chainIdentifier() }?.code == .transportHTTPStatus)
            #expect(hits.count("/teapot") == 1)
            #expect(hits.count("/rpc-error") == 0)

            let rpc = try Self.reader([base + "/rpc-error", base + "/unavailable"], retries: 2)
            let rpcError = await Self.code { _ = try await rpc.chainIdentifier() }
            #expect(rpcError == SuiClientError(code: .rpcError, message: "boom", rpcCode: -32000))
            #expect(hits.count("/rpc-error") == 1)
            #expect(hits.count("/unavailable") == 3)
        }
    }

    @Test("malformed, wrongly shaped and oversized answers")
    func malformed() async throws {
        let hits = Hits()
        try await Self.withScriptedServer(hits) { port in
            let base = "http://127.0.0.1:\(port)"
            // A generous timeout: under a loaded machine a timed-out first try would be retried
            // (correctly) and hide whether the malformed answer itself was retried.
            #expect(await Self.code { _ = try await Self.reader([base + "/garbage"], timeout: .seconds(60)).chainIdentifier() }?.code == .responseMalformed)
            #expect(hits.count("/garbage") == 1)
            #expect(await Self.code { _ = try await Self.reader([base + "/wrong-shape"]).chainIdentifier() }?.code == .responseMalformed)
            #expect(await Self.code { _ = try await Self.reader([base + "/wrong-shape"]).latestCheckpoint() }?.code == .responseMalformed)
            #expect(await Self.code { _ = try await Self.reader([base + "/huge"]).chainIdentifier() }?.code == .responseTooLarge)
            #expect(hits.count("/huge") == 1)
            let graphQL = try Self.reader([base + "/graphql-errors"], transport: .graphQL)
            #expect(await Self.code { _ = try await graphQL.chainIdentifier() } == SuiClientError(code: .graphQLError, message: "Query is too complex"))
        }
    }

    @Test("a slow endpoint times out and the next one answers")
    func timeouts() async throws {
        let hits = Hits()
        let ledger = try SuiDevLedger(stateFile: nil)
        try await Self.withScriptedServer(hits) { port in
            // /slow answers after 2 s; a 300 ms timeout makes the call fail instead (no wall-clock assertion).
            let slow = try Self.reader(["http://127.0.0.1:\(port)/slow"], timeout: .milliseconds(300), retries: 0)
            #expect(await Self.code { _ = try await slow.chainIdentifier() }?.code == .transportUnavailable)
            try await withDevLedger(ledger) { ledgerPort in
                let reader = try Self.reader(
                    ["http://127.0.0.1:\(port)/slow", "http://127.0.0.1:\(ledgerPort)"], timeout: .milliseconds(300), retries: 0)
                #expect(try await reader.chainIdentifier() == (await ledger.chainIdentifier))
            }
        }
    }

    @Test("configurations without endpoints or with non-HTTP URLs are rejected")
    func badConfiguration() {
        #expect(throws: SuiClientError.self) { try Self.reader([]) }
        #expect(throws: SuiClientError.self) { try Self.reader(["ftp://x"]) }
    }
}
