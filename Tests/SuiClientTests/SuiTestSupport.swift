import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SuiClient
import SuiDevLedger

/// Fixture files copied from shared/fixtures/sui.
enum SuiFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func json(_ relativePath: String) throws -> SuiValue {
        let data = try Data(contentsOf: directory.appendingPathComponent(relativePath))
        return try SuiValue.parse(Array(data))
    }

    /// The `examples[0]` params and result of an OpenRPC method.
    static func openRPCExample(_ method: String) throws -> (params: [String: SuiValue], result: SuiValue) {
        let spec = try json("openrpc.json")
        guard let methods = spec["methods"]?.array, let entry = methods.first(where: { $0["name"]?.string == method }),
            let example = entry["examples"]?.array?.first, let result = example["result"]?["value"]
        else { throw SuiClientError(code: .responseMalformed, message: "no example for \(method)") }
        var params: [String: SuiValue] = [:]
        for param in example["params"]?.array ?? [] {
            if let name = param["name"]?.string { params[name] = param["value"] ?? .null }
        }
        return (params, result)
    }
}

/// One HTTP client for every test, configured as SuiReaders recommends (never shut down).
let testHTTPClient = SuiReaders.makeHTTPClient(configuration: SuiReaderConfiguration(endpoints: ["http://127.0.0.1"]))

/// A logger that drops everything.
let quietLogger = Logger(label: "sui-tests", factory: { _ in SwiftLogNoOpLogHandler() })

struct ServerDidNotStart: Error {}

/// Runs `service` in a service group, waits for it to report its port, runs `body`, then shuts down.
func withService<T: Sendable>(
    _ make: (@escaping @Sendable (Int) async -> Void) -> any Service, _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let service = make { port in
        continuation.yield(port)
        continuation.finish()
    }
    let group = ServiceGroup(configuration: .init(services: [service], logger: quietLogger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            await group.triggerGracefulShutdown()
            throw ServerDidNotStart()
        }
        do {
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// Serves `ledger` on a free loopback port for the duration of `body`.
func withDevLedger<T: Sendable>(
    _ ledger: SuiDevLedger, checkpointInterval: Duration = .seconds(3600), secret: SuiDevLedgerSecret? = nil, _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    try await withService(
        { onListening in
            SuiDevLedgerServer(
                ledger: ledger, configuration: .init(host: "127.0.0.1", port: 0, checkpointInterval: checkpointInterval, adminSecret: secret),
                logger: quietLogger, onListening: onListening)
        }, body)
}

/// A reader of `transport` for the ledger on `port`.
func reader(_ transport: SuiReaderConfiguration.Transport, port: Int) throws -> any SuiReader {
    let url = transport == .jsonRPC ? "http://127.0.0.1:\(port)" : "http://127.0.0.1:\(port)/graphql"
    return try SuiReaders.make(
        configuration: SuiReaderConfiguration(endpoints: [url], transport: transport, requestTimeout: .seconds(10), retries: 0),
        httpClient: testHTTPClient, logger: quietLogger)
}

/// POSTs `body` to `url` (with an `Authorization` header when given) and returns the status and parsed JSON.
func post(_ url: String, _ body: String, authorization: String? = nil) async throws -> (status: UInt, json: SuiValue?) {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    if let authorization { request.headers.add(name: "Authorization", value: authorization) }
    request.body = .bytes(Array(body.utf8))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 16 << 20)
    return (response.status.code, try? SuiValue.parse(bytes.readableBytesView))
}

func address(_ hex: String) -> SuiAddress {
    guard let address = SuiAddress(hex: hex) else { preconditionFailure("bad test address \(hex)") }
    return address
}
