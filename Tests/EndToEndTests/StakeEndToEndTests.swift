import DaaSTestSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SuiClient
import SuiDevLedger
import Testing

/// `daasctl stake` against a dev ledger served in-process, and against a node that is not one.
@Suite("daasctl stake", .serialized)
struct StakeEndToEndTests {
    static let logger = Logger(label: "stake-e2e", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `service`, waits for its port, runs `body`, shuts down.
    static func serving<T: Sendable>(_ make: (@escaping @Sendable (Int) async -> Void) -> any Service, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(configuration: .init(services: [make { continuation.yield($0); continuation.finish() }], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            defer { tasks.cancelAll() }
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            return result
        }
    }

    /// Runs daasctl on a thread of its own so the in-process server keeps its executor.
    static func daasctl(_ arguments: [String]) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try runProduct("daasctl", arguments) }) }.start()
        }
    }

    @Test("add, list and withdraw stake on the dev ledger")
    func addListWithdraw() async throws {
        let ledger = try SuiDevLedger(stateFile: nil)
        let owner = "0x00000000000000000000000000000000000000000000000000000000000000aa"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stake-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secretFile = directory + "/secret"
        let secret = try SuiDevLedgerSecret.loadOrCreate(path: secretFile)
        try await Self.serving({ onListening in
            SuiDevLedgerServer(ledger: ledger, configuration: .init(port: 0, adminSecret: secret), logger: Self.logger, onListening: onListening)
        }) { port in
            let url = "http://127.0.0.1:\(port)"
            let refused = try await Self.daasctl(["stake", "add", "--ledger", url, "--secret-file", directory + "/missing", "--address", owner, "--amount", "1"])
            #expect(refused.status == 1 && refused.error.contains("--secret-file"), "\(refused.error)")
            let added = try await Self.daasctl(["stake", "add", "--ledger", url, "--secret-file", secretFile, "--address", owner, "--amount", "2500000000"])
            #expect(added.status == 0, "\(added.error)")
            let id = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(SuiAddress(hex: id) != nil)
            #expect(await ledger.stakes(owner: try #require(SuiAddress(hex: owner))).map(\.id.description) == [id])

            let listed = try await Self.daasctl(["stake", "list", "--ledger", url, "--address", owner])
            #expect(listed.status == 0)
            #expect(listed.output.contains(id) && listed.output.contains("principal=2500000000"))

            let withdrawn = try await Self.daasctl(["stake", "withdraw", "--ledger", url, "--secret-file", secretFile, "--id", id])
            #expect(withdrawn.status == 0, "\(withdrawn.error)")
            let empty = try await Self.daasctl(["stake", "list", "--ledger", url, "--address", owner])
            #expect(empty.status == 0 && empty.output.isEmpty)

            let again = try await Self.daasctl(["stake", "withdraw", "--ledger", url, "--secret-file", secretFile, "--id", id])
            #expect(again.status != 0)
        }
    }

    @Test("a node without the dev methods is reported in one line")
    func notADevLedger() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stake-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try SuiDevLedgerSecret.loadOrCreate(path: directory + "/secret")
        try await Self.serving({ onListening in
            let router = Router()
            router.post("/") { _, _ -> Response in
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}"#)))
            }
            return Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { await onListening($0.localAddress?.port ?? 0) }, logger: Self.logger)
        }) { port in
            let url = "http://127.0.0.1:\(port)"
            let result = try await Self.daasctl(["stake", "add", "--ledger", url, "--secret-file", directory + "/secret", "--address", "0x1", "--amount", "1"])
            #expect(result.status != 0)
            let lines = result.error.split(separator: "\n")
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix("daasctl: \(url) is not a K3s-DaaS dev ledger (") == true)
        }
    }
}
