public import Hummingbird
public import NIOCore

/// The per-request context: hummingbird's core storage plus the channel, to read the TLS peer.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's channel (an HTTP/2 stream channel's parent carries the TLS handler).
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    /// Bodies up to 3 MiB, kube-apiserver's limit.
    public var maxUploadSize: Int { 3 << 20 }
}
