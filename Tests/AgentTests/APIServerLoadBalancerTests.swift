import Agent
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// The local load balancer over several masters, against plain TCP servers that answer each
/// chunk with their name: which one a connection reaches, moving on when one is gone, and a
/// graceful shutdown that closes long-lived connections.
@Suite("API server load balancer")
struct APIServerLoadBalancerTests {
    /// A TCP server answering every chunk with `<name>:<chunk>`, until `close()`. Each listens on
    /// its own loopback address (127.0.0.2...), so a port it frees is not handed to another
    /// test's server on 127.0.0.1 while this one expects nothing there.
    final class NamedServer: Sendable {
        let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        let task: Task<Void, Never>
        let host: String
        var url: String { "https://\(host):\(channel.channel.localAddress!.port!)" }

        init(name: String, host: String) async throws {
            self.host = host
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: host, port: 0) { child in
                child.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child) }
            }
            let listener = channel
            task = Task {
                try? await withThrowingDiscardingTaskGroup { group in
                    try await listener.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask {
                                try? await connection.executeThenClose { input, output in
                                    for try await chunk in input { try await output.write(ByteBuffer(string: name + ":" + String(buffer: chunk))) }
                                }
                            }
                        }
                    }
                }
            }
        }

        func close() async {
            try? await channel.channel.close()
            task.cancel()
        }
    }

    /// Connects to `port`, sends `text` and returns the first answer (nil when the connection closes first).
    static func exchange(port: Int, _ text: String) async throws -> String? {
        let client = try await connect(port: port)
        return try await client.executeThenClose { input, output in
            try await output.write(ByteBuffer(string: text))
            for try await chunk in input { return String(buffer: chunk) }
            return nil
        }
    }

    static func connect(port: Int) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
    }

    /// A master nobody runs: port 1 of an otherwise unused loopback address refuses at once.
    static let deadMaster = "https://127.0.0.9:1"

    @Test("a connection reaches the first master that accepts one, and stays with it")
    func failover() async throws {
        let a = try await NamedServer(name: "a", host: "127.0.0.2")
        let b = try await NamedServer(name: "b", host: "127.0.0.3")
        defer { Task { await a.close(); await b.close() } }
        let balancer = try await APIServerLoadBalancer(configuration: .init(servers: [Self.deadMaster, a.url, b.url]), logger: Logger(label: "test"))
        let running = Task { try await balancer.run() }
        defer { running.cancel() }
        #expect(try await Self.exchange(port: balancer.port, "hello") == "a:hello", "past the master that refuses")
        #expect(try await Self.exchange(port: balancer.port, "again") == "a:again", "stays on the master that answered")
        // (A master dying under a running balancer is covered end to end: kill -9 of the leader
        // master in EtcdEndToEndTests, with the worker and kubectl behind balancers.)
        let second = try await APIServerLoadBalancer(configuration: .init(servers: [Self.deadMaster, Self.deadMaster, b.url]), logger: Logger(label: "test"))
        let runningSecond = Task { try await second.run() }
        defer { runningSecond.cancel() }
        let answer = try await Self.exchange(port: second.port, "moved")
        #expect(answer == "b:moved", "\(answer ?? "closed")")
    }

    @Test("a graceful shutdown ends the balancer and closes a connection that is still open")
    func shutdownClosesConnections() async throws {
        let a = try await NamedServer(name: "a", host: "127.0.0.4")
        defer { Task { await a.close() } }
        let balancer = try await APIServerLoadBalancer(configuration: .init(servers: [a.url]), logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [.init(service: balancer)], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let client = try await Self.connect(port: balancer.port)
        let closed = try await client.executeThenClose { input, output in
            try await output.write(ByteBuffer(string: "watch"))
            var iterator = input.makeAsyncIterator()
            #expect(try await iterator.next().map { String(buffer: $0) } == "a:watch")
            await group.triggerGracefulShutdown()
            // The long-lived connection ends: the balancer closed it.
            return try await iterator.next() == nil
        }
        #expect(closed)
        try await running.value
    }

    @Test("masters that are not https://host:port, or none, are refused")
    func refusesBadServers() async throws {
        for servers in [[], ["http://127.0.0.1:6443"], ["https://"], ["https://127.0.0.1:6443/path"], ["https://127.0.0.1:70000"]] {
            await #expect(throws: AgentError.self, "\(servers)") {
                _ = try await APIServerLoadBalancer(configuration: .init(servers: servers), logger: Logger(label: "test"))
            }
        }
    }
}
