import Foundation
public import Logging
import NIOCore
import NIOPosix
public import ServiceLifecycle
import Synchronization

/// A local TCP load balancer in front of several masters, as k3s's agents run one: clients
/// (kubectl, the Python client, this node's agents) talk to `https://127.0.0.1:PORT` and each new
/// connection is passed, bytes untouched, to the first master that accepts a TCP connection,
/// starting with the one that last did. TLS is end to end: the masters' serving certificates
/// cover `127.0.0.1` and `localhost`, and the client still pins the cluster CA.
///
/// When a master dies its connections close; clients reconnect (watches resume from their
/// resourceVersion) and land on the next master. A graceful shutdown stops accepting and closes
/// every open connection, so long-lived watches do not hold the process.
public final class APIServerLoadBalancer: Service, Sendable {
    /// Where to listen and what to balance.
    public struct Configuration: Sendable {
        /// The masters as `https://host:port` URLs, in order of preference.
        public var servers: [String]
        /// The address to listen on. Default 127.0.0.1.
        public var host: String
        /// The port to listen on; 0 picks a free one. Default 0.
        public var port: Int
        /// How long one master gets to accept a connection before the next is tried. Default 2 s.
        public var connectTimeout: Duration

        /// A configuration balancing `servers`.
        public init(servers: [String], host: String = "127.0.0.1", port: Int = 0, connectTimeout: Duration = .seconds(2)) {
            self.servers = servers
            self.host = host
            self.port = port
            self.connectTimeout = connectTimeout
        }
    }

    /// `https://host:port` of the listening socket.
    public let url: String
    /// The port bound.
    public let port: Int
    private let backends: [(host: String, port: Int)]
    private let names: [String]
    private let listener: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let connectTimeout: Duration
    /// The index of the master that last accepted a connection.
    private let preferred = Mutex(0)
    /// The channels of open connections (both sides), closed when the balancer stops.
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let logger: Logger

    /// Binds the listening socket (so ``url`` is known before ``run()``).
    /// - Throws: ``AgentError`` (`invalidConfiguration`) for a server that is not `https://host:port`,
    ///   an empty list or more than 16 servers; (`unreachable`) when the address cannot be bound.
    public init(configuration: Configuration, logger: Logger) async throws(AgentError) {
        guard !configuration.servers.isEmpty, configuration.servers.count <= 16 else {
            throw AgentError(.invalidConfiguration, "give between 1 and 16 master URLs, got \(configuration.servers.count)")
        }
        backends = try configuration.servers.map { server throws(AgentError) in try Self.hostPort(server) }
        names = configuration.servers
        connectTimeout = configuration.connectTimeout
        self.logger = logger
        do {
            listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.allowRemoteHalfClosure, value: false)
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw AgentError(.unreachable, "cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
        port = listener.channel.localAddress?.port ?? configuration.port
        url = "https://\(configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host):\(port)"
    }

    /// The master URLs a repeatable `--master` flag gave, each value possibly a comma-separated
    /// list (blanks dropped), as daas-worker and `daasctl lb` take them.
    public static func servers(fromFlags values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Splits `https://host:port` (the port defaults to 443).
    static func hostPort(_ server: String) throws(AgentError) -> (host: String, port: Int) {
        guard server.utf8.count <= 2048, let url = URL(string: server), url.scheme == "https", let host = url.host, !host.isEmpty,
            url.path.isEmpty || url.path == "/"
        else {
            throw AgentError(.invalidConfiguration, "a master must be https://host:port, got \(server.prefix(200))")
        }
        let port = url.port ?? 443
        guard (1...65535).contains(port) else { throw AgentError(.invalidConfiguration, "the port of \(server.prefix(200)) is out of range") }
        return (host, port)
    }

    /// Accepts connections until cancelled or gracefully shut down, then closes them all.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                do {
                    try await listener.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await self.relay(connection) }
                        }
                    }
                } catch {
                    logger.debug("the load balancer stopped accepting", metadata: ["error": "\(error)"])
                }
                // Listening ended: close what is still open so no connection outlives the balancer.
                for channel in open.withLock({ Array($0.values) }) { channel.close(promise: nil) }
            }
        } onGracefulShutdown: {
            self.listener.channel.close(promise: nil)
        }
    }

    /// Connects `client` to a master and copies bytes both ways until either side closes.
    private func relay(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        guard let server = await connect() else {
            client.channel.close(promise: nil)
            return
        }
        let channels: [any Channel] = [client.channel, server.channel]
        open.withLock { for channel in channels { $0[ObjectIdentifier(channel)] = channel } }
        defer { open.withLock { for channel in channels { $0[ObjectIdentifier(channel)] = nil } } }
        do {
            try await client.executeThenClose { clientInbound, clientOutbound in
                try await server.executeThenClose { serverInbound, serverOutbound in
                    await withTaskGroup(of: Void.self) { directions in
                        directions.addTask {
                            do { for try await bytes in clientInbound { try await serverOutbound.write(bytes) } } catch {}
                        }
                        directions.addTask {
                            do { for try await bytes in serverInbound { try await clientOutbound.write(bytes) } } catch {}
                        }
                        // One side is done: so is the connection.
                        await directions.next()
                        for channel in channels { channel.close(promise: nil) }
                        directions.cancelAll()
                    }
                }
            }
        } catch {
            for channel in channels { channel.close(promise: nil) }
        }
    }

    /// A connection to the preferred master, else to the next that accepts one; nil when none does.
    private func connect() async -> NIOAsyncChannel<ByteBuffer, ByteBuffer>? {
        let first = preferred.withLock { $0 }
        for step in 0..<backends.count {
            let index = (first + step) % backends.count
            let backend = backends[index]
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.milliseconds(connectTimeout.components.seconds * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000))
                    .connect(host: backend.host, port: backend.port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                if index != first {
                    preferred.withLock { $0 = index }
                    logger.warning("master unreachable, using the next", metadata: ["from": "\(names[first])", "to": "\(names[index])"])
                }
                return channel
            } catch {
                logger.debug("cannot reach a master", metadata: ["master": "\(names[index])", "error": "\(error)"])
            }
        }
        logger.error("no master accepts connections", metadata: ["masters": "\(names.joined(separator: ","))"])
        return nil
    }
}
