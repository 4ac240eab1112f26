import DaaSTestSupport
import StreamTunnel
import Testing

@Suite("StreamTunnel version")
struct StreamTunnelVersionTests {
    @Test("the version constant matches the newest changelog entry")
    func version() {
        #expect(changelogVersion(of: "StreamTunnel") == StreamTunnel.version)
    }
}
