public import HTTPTypes
public import NIOCore
import NIOPosix
public import NIOSSL

/// Proxies an HTTP/1.1 upgrade (WebSocket, SPDY/3.1: `kubectl exec`, `attach`, `port-forward`)
/// to an upstream byte for byte, as kube-apiserver and kubelet proxy them: the client's upgrade
/// request goes upstream with its upgrade fields (never its credentials), the upstream's answer
/// comes back as it is (`101` or a refusal, so a client falls back from WebSocket to SPDY by
/// itself), and then the two connections are spliced until either side closes.
///
/// The server side needs ``UpgradeTakeoverHandler`` in its pipeline.
public enum UpgradeTunnel {
    /// The request fields passed upstream: what negotiates the upgrade, nothing else.
    public static let forwardedFields: Set<String> = [
        "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol", "x-stream-protocol-version",
    ]

    /// How long an upstream may take to answer the upgrade request.
    public static let headTimeout: TimeAmount = .seconds(30)

    /// Whether `head` asks to upgrade the connection (`Connection: upgrade` and an `Upgrade` field).
    public static func isUpgradeRequest(_ head: HTTPRequest) -> Bool {
        guard head.headerFields[.upgrade] != nil else { return false }
        return head.headerFields[values: .connection].contains { value in
            value.split(separator: ",").contains { $0.trimmingASCIISpaces.lowercased() == "upgrade" }
        }
    }

    /// Whether the connection of `channel` was taken over by ``UpgradeTakeoverHandler`` (so an
    /// upgrade can be answered on it).
    public static func isTunnel(_ channel: any Channel) async -> Bool {
        await withCheckedContinuation { continuation in
            channel.eventLoop.execute {
                continuation.resume(returning: (try? channel.pipeline.syncOperations.context(handlerType: RawHTTPStreamHandler.self)) != nil)
            }
        }
    }

    /// The upgrade fields of `fields`, for the upstream request.
    public static func upgradeFields(of fields: HTTPFields) -> [(name: String, value: String)] {
        fields.filter { forwardedFields.contains($0.name.canonicalName) }.map { ($0.name.rawName, $0.value) }
    }

    /// Connects to `host:port` (TLS when `tls` is given, checking the certificate against
    /// `serverHostname`), sends `method target` with `fields`, and reads the response head.
    /// - Parameters:
    ///   - target: The request target (path and query), already percent-encoded.
    ///   - authority: The `Host` field.
    public static func dial(
        host: String, port: Int, tls: NIOSSLContext? = nil, serverHostname: String? = nil, method: String, target: String, authority: String,
        fields: [(name: String, value: String)]
    ) async throws -> UpgradeUpstream {
        guard target.utf8.first == UInt8(ascii: "/"), !target.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7f }),
            !authority.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7f })
        else { throw UpgradeTunnelError(code: .badTarget, message: "invalid upstream request target") }
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        let head: EventLoopFuture<UpgradeResponseHead>
        do {
            (channel, head) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                        }
                        let reader = UpstreamHeadReader(promise: channel.eventLoop.makePromise(), timeout: headTimeout)
                        try channel.pipeline.syncOperations.addHandler(reader)
                        let wrapped = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return (wrapped, reader.promise.futureResult)
                    }
                }
        } catch {
            throw UpgradeTunnelError(code: .connect, message: "dialing \(host):\(port): \(error)")
        }
        var request = channel.channel.allocator.buffer(capacity: 512)
        request.writeString("\(method) \(target) HTTP/1.1\r\nHost: \(authority)\r\n")
        for field in fields {
            request.writeString(field.name)
            request.writeString(": ")
            request.writeString(field.value)
            request.writeString("\r\n")
        }
        request.writeString("\r\n")
        do {
            try await channel.channel.writeAndFlush(request)
            return UpgradeUpstream(head: try await head.get(), channel: channel)
        } catch {
            try? await channel.channel.close()
            throw error as? UpgradeTunnelError ?? UpgradeTunnelError(code: .connect, message: "upstream \(host):\(port): \(error)")
        }
    }
}

/// An upstream that answered an upgrade request: its answer, and the connection to splice.
public struct UpgradeUpstream: Sendable {
    /// The upstream's response head.
    public let head: UpgradeResponseHead
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Closes the connection without relaying (the client is answered otherwise).
    public func close() async {
        try? await channel.channel.close()
    }
}

/// Why an upgrade could not be proxied.
public struct UpgradeTunnelError: Error, CustomStringConvertible, Sendable {
    /// What failed.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The upstream could not be reached.
        public static let connect = Code(name: "connect")
        /// The upstream's answer was not an HTTP/1.x response head.
        public static let badResponse = Code(name: "badResponse")
        /// The upstream did not answer in time.
        public static let timeout = Code(name: "timeout")
        /// The request target was not a valid origin-form target.
        public static let badTarget = Code(name: "badTarget")
        public var description: String { name }
    }

    public let code: Code
    public let message: String
    public var description: String { message }
}

/// Reads the upstream's response head, then passes every later byte on.
final class UpstreamHeadReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let promise: EventLoopPromise<UpgradeResponseHead>
    private let timeout: TimeAmount
    private var buffer: ByteBuffer?
    private var done = false
    private var timer: Scheduled<Void>?

    init(promise: EventLoopPromise<UpgradeResponseHead>, timeout: TimeAmount) {
        self.promise = promise
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let promise = self.promise
        let channel = context.channel
        let timeout = self.timeout
        timer = context.eventLoop.scheduleTask(in: timeout) {
            promise.fail(UpgradeTunnelError(code: .timeout, message: "the upstream did not answer within \(timeout.nanoseconds / 1_000_000_000) s"))
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard !done else {
            context.fireChannelRead(data)
            return
        }
        if buffer == nil { buffer = incoming } else { buffer!.writeBuffer(&incoming) }
        switch UpgradeResponseHead.parse(buffer!.readableBytesView) {
        case .incomplete:
            return
        case .invalid(let reason):
            finish(.failure(UpgradeTunnelError(code: .badResponse, message: "the upstream's answer is not an HTTP/1.1 response: \(reason)")))
            context.close(promise: nil)
        case .complete(let head, let consumed):
            var rest = buffer!
            buffer = nil
            rest.moveReaderIndex(forwardBy: consumed)
            finish(.success(head))
            if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(UpgradeTunnelError(code: .badResponse, message: "the upstream closed the connection before answering")))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(UpgradeTunnelError(code: .connect, message: "\(error)")))
        context.fireErrorCaught(error)
    }

    private func finish(_ result: Result<UpgradeResponseHead, UpgradeTunnelError>) {
        guard !done else { return }
        done = true
        timer?.cancel()
        timer = nil
        promise.completeWith(result.mapError { $0 as any Error })
    }
}

extension Substring {
    fileprivate var trimmingASCIISpaces: Substring {
        var value = self
        while value.first == " " || value.first == "\t" { value = value.dropFirst() }
        while value.last == " " || value.last == "\t" { value = value.dropLast() }
        return value
    }
}
