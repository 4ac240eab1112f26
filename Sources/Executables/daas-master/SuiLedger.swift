import AsyncHTTPClient
import Foundation
import Logging
import SuiClient
import SuiDevLedger

/// Where the master reads the chain: a real full node (`--sui-rpc`), or the dev ledger it runs
/// in-process with its state under the data directory.
enum SuiLedger {
    /// Starts the dev ledger server in `group` and returns its URL once it listens. Its admin
    /// secret (which `daasctl stake add` needs to mint stake) is `<data-dir>/sui-dev-ledger.secret`.
    static func startDevLedger(
        in group: inout ThrowingTaskGroup<Void, any Error>, dataDir: String, listen: (host: String, port: Int), logger: Logger
    ) async throws -> String {
        let ledger: SuiDevLedger
        do {
            ledger = try SuiDevLedger(stateFile: dataDir + "/sui-dev-ledger.json", logger: logger)
        } catch let error as SuiClientError {
            throw Failure("cannot open the dev Sui ledger: \(error.message)")
        }
        let secret: SuiDevLedgerSecret
        do {
            secret = try SuiDevLedgerSecret.loadOrCreate(path: dataDir + "/sui-dev-ledger.secret")
        } catch {
            throw Failure("cannot use the dev Sui ledger's admin secret: \(error.message)")
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = SuiDevLedgerServer(
            ledger: ledger, configuration: .init(host: listen.host, port: listen.port, adminSecret: secret), logger: logger,
            onListening: { port in
                continuation.yield(port)
                continuation.finish()
            })
        group.addTask {
            defer { continuation.finish() }
            try await server.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw Failure("the dev Sui ledger did not start") }
        let url = "http://\(listen.host):\(port)"
        try? Data((url + "\n").utf8).write(to: URL(fileURLWithPath: dataDir + "/sui-dev-ledger.url"))
        return url
    }

    /// A reader for `endpoints` over `transport` (`jsonrpc` or `graphql`), and the HTTP client it
    /// uses (fails over promptly; the caller shuts it down).
    static func reader(endpoints: [String], transport: String, logger: Logger) throws -> (any SuiReader, HTTPClient) {
        let kind: SuiReaderConfiguration.Transport
        switch transport {
        case "jsonrpc": kind = .jsonRPC
        case "graphql": kind = .graphQL
        default: throw Failure("--sui-transport must be jsonrpc or graphql, got \(transport)")
        }
        let configuration = SuiReaderConfiguration(endpoints: endpoints, transport: kind)
        let client = SuiReaders.makeHTTPClient(configuration: configuration)
        do {
            return (try SuiReaders.make(configuration: configuration, httpClient: client, logger: logger), client)
        } catch {
            try? client.syncShutdown()
            throw Failure("--sui-rpc: \(error.message)")
        }
    }
}
