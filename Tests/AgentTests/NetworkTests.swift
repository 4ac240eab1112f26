import DaaSTestSupport
import Foundation
import KubeInformers
import KubeTypes
import Logging
import NIOCore
import Testing

@testable import Agent

@Suite("Node network: DNS answers, Service and NetworkPolicy rules", .blockingWaits)
struct NetworkTests {
    static let services: [JSONValue] = [
        ["metadata": ["name": "web", "namespace": "default"],
         "spec": ["type": "NodePort", "clusterIP": "10.43.0.20", "sessionAffinity": "ClientIP",
                  "ports": [["name": "http", "port": 80, "protocol": "TCP", "nodePort": 30080]]]],
        ["metadata": ["name": "db", "namespace": "default"], "spec": ["clusterIP": "None", "ports": [["name": "pg", "port": 5432, "protocol": "TCP"]]]],
        ["metadata": ["name": "empty", "namespace": "default"], "spec": ["clusterIP": "10.43.0.30", "ports": [["port": 53, "protocol": "UDP"]]]],
        ["metadata": ["name": "local", "namespace": "default"],
         "spec": ["type": "NodePort", "clusterIP": "10.43.0.40", "internalTrafficPolicy": "Local", "externalTrafficPolicy": "Local",
                  "ports": [["name": "http", "port": 80, "protocol": "TCP", "nodePort": 30090]]]],
        ["metadata": ["name": "ext", "namespace": "default"], "spec": ["type": "ExternalName", "externalName": "Example.COM"]],
        ["metadata": ["name": "kube-dns", "namespace": "kube-system"],
         "spec": ["clusterIP": "10.43.0.10", "ports": [["name": "dns", "port": 53, "protocol": "UDP"], ["name": "dns-tcp", "port": 53, "protocol": "TCP"]]]],
    ]
    static let slices: [JSONValue] = [
        ["metadata": ["name": "web-x", "namespace": "default", "labels": ["kubernetes.io/service-name": "web"]],
         "ports": [["name": "http", "port": 8080, "protocol": "TCP"]],
         "endpoints": [["addresses": ["10.42.1.5"], "nodeName": "b", "conditions": ["ready": true]],
                       ["addresses": ["10.42.0.7"], "nodeName": "a", "conditions": ["ready": true]],
                       ["addresses": ["10.42.0.8"], "nodeName": "a", "conditions": ["ready": false]]]],
        ["metadata": ["name": "db-x", "namespace": "default", "labels": ["kubernetes.io/service-name": "db"]],
         "ports": [["name": "pg", "port": 5432, "protocol": "TCP"]],
         "endpoints": [["addresses": ["10.42.1.9"], "hostname": "db-0", "conditions": ["ready": true]], ["addresses": ["10.42.1.10"], "conditions": ["ready": true]]]],
        ["metadata": ["name": "local-x", "namespace": "default", "labels": ["kubernetes.io/service-name": "local"]],
         "ports": [["name": "http", "port": 8080, "protocol": "TCP"]],
         "endpoints": [["addresses": ["10.42.1.11"], "nodeName": "b", "conditions": ["ready": true]]]],
    ]

    func zone() async -> ClusterDNSZone {
        let services = SharedInformer(source: FixedListWatchSource(Self.services), logger: Logger(label: "test"))
        let slices = SharedInformer(source: FixedListWatchSource(Self.slices), logger: Logger(label: "test"))
        Task { await services.run() }
        Task { await slices.run() }
        await services.waitForSync()
        await slices.waitForSync()
        return ClusterDNSZone(domain: "cluster.local", services: services, slices: slices)
    }

