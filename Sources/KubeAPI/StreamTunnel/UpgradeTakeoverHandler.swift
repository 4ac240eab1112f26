public import HTTPTypes
public import NIOCore
import NIOHTTP1
public import NIOHTTPTypes

/// Turns an HTTP/1.1 connection into a byte tunnel when a request asks to upgrade (WebSocket,
/// SPDY/3.1) on a path the application proxies, so that the application answers the upgrade
/// itself, through its ordinary request path (authentication, authorization, routing):
///
/// - the request's head reaches the application as usual;
/// - every byte the client sends afterwards reaches it as the request's body (the body ends when
///   the connection closes);
/// - the response's head and body are written to the client as they are, byte for byte (a
///   `101 Switching Protocols` with the upstream's headers, or any refusal), and the connection
///   closes when the response ends.
///
/// Install it in the HTTP/1 channel pipeline after the HTTP codecs (Hummingbird's
/// `additionalChannelHandlers`). The application should answer upgrade requests only where
/// ``UpgradeTunnel/isTunnel(_:)`` is true; elsewhere (HTTP/2, or a path not accepted here) the
/// connection is ordinary HTTP.
public final class UpgradeTakeoverHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart

    private let accepts: @Sendable (HTTPRequest) -> Bool
    private var tunnelling = false

    /// Takes over connections whose upgrade request `accepts` (given the request head).
    public init(accepting accepts: @escaping @Sendable (HTTPRequest) -> Bool) {
        self.accepts = accepts
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head) where !tunnelling && UpgradeTunnel.isUpgradeRequest(head) && accepts(head):
            do {
                try takeOver(context)
            } catch {
                // No HTTP/1 codec to replace (an HTTP/2 stream): the request stays ordinary HTTP.
                context.fireChannelRead(data)
                return
            }
            tunnelling = true
            context.fireChannelRead(data)
        case .end where tunnelling:
            // The decoder's end of the upgrade request: the tunnel's bytes are the body from now
            // on, until the connection closes.
            return
        default:
            context.fireChannelRead(data)
        }
    }

    /// Replaces the HTTP/1 encoder and decoder with the raw handler.
    private func takeOver(_ context: ChannelHandlerContext) throws {
        let pipeline = context.pipeline.syncOperations
        let encoder = try pipeline.context(handlerType: HTTPResponseEncoder.self)
        let decoder = try pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try pipeline.addHandler(RawHTTPStreamHandler(), position: .before(encoder.handler))
        pipeline.removeHandler(context: decoder, promise: nil)
        pipeline.removeHandler(context: encoder, promise: nil)
    }
}
