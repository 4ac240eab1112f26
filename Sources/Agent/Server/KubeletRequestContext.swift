import Hummingbird
import NIOCore

/// The kubelet API's per-request context: hummingbird's storage plus the channel, whose TLS
/// handler holds the client's certificate.
struct KubeletRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    /// The kubelet API takes no bodies.
    var maxUploadSize: Int { 0 }
}
