import StreamTunnel
import Testing

@Suite("UpgradeResponseHead: an upstream's answer to an upgrade, parsed on bytes with bounds")
struct UpgradeResponseHeadTests {
    @Test("a 101 with its fields, and the bytes after the head left to the stream")
    func switching() {
        let bytes = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\nX-Stream-Protocol-Version:  v4.channel.k8s.io \r\n\r\nframes".utf8)
        guard case .complete(let head, let consumed) = UpgradeResponseHead.parse(bytes) else {
            Issue.record("not parsed")
            return
        }
        #expect(head.status == 101 && head.reason == "Switching Protocols")
        #expect(head.fields.map(\.name) == ["Upgrade", "Connection", "X-Stream-Protocol-Version"])
        #expect(head.fields.last?.value == "v4.channel.k8s.io")
        #expect(Array(bytes[consumed...]) == Array("frames".utf8))
    }

    @Test("a refusal without a reason phrase; an unfinished head asks for more")
    func refusalAndIncomplete() {
        #expect(UpgradeResponseHead.parse(Array("HTTP/1.0 403\r\n\r\n".utf8)) == .complete(.init(status: 403, reason: "", fields: []), consumed: 16))
        #expect(UpgradeResponseHead.parse(Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n".utf8)) == .incomplete)
        #expect(UpgradeResponseHead.parse([]) == .incomplete)
    }

    @Test("what could smuggle a line into the head it is copied into, or is not HTTP/1.x, is refused", arguments: [
        "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n", "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.1 101 OK\r\nBad Name: x\r\n\r\n", "HTTP/1.1 101 OK\r\nX: a\rb\r\n\r\n", "HTTP/1.1 101 OK\r\n: novalue\r\n\r\n",
        "HTTP/1.1 101 OK\r\nNoColon\r\n\r\n", "HTTP/1.1 101 O\u{0}K\r\n\r\n", "HTTP/1.1 101 OK\r\nX: a\nInjected: b\r\n\r\n",
    ])
    func invalid(_ text: String) {
        guard case .invalid = UpgradeResponseHead.parse(Array(text.utf8)) else {
            Issue.record("accepted \(text.debugDescription)")
            return
        }
    }

    @Test("bounds: a head over 16 KiB, or with over 100 fields, is refused rather than buffered")
    func bounds() {
        let long = Array("HTTP/1.1 101 OK\r\nX: ".utf8) + [UInt8](repeating: 0x61, count: UpgradeResponseHead.maxBytes)
        guard case .invalid = UpgradeResponseHead.parse(long) else {
            Issue.record("a head without an end over the bound is not refused")
            return
        }
        let many = "HTTP/1.1 101 OK\r\n" + String(repeating: "X: y\r\n", count: UpgradeResponseHead.maxFields + 1) + "\r\n"
        guard case .invalid = UpgradeResponseHead.parse(Array(many.utf8)) else {
            Issue.record("too many fields accepted")
            return
        }
    }
}
