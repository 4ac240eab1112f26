import Agent
import ArgumentParser
import Foundation
import KubeInformers
import KubeTypes
import Logging
import NIOCore
import NIOPosix

/// `daas-bench network`: how long the node's Service rules take to rebuild and load for 1,000
/// Services x 10 endpoints (full load and one changed endpoint), against the issue's "within a
/// second"; and cluster DNS queries/s and p50/p99 over UDP on loopback, against the same run's
/// in-process answer rate.
struct NetworkBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network", abstract: "Service rule sync time (1,000 Services x 10 endpoints) and cluster DNS queries/s and p99.")

    @Option(help: "Services.") var services = 1_000
    @Option(help: "Endpoints per Service.") var endpoints = 10
    @Option(help: "DNS queries sent.") var queries = 50_000
    @Option(help: "Concurrent DNS clients.") var clients = 8

    func run() async throws {
        var logger = Logger(label: "daas-bench")
        logger.logLevel = .critical
        let (serviceObjects, sliceObjects) = objects()
        print("workload: \(services) ClusterIP Services (one TCP port each) x \(endpoints) ready endpoints on 10 nodes; cores: \(ProcessInfo.processInfo.activeProcessorCount)")
        try await ruleSync(serviceObjects, sliceObjects)
        try await dns(serviceObjects, sliceObjects, logger: logger)
    }

    private func objects() -> ([JSONValue], [JSONValue]) {
        var serviceObjects: [JSONValue] = []
        var sliceObjects: [JSONValue] = []
        for index in 0..<services {
            let name = "svc-\(index)"
            serviceObjects.append([
                "metadata": ["name": .string(name), "namespace": "bench"],
                "spec": ["clusterIP": .string("10.43.\(index / 250).\(index % 250 + 1)"), "ports": [["name": "http", "port": 80, "protocol": "TCP"]]],
            ])
            let addresses: [JSONValue] = (0..<endpoints).map { endpoint in
                let value = index * endpoints + endpoint
                return ["addresses": [.string("10.42.\(value / 250 % 250).\(value % 250 + 1)")], "nodeName": .string("node-\(endpoint % 10)"), "conditions": ["ready": true]]
            }
            sliceObjects.append([
                "metadata": ["name": .string(name + "-x"), "namespace": "bench", "labels": ["kubernetes.io/service-name": .string(name)]],
                "ports": [["name": "http", "port": 8080, "protocol": "TCP"]], "endpoints": .array(addresses),
            ])
        }
        return (serviceObjects, sliceObjects)
    }

    /// Builds and loads the table in a network namespace of its own (removed afterwards).
    private func ruleSync(_ serviceObjects: [JSONValue], _ sliceObjects: [JSONValue]) async throws {
        let namespace = "daas-bench-\(UInt32.random(in: 0...UInt32.max))"
        guard shell(["/sbin/ip", "netns", "add", namespace]) else {
            print("rule sync: skipped (cannot create a network namespace: run as root)")
            return
        }
        defer { _ = shell(["/sbin/ip", "netns", "del", namespace]) }
        let clock = ContinuousClock()
        func load(_ slices: [JSONValue], after previous: ProxyRules? = nil) -> (build: Double, apply: Double, bytes: Int) {
            let start = clock.now
            let rules = ProxyRules(.init(services: serviceObjects, slices: slices, nodeName: "node-0"))
            let script = previous.map { rules.update(from: $0) } ?? rules.script
            let built = clock.now
            let file = FileManager.default.temporaryDirectory.path + "/\(namespace).nft"
            try? script.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let ok = shell(["/sbin/ip", "netns", "exec", namespace, "nft", "-f", file])
            precondition(ok, "nft refused the generated rules")
            return (seconds(built - start), seconds(clock.now - built), script.utf8.count)
        }
        let full = load(sliceObjects)
        var changed = sliceObjects
        changed[0]["endpoints"] = .array(Array((changed[0]["endpoints"]?.arrayValue ?? []).dropLast()))
        let delta = load(changed, after: ProxyRules(.init(services: serviceObjects, slices: sliceObjects, nodeName: "node-0")))
        print(String(format: "rule sync, full: build %.0f ms + nft load %.0f ms = %.0f ms for %d KiB of rules (issue's \"within a second\": %.2fx of 1 s)",
                     full.build * 1000, full.apply * 1000, (full.build + full.apply) * 1000, full.bytes / 1024, full.build + full.apply))
        print(String(format: "rule sync, one endpoint removed (only the changed chain and elements, %d bytes): build and diff %.0f ms + nft %.0f ms = %.0f ms (%.2fx of 1 s)",
                     delta.bytes, delta.build * 1000, delta.apply * 1000, (delta.build + delta.apply) * 1000, delta.build + delta.apply))
    }

    private func dns(_ serviceObjects: [JSONValue], _ sliceObjects: [JSONValue], logger: Logger) async throws {
        let serviceInformer = SharedInformer(source: FixedListWatchSource(serviceObjects), logger: logger)
        let sliceInformer = SharedInformer(source: FixedListWatchSource(sliceObjects), logger: logger)
        let port = Int.random(in: 40_000...50_000)
        let zone = ClusterDNSZone(domain: "cluster.local", services: serviceInformer, slices: sliceInformer)
        let server = ClusterDNSServer(zone: zone, host: "127.0.0.1", port: port, upstreams: [], logger: logger)
        let names = (0..<services).map { "svc-\($0).bench.svc.cluster.local" }
        let packets: [[UInt8]] = names.enumerated().map { index, name in
            var bytes: [UInt8] = [UInt8(index >> 8 & 0xFF), UInt8(index & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
            for label in name.split(separator: ".") { bytes += [UInt8(label.utf8.count)] + Array(label.utf8) }
            return bytes + [0, 0, 1, 0, 1]
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await serviceInformer.run() }
            group.addTask { await sliceInformer.run() }
            group.addTask { try await server.run() }
            await serviceInformer.waitForSync()
            await sliceInformer.waitForSync()
            try await Task.sleep(for: .milliseconds(300))

            let clock = ContinuousClock()
            var start = clock.now
            var answered = 0
            for index in 0..<queries {
                if zone.answer(try DNSMessage.parseQuery(packets[index % packets.count]))?.answers.count == 1 { answered += 1 }
            }
            let inProcess = Double(queries) / seconds(clock.now - start)
            precondition(answered == queries)

            start = clock.now
            let perClient = queries / clients
            let latencies = try await withThrowingTaskGroup(of: [Double].self) { clientsGroup in
                for client in 0..<clients {
                    clientsGroup.addTask { try await query(port: port, packets: packets, count: perClient, offset: client) }
                }
                var all: [Double] = []
                for try await part in clientsGroup { all += part }
                return all
            }
            let elapsed = seconds(clock.now - start)
            let rate = Double(latencies.count) / elapsed
            print(String(format: "cluster DNS over UDP: %d A queries from %d clients: %.0f queries/s, p50 %.3f ms, p99 %.3f ms (in-process answers %.0f/s: the server reaches %.2fx of it)",
                         latencies.count, clients, rate, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, inProcess, rate / inProcess))
            group.cancelAll()
        }
    }

    /// Sends `count` queries one after another, returning each round trip in seconds.
    private func query(port: Int, packets: [[UInt8]], count: Int, offset: Int) async throws -> [Double] {
        let remote = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
            }
        }
        let clock = ContinuousClock()
        return try await channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            var latencies: [Double] = []
            latencies.reserveCapacity(count)
            for index in 0..<count {
                let start = clock.now
                try await outbound.write(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: packets[(index * 7 + offset) % packets.count])))
                guard try await iterator.next() != nil else { break }
                latencies.append(seconds(clock.now - start))
            }
            return latencies
        }
    }

    private func shell(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
