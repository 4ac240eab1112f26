import NIOCore
import NIOHTTP1

/// The HTTP/1 "codec" of a tunnelled connection (see ``UpgradeTakeoverHandler``): bytes from the
/// client become request body parts; the response head is written in HTTP/1.1 form with its
/// headers exactly as given, body parts are written as they are, and the end of the response
/// closes the connection.
final class RawHTTPStreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(wrapInboundOut(.body(unwrapInboundIn(data))))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            var buffer = context.channel.allocator.buffer(capacity: 256)
            buffer.writeString("HTTP/1.1 \(head.status.code) \(head.status.reasonPhrase)\r\n")
            var closes = false
            for (name, value) in head.headers {
                if name.lowercased() == "connection" { closes = closes || value.lowercased().contains("close") }
                buffer.writeString(name)
                buffer.writeString(": ")
                buffer.writeString(value)
                buffer.writeString("\r\n")
            }
            // Anything but a switch of protocols ends with the connection.
            if head.status != .switchingProtocols && !closes { buffer.writeString("Connection: close\r\n") }
            buffer.writeString("\r\n")
            context.write(wrapOutboundOut(buffer), promise: promise)
        case .body(.byteBuffer(let buffer)):
            context.write(wrapOutboundOut(buffer), promise: promise)
        case .body(.fileRegion):
            promise?.fail(ChannelError.operationUnsupported)
        case .end:
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: promise)
            context.close(promise: nil)
        }
    }
}