    static func query(_ name: String, type: UInt16 = 1) -> [UInt8] {
        var bytes: [UInt8] = [0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") { bytes += [UInt8(label.utf8.count)] + Array(label.utf8) }
        return bytes + [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
    }

    func answer(_ zone: ClusterDNSZone, _ name: String, type: UInt16 = 1) throws -> DNSMessage? {
        zone.answer(try DNSMessage.parseQuery(Self.query(name, type: type)))
    }

    @Test("cluster.local: Services, headless endpoints, SRV, pods, PTR, CNAME, NXDOMAIN with SOA, NODATA; other names are not the zone's")
    func dnsAnswers() async throws {
        let zone = await zone()
        let web = try #require(try answer(zone, "WEB.default.svc.cluster.local"))
        #expect(web.answers.map(\.data) == [.a([10, 43, 0, 20])] && web.flags & 0x000F == 0 && web.flags & 0x0400 != 0)
        let headless = try #require(try answer(zone, "db.default.svc.cluster.local"))
        #expect(headless.answers.map(\.data) == [.a([10, 42, 1, 10]), .a([10, 42, 1, 9])])
        #expect(try answer(zone, "db-0.db.default.svc.cluster.local")?.answers.map(\.data) == [.a([10, 42, 1, 9])])
        #expect(try answer(zone, "10-42-1-10.db.default.svc.cluster.local")?.answers.map(\.data) == [.a([10, 42, 1, 10])])
        let srv = try #require(try answer(zone, "_pg._tcp.db.default.svc.cluster.local", type: 33))
        #expect(srv.answers.map(\.data) == [
            .srv(priority: 0, weight: 100, port: 5432, target: "10-42-1-10.db.default.svc.cluster.local"),
            .srv(priority: 0, weight: 100, port: 5432, target: "db-0.db.default.svc.cluster.local"),
        ])
        #expect(srv.additional.count == 2)
        #expect(try answer(zone, "_http._tcp.web.default.svc.cluster.local", type: 33)?.answers.map(\.data)
            == [.srv(priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local")])
        #expect(try answer(zone, "10-42-0-5.default.pod.cluster.local")?.answers.map(\.data) == [.a([10, 42, 0, 5])])
        #expect(try answer(zone, "20.0.43.10.in-addr.arpa", type: 12)?.answers.map(\.data) == [.name("web.default.svc.cluster.local")])
        #expect(try answer(zone, "9.1.42.10.in-addr.arpa", type: 12)?.answers.map(\.data) == [.name("db-0.db.default.svc.cluster.local")])
        #expect(try answer(zone, "9.9.9.9.in-addr.arpa", type: 12) == nil, "unknown reverse names go upstream")
        #expect(try answer(zone, "ext.default.svc.cluster.local")?.answers.map(\.data) == [.name("example.com")])
        let missing = try #require(try answer(zone, "nothere.default.svc.cluster.local"))
        #expect(missing.flags & 0x000F == 3 && missing.answers.isEmpty && missing.authority.first?.type == .soa)
        let aaaa = try #require(try answer(zone, "web.default.svc.cluster.local", type: 28))
        #expect(aaaa.flags & 0x000F == 0 && aaaa.answers.isEmpty && aaaa.authority.count == 1, "NODATA for a name that exists")
        #expect(try answer(zone, "example.org") == nil)
        // Written and read back: the answer points at the question's name.
        let bytes = web.serialized()
        #expect(bytes[0] == 0xAB && bytes[1] == 0xCD && bytes[7] == 1 && Array(bytes.suffix(16).prefix(2)) == [0xC0, 0x0C])
    }

    @Test("a question with bytes outside letters and digits is echoed as it came")
    func dnsEcho() async throws {
        let zone = await zone()
        var bytes = Self.query("x.default.svc.cluster.local")
        bytes[13] = 0xE9  // "é" in Latin-1: not a name the zone holds
        let query = try DNSMessage.parseQuery(bytes)
        let answer = try #require(zone.answer(query))
        #expect(answer.flags & 0x000F == 3)
        #expect(Array(answer.serialized()[12..<bytes.count]) == Array(bytes[12...]))
    }

    @Test("names outside the zone are forwarded for pods and the node only: others are refused (no open resolver)")
    func dnsForwarding() async throws {
        let server = ClusterDNSServer(zone: await zone(), host: "127.0.0.1", port: 0, upstreams: [], forwardingClients: ["10.42.0.0/16"], logger: Logger(label: "test"))
        func code(_ name: String, from ip: String) async throws -> UInt8? {
            let answer = await server.respond(to: Self.query(name), limit: 512, from: try SocketAddress(ipAddress: ip, port: 5353))
            return answer.map { $0[3] & 0x0F }
        }
        #expect(try await code("example.org", from: "192.0.2.9") == 5, "REFUSED for a stranger")
        #expect(try await code("example.org", from: "10.42.3.4") == 2, "SERVFAIL for a pod when no upstream answers")
        #expect(try await code("example.org", from: "127.0.0.1") == 2)
        #expect(try await code("web.default.svc.cluster.local", from: "192.0.2.9") == 0, "the zone answers anyone who reaches it")
    }

    @Test("queries the parser refuses: pointer loops and forward pointers, long labels, long names, answers, several questions")
    func dnsRefusals() {
        let header: [UInt8] = [0, 1, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for bad in [
            header + [0xC0, 0x0C, 0, 1, 0, 1], header + [0xC0, 0x20, 0, 1, 0, 1], header + [0xC0, 0x04, 0, 1, 0, 1], header + [64] + Array(repeating: 97, count: 64) + [0, 0, 1, 0, 1],
            header + Array((0..<5).flatMap { _ in [60] + Array(repeating: UInt8(97), count: 60) }) + [0, 0, 1, 0, 1],
            [0, 1, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1], [0, 1, 0x01, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1], header + [3, 97],
        ] {
            #expect(throws: DNSMessage.ParseError.self) { try DNSMessage.parseQuery(bad) }
        }
    }

    @Test("Service rules: nft accepts them; random endpoint choice, affinity, NodePorts, Local policies, rejects and the DNS redirect")
    func proxyRules() throws {
        let rules = ProxyRules(.init(services: Self.services, slices: Self.slices, nodeName: "a"))
        let script = rules.script
        #expect(script.contains("10.43.0.10 . udp . 53 : goto dns") && script.contains("redirect to :10053"))
        #expect(script.contains("numgen random mod 2"), "two ready endpoints, the not-ready one left out")
        #expect(script.contains("dnat to 10.42.1.5:8080") && script.contains("dnat to 10.42.0.7:8080") && !script.contains("10.42.0.8"))
        #expect(script.contains("timeout 10800s") && script.contains("update @aff-"))
        #expect(script.contains("10.43.0.30 . udp . 53"), "no endpoints: rejected")
        #expect(script.contains("10.43.0.40 . tcp . 80 : drop") && script.contains("tcp . 30090 : drop"), "Local policies with no endpoint here drop")
        #expect(!script.contains("10.42.1.9"), "headless Services get no rules")
        try checkWithNFT(script)

        // A UDP Service that gets its first endpoint, and one that loses one.
        var slices = Self.slices
        slices.append(["metadata": ["name": "empty-x", "namespace": "default", "labels": ["kubernetes.io/service-name": "empty"]],
                       "ports": [["port": 5353, "protocol": "UDP"]], "endpoints": [["addresses": ["10.42.0.9"], "conditions": ["ready": true]]]])
        let later = ProxyRules(.init(services: Self.services, slices: slices, nodeName: "a"))
        #expect(later.staleUDP(since: rules).map(\.serviceIP) == ["10.43.0.30"])
        #expect(rules.staleUDP(since: later).map { "\($0.serviceIP)>\($0.endpointIP ?? "")" } == ["10.43.0.30>10.42.0.9"])
    }

    @Test("a Service change is one small transaction on top of the table: the changed chain and elements only")
    func proxyUpdate() throws {
        let namespace = "daas-test-\(UInt32.random(in: 0...UInt32.max))"
        guard try run("/sbin/ip", ["netns", "add", namespace]).status == 0 else { return }
        defer { _ = try? run("/sbin/ip", ["netns", "del", namespace]) }
        func nft(_ script: String) throws -> CommandResult {
            let file = FileManager.default.temporaryDirectory.path + "/update-\(UUID().uuidString).nft"
            try script.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            return try run("/sbin/ip", ["netns", "exec", namespace, "nft", "-f", file])
        }
        let before = ProxyRules(.init(services: Self.services, slices: Self.slices, nodeName: "a"))
        #expect(try nft(before.script).status == 0)
        var slices = Self.slices
        // web loses 10.42.1.5 and gains 10.42.2.2; "empty" gets its first endpoint.
        slices[0]["endpoints"] = [["addresses": ["10.42.0.7"], "nodeName": "a", "conditions": ["ready": true]], ["addresses": ["10.42.2.2"], "nodeName": "c", "conditions": ["ready": true]]]
        slices.append(["metadata": ["name": "empty-x", "namespace": "default", "labels": ["kubernetes.io/service-name": "empty"]],
                       "ports": [["port": 5353, "protocol": "UDP"]], "endpoints": [["addresses": ["10.42.0.9"], "conditions": ["ready": true]]]])
        let after = ProxyRules(.init(services: Self.services, slices: slices, nodeName: "a"))
        let update = after.update(from: before)
        #expect(!update.contains("10.42.0.7:8080"), "the unchanged endpoint's chain is left alone:\n\(update)")
        #expect(update.contains("delete element ip daas-proxy no-endpoints { 10.43.0.30 . udp . 53 }"))
        let applied = try nft(update)
        #expect(applied.status == 0, "\(applied.error)\n\(update)")
        let listed = try run("/sbin/ip", ["netns", "exec", namespace, "nft", "list", "table", "ip", "daas-proxy"]).output
        #expect(listed.contains("dnat to 10.42.2.2:8080") && !listed.contains("10.42.1.5:8080") && listed.contains("dnat to 10.42.0.9:5353"))
        #expect(after.update(from: after) == "\n", "no change, no transaction")
    }

    @Test("NetworkPolicy rules: selected pods accept only what a rule allows (pods, namespaces, ipBlock, ports by number and name)")
    func policyRules() throws {
        func pod(_ name: String, _ ip: String, node: String, labels: [String: String], namespace: String = "default", ports: [JSONValue] = []) -> JSONValue {
            ["metadata": ["name": .string(name), "namespace": .string(namespace), "labels": .object(labels.mapValues { .string($0) })],
             "spec": ["nodeName": .string(node), "containers": [["name": "c", "ports": .array(ports)]]], "status": ["podIP": .string(ip), "phase": "Running"]]
        }
        let pods = [
            pod("web", "10.42.0.5", node: "a", labels: ["app": "web"], ports: [["name": "http", "containerPort": 8080]]),
            pod("client", "10.42.1.6", node: "b", labels: ["role": "client"]),
            pod("monitor", "10.42.1.7", node: "b", labels: [:], namespace: "ops"),
        ]
        let namespaces: [JSONValue] = [["metadata": ["name": "default"]], ["metadata": ["name": "ops", "labels": ["team": "ops"]]]]
        let policy: JSONValue = [
            "metadata": ["name": "web", "namespace": "default"],
            "spec": [
                "podSelector": ["matchLabels": ["app": "web"]],
                "ingress": [
                    ["from": [["podSelector": ["matchLabels": ["role": "client"]]]], "ports": [["port": "http"]]],
                    ["from": [["namespaceSelector": ["matchLabels": ["team": "ops"]]], ["ipBlock": ["cidr": "192.168.0.0/16", "except": ["192.168.1.0/24"]]]],
                     "ports": [["port": 9000, "endPort": 9100, "protocol": "TCP"]]],
                ],
                "egress": [["to": [["podSelector": [:]]]]],
            ],
        ]
        let rules = PolicyRules(.init(policies: [policy], pods: pods, namespaces: namespaces, nodeName: "a"))
        #expect(rules.ingress["10.42.0.5"] == [
            "ip saddr { 10.42.1.6 } tcp dport { 8080 }", "ip saddr { 10.42.1.7 } tcp dport 9000-9100",
            "ip saddr 192.168.0.0/16 ip saddr != { 192.168.1.0/24 } tcp dport 9000-9100",
        ])
        #expect(rules.egress["10.42.0.5"] == ["ip daddr { 10.42.0.5, 10.42.1.6 }"], "egress to the pods of its namespace")
        #expect(rules.ingress["10.42.1.6"] == nil, "pods on other nodes are theirs to guard")
        try checkWithNFT(rules.script)
    }

    /// `nft --check` accepts `script` (nothing is applied).
    func checkWithNFT(_ script: String) throws {
        let file = FileManager.default.temporaryDirectory.path + "/rules-\(UUID().uuidString).nft"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // The check runs against a table that exists (the script deletes it first).
        let result = try run("/usr/sbin/nft", ["--check", "-f", file], timeout: 30)
        #expect(result.status == 0, "\(result.error)\n\(script)")
    }
}
