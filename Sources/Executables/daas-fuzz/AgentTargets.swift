import Agent
import DaaSTestSupport
import KubeInformers
import Logging
import KubeTypes
import StreamTunnel

/// The node agent's CRI log-line and RFC 3339 time parsers (container log files are written by
/// the runtime from what containers print).
struct CRILogTarget: FuzzTarget {
    let name = "cri-log"
    var dictionary: [[UInt8]] { [" stdout F ", " stderr P ", "Z", ".", "T", ":", "-", "\n", "2026-12-04T15:32:40.295011301Z"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        [
            "2026-12-04T15:32:40.295011301Z stdout F hello", "2026-12-04T15:32:40Z stderr P part", "1970-01-01T00:00:00Z stdout F ",
            "2000-02-29T23:59:60.1Z stdout F leap", "x stdout F", "",
        ].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        for line in input.split(separator: 0x0A, omittingEmptySubsequences: false) {
            guard let entry = CRILogLine(Array(line)) else { continue }
            _ = RFC3339Time.seconds(entry.time)
        }
        _ = RFC3339Time.seconds(input)
    }
}

/// `$(VAR)` expansion of container commands, args and env values; the input is the template,
/// then a NUL, then `NAME=value` lines for the mapping. The pod subnet and `--eviction-hard`
/// parsers read the same input.
struct EnvExpansionTarget: FuzzTarget {
    let name = "env-expand"
    var dictionary: [[UInt8]] { ["$(", ")", "$$", "$", "\u{0}", "=", "\n", "$(A)", "A=", "é"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        ["echo $(A) $$(B) $(C", "$(A)$(A)\u{0}A=1\nB=$(A)", "$$$$(", "\u{0}="].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        let parts = input.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        var mapping: [String: String] = [:]
        if parts.count == 2 {
            for line in parts[1].split(separator: 0x0A) {
                let pair = line.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
                mapping[String(decoding: pair[0], as: UTF8.self)] = pair.count == 2 ? String(decoding: pair[1], as: UTF8.self) : ""
            }
        }
        _ = ContainerEnvironment.expand(String(decoding: parts.first ?? [], as: UTF8.self), mapping)
        _ = try? PodSubnet(String(decoding: input.prefix(64), as: UTF8.self))
        _ = try? EvictionThreshold.parse(String(decoding: input.prefix(1024), as: UTF8.self))
    }
}

/// The answer of an upstream to an upgrade (exec, attach, port-forward: the node agent's to the
/// master, containerd's stream server's to the agent), and the stream URL the runtime returns.
struct UpgradeResponseTarget: FuzzTarget {
    let name = "upgrade-response"
    var dictionary: [[UInt8]] { ["HTTP/1.1 ", "101", " Switching Protocols", "\r\n", ": ", "Upgrade", "\r\n\r\n", "http://", ":", "/exec/"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        [
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\nrest",
            "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", "HTTP/1.0 200\r\n\r\n", "HTTP/1.1 101 Switching Protocols\r\n",
            "http://127.0.0.1:40123/exec/abcd", "http://[::1]:1/x",
        ].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        if case .complete(let head, let consumed) = UpgradeResponseHead.parse(input) {
            precondition(consumed <= input.count && consumed <= UpgradeResponseHead.maxBytes && head.fields.count <= UpgradeResponseHead.maxFields)
            for field in head.fields {
                precondition(!field.value.utf8.contains(13) && !field.value.utf8.contains(10), "a value could split a head it is written into")
            }
        }
        _ = StreamEndpoint(String(decoding: input.prefix(512), as: UTF8.self))
    }
}

/// The cluster DNS server's query parser, its answers from an empty zone, and its writer's
/// truncation: queries arrive from any pod.
struct DNSQueryTarget: FuzzTarget {
    let name = "dns-query"
    var dictionary: [[UInt8]] { [[0xC0, 0x0C], [0x00, 0x01, 0x00, 0x01], [0x00, 0x21, 0x00, 0x01], [3] + "svc".bytes, [7] + "cluster".bytes, [5] + "local".bytes, [0]] }

    /// A query for `name` of `type`.
    static func query(_ name: String, type: UInt16 = 1) -> [UInt8] {
        var bytes: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") { bytes += [UInt8(label.utf8.count)] + Array(label.utf8) }
        return bytes + [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
    }

    func seeds() throws -> [[UInt8]] {
        [
            Self.query("web.default.svc.cluster.local"), Self.query("_http._tcp.web.default.svc.cluster.local", type: 33),
            Self.query("10.0.43.10.in-addr.arpa", type: 12), Self.query("10-42-0-5.default.pod.cluster.local"),
            [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1],
        ]
    }

    let zone = ClusterDNSZone(
        domain: "cluster.local", services: SharedInformer(source: FixedListWatchSource(), logger: .init(label: "fuzz")),
        slices: SharedInformer(source: FixedListWatchSource(), logger: .init(label: "fuzz")))

    func run(_ input: [UInt8]) async {
        guard let query = try? DNSMessage.parseQuery(input), let question = query.question else { return }
        precondition(question.name.utf8.count <= 255 * 4, "a name is bounded")
        let questionLength = input.count >= 12 ? DNSMessage.response(to: query, code: .noError, authoritative: false).serialized().count - 12 : 0
        var response = zone.answer(query) ?? DNSMessage.response(to: query, code: .serverFailure, authoritative: false)
        response.answers += Array(repeating: .init(name: question.name, type: .a, ttl: 5, data: .a([10, 0, 0, 1])), count: 40)
        let bytes = response.serialized(limit: 512)
        precondition(bytes.count <= 512 || bytes.count == 12 + questionLength, "an answer over UDP is truncated to its question")
        precondition(Array(bytes[12..<(12 + questionLength)]) == Array(input[12..<(12 + questionLength)]), "the question is echoed byte for byte")
    }
}
