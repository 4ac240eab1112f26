import DaaSTestSupport
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import StreamTunnel
import Testing

/// A Hummingbird server with ``UpgradeTakeoverHandler`` proxying `/up/...` upgrades to an
/// upstream that answers `/up/refuse` with a 403 and anything else with a 101, then echoes in
/// upper case. A raw TCP client plays kubectl.
@Suite("UpgradeTunnel: an upgrade proxied byte for byte through a Hummingbird server", .timeLimit(.minutes(1)))
struct UpgradeTunnelTests {
    @Test("the upstream's 101 reaches the client with its fields; bytes flow both ways; credentials are not forwarded")
    func switching() async throws {
        try await withTunnelServer { port in
            let exchange = try await RawExchange.run(
                port: port,
                request: "GET /up/exec HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nAuthorization: Bearer secret\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n",
                then: "hello", until: "HELLO")
            #expect(exchange.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"), "\(exchange)")
            #expect(exchange.contains("X-Saw-Authorization: no\r\n") && exchange.contains("X-Saw-Protocol: v4.channel.k8s.io\r\n"), "\(exchange)")
            #expect(exchange.hasSuffix("\r\n\r\nHELLO"), "\(exchange)")
        }
    }

    @Test("a refusal reaches the client as the upstream wrote it, and the connection closes")
    func refusal() async throws {
        try await withTunnelServer { port in
            let exchange = try await RawExchange.run(
                port: port, request: "GET /up/refuse HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", then: nil, until: nil)
            #expect(exchange.hasPrefix("HTTP/1.1 403 Forbidden\r\n") && exchange.hasSuffix("\r\n\r\nnope"), "\(exchange)")
        }
    }

    @Test("ordinary requests, and upgrades on paths not taken over, stay HTTP")
    func ordinary() async throws {
        try await withTunnelServer { port in
            let plain = try await RawExchange.run(port: port, request: "GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", then: nil, until: nil)
            #expect(plain.hasPrefix("HTTP/1.1 200 OK\r\n") && plain.hasSuffix("plain:false"), "\(plain)")
            let elsewhere = try await RawExchange.run(
                port: port, request: "GET /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", then: nil, until: "plain:false")
            #expect(elsewhere.hasPrefix("HTTP/1.1 200 OK\r\n") && elsewhere.hasSuffix("plain:false"), "\(elsewhere)")
        }
    }
}

/// Runs the upstream and the proxying server, calls `body` with the server's port.
private func withTunnelServer(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    let upstream = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in channel.pipeline.addHandler(EchoUpstream()) }
        .bind(host: "127.0.0.1", port: 0).get()
    defer { upstream.close(promise: nil) }
    let upstreamPort = upstream.localAddress!.port!
    let router = Router(context: ChannelContext.self)
    router.get("/plain") { request, context in
        "plain:\(await UpgradeTunnel.isTunnel(context.channel))"
    }
    router.get("/up/{what}") { request, context -> Response in
        guard await UpgradeTunnel.isTunnel(context.channel) else { return Response(status: .badRequest) }
        let upstream = try await UpgradeTunnel.dial(
            host: "127.0.0.1", port: upstreamPort, method: "GET", target: request.uri.path, authority: "127.0.0.1:\(upstreamPort)",
            fields: UpgradeTunnel.upgradeFields(of: request.headers))
        return upstream.response(relaying: request.body)
    }
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: [UpgradeTakeoverHandler { $0.path?.hasPrefix("/up/") == true }])),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in portContinuation.yield(channel.localAddress!.port!) })
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next()!
        defer { group.cancelAll() }
        try await body(port)
    }
}

/// A request context that knows its connection.
private struct ChannelContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }
}

/// Answers the head it reads: 403 with a body for `/up/refuse`, else 101 and an upper-case echo.
private final class EchoUpstream: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var head = ""
    private var echoing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let text = buffer.readString(length: buffer.readableBytes) ?? ""
        if echoing {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text.uppercased())), promise: nil)
            return
        }
        head += text
        guard head.contains("\r\n\r\n") else { return }
        if head.hasPrefix("GET /up/refuse ") {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope"))).whenComplete { _ in
                context.close(promise: nil)
            }
            return
        }
        let sawAuthorization = head.lowercased().contains("authorization:") ? "yes" : "no"
        let protocolVersion = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-stream-protocol-version:") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? ""
        echoing = true
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string:
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\nX-Saw-Authorization: \(sawAuthorization)\r\nX-Saw-Protocol: \(protocolVersion)\r\n\r\n")),
            promise: nil)
    }
}

/// A raw TCP client: sends `request`, then (after a head) `then`, and reads until `until` ends
/// what it got, or until the server closes.
private enum RawExchange {
    static func run(port: Int, request: String, then: String?, until: String?) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var received = ""
            var sent = false
            for try await var chunk in inbound {
                received += chunk.readString(length: chunk.readableBytes) ?? ""
                if let then, !sent, received.contains("\r\n\r\n") {
                    sent = true
                    try await outbound.write(ByteBuffer(string: then))
                }
                if let until, received.hasSuffix(until) { break }
            }
            return received
        }
    }
}
