import Hummingbird
import HTTPTypes
public import Logging
import NIOCore
public import ServiceLifecycle
import SuiClient

/// Serves a ``SuiDevLedger`` over plain HTTP: Sui JSON-RPC 2.0 on `POST /` and the documents
/// ``SuiGraphQLReader`` sends on `POST /graphql`.
///
/// A local test double: bind it to loopback. It speaks no TLS. Sui's read methods answer anyone;
/// the dev-only write methods `daas_dev_addStake` (params `[address, principalMist]`, result the
/// new StakedSui id) and `daas_dev_withdrawStake` (params `[objectId]`) answer only callers that
/// send the ``Configuration/adminSecret`` (JSON-RPC error -32001 otherwise, and always when no
/// secret is configured). While running it advances the checkpoint every
/// ``Configuration/checkpointInterval``.
public struct SuiDevLedgerServer: Service {
    /// The largest request body accepted (bytes).
    public static let maxRequestBytes = 1 << 20

    /// Where and how to serve.
    public struct Configuration: Sendable {
        /// The host to bind. Default: `127.0.0.1`.
        public var host: String
        /// The port to bind; 0 picks a free one. Default: 9000, Sui's full-node JSON-RPC port.
        public var port: Int
        /// How often the checkpoint advances on its own. Default: 1 s.
        public var checkpointInterval: Duration
        /// The secret the write methods require. Default: none, so nobody may mint stake.
        public var adminSecret: SuiDevLedgerSecret?

        /// Creates a configuration; every parameter has the documented default.
        public init(host: String = "127.0.0.1", port: Int = 9000, checkpointInterval: Duration = .seconds(1), adminSecret: SuiDevLedgerSecret? = nil) {
            self.host = host
            self.port = port
            self.checkpointInterval = checkpointInterval
            self.adminSecret = adminSecret
        }
    }

    private let ledger: SuiDevLedger
    private let configuration: Configuration
    private let logger: Logger
    private let onListening: @Sendable (Int) async -> Void

    /// Creates a server.
    /// - Parameters:
    ///   - ledger: the ledger to serve.
    ///   - configuration: host, port and checkpoint interval.
    ///   - logger: the server's logger.
    ///   - onListening: called once with the bound port when the server accepts connections.
    public init(
        ledger: SuiDevLedger, configuration: Configuration = Configuration(), logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.ledger = ledger
        self.configuration = configuration
        self.logger = logger
        self.onListening = onListening
    }

    /// Serves until graceful shutdown or cancellation.
    public func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        let jsonRPC = SuiDevLedgerJSONRPC(ledger: ledger)
        let secret = configuration.adminSecret
        let graphQL = SuiDevLedgerGraphQL(ledger: ledger)
        router.post("/") { request, _ -> Response in
            var request = request
            guard let body = try? await request.collectBody(upTo: Self.maxRequestBytes) else {
                return Response(status: .contentTooLarge)
            }
            let admin = secret?.authorizes(request.headers[.authorization]) ?? false
            return Self.json(await jsonRPC.respond(to: Array(buffer: body), admin: admin))
        }
        router.post("/graphql") { request, _ -> Response in
            var request = request
            guard let body = try? await request.collectBody(upTo: Self.maxRequestBytes) else {
                return Response(status: .contentTooLarge)
            }
            return Self.json(await graphQL.respond(to: Array(buffer: body)))
        }
        let configuration = self.configuration
        let onListening = self.onListening
        let logger = self.logger
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.info("Sui dev ledger listening", metadata: ["url": "http://\(configuration.host):\(port)"])
                await onListening(port)
            },
            logger: logger)
        let ledger = self.ledger
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await app.run()
            }
            group.addTask {
                try? await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        try await Task.sleep(for: configuration.checkpointInterval)
                        do { try await ledger.tick() } catch {
                            logger.error("dev ledger: persisting the checkpoint failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
        }
    }

    static func json(_ value: SuiValue) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }
}
