import Foundation
package import Logging
import NIOCore
import NIOPosix

/// The node-local cluster DNS server: answers the cluster domain from ``ClusterDNSZone`` and
/// forwards other names to the node's upstream nameservers, over UDP and TCP on one port. The
/// agent's proxy rules send the `kube-dns` Service address (10.43.0.10:53) here, as NodeLocal
/// DNSCache does on kube; k3s runs CoreDNS pods instead. Names outside the zone are forwarded only
/// for pods and the node itself (no open resolver). Malformed queries get FORMERR (or
/// nothing, when even the header is unreadable); at most 256 queries are answered at once.
package struct ClusterDNSServer: Sendable {
    let zone: ClusterDNSZone
    let host: String
    let port: Int
    /// The nameservers names outside the zone go to (`address` or `address:port`).
    let upstreams: [String]
    /// Who may have names outside the zone forwarded (so the node is no open resolver):
    /// IPv4 networks as `A.B.C.D/N`. Default: loopback only.
    let forwardingClients: [String]
    let logger: Logger

    /// A server for `zone` on `host`:`port`, forwarding other names to `upstreams` for
    /// `forwardingClients` (loopback is always one).
    package init(zone: ClusterDNSZone, host: String, port: Int, upstreams: [String], forwardingClients: [String] = [], logger: Logger) {
        self.zone = zone
        self.host = host
        self.port = port
        self.upstreams = upstreams
        self.forwardingClients = forwardingClients + ["127.0.0.0/8"]
        self.logger = logger
    }

    /// Whether `address` may have names forwarded.
    func mayForward(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return forwardingClients.contains { IPv4CIDR($0)?.contains(ip) == true }
    }

    /// Answers one query (the bytes of a message): the zone's answer, else the upstream's.
    func respond(to bytes: [UInt8], limit: Int, from client: SocketAddress?) async -> [UInt8]? {
        let query: DNSMessage
        do {
            query = try DNSMessage.parseQuery(bytes)
        } catch {
            guard bytes.count >= 12, bytes[2] & 0x80 == 0 else { return nil }
            var failure = DNSMessage(id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), flags: 0)
            failure = DNSMessage.response(to: failure, code: .formatError, authoritative: false)
            return failure.serialized()
        }
        guard query.opcode == 0, query.question?.recordClass == 1 || query.question?.recordClass == 255 else {
            return DNSMessage.response(to: query, code: .notImplemented, authoritative: false).serialized(limit: limit)
        }
        if let answer = zone.answer(query) { return answer.serialized(limit: limit) }
        guard mayForward(client) else { return DNSMessage.response(to: query, code: .refused, authoritative: false).serialized(limit: limit) }
        if let forwarded = await forward(bytes) { return forwarded }
        return DNSMessage.response(to: query, code: .serverFailure, authoritative: false).serialized(limit: limit)
    }

    /// Sends the query to each upstream in turn (2 s each) and returns the first answer.
    private func forward(_ bytes: [UInt8]) async -> [UInt8]? {
        for upstream in upstreams {
            let parts = upstream.split(separator: ":")
            let address = String(parts[0])
            let upstreamPort = parts.count > 1 ? Int(parts[1]) ?? 53 : 53
            guard let remote = try? SocketAddress(ipAddress: address, port: upstreamPort) else { continue }
            do {
                let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .bind(host: "0.0.0.0", port: 0) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                        }
                    }
                let answer: [UInt8]? = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                    group.addTask {
                        try await channel.executeThenClose { inbound, outbound in
                            try await outbound.write(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: bytes)))
                            for try await envelope in inbound where envelope.data.readableBytes >= 2 {
                                let reply = Array(envelope.data.readableBytesView)
                                if reply[0] == bytes[0], reply[1] == bytes[1] { return reply }
                            }
                            return nil
                        }
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(2))
                        return nil
                    }
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    return first
                }
                if let answer { return answer }
            } catch {
                logger.debug("upstream DNS failed", metadata: ["upstream": "\(upstream)", "error": "\(error)"])
            }
        }
        return nil
    }

    /// Serves UDP and TCP until cancelled.
    package func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let udp = try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        let tcp = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        logger.info("cluster DNS listening", metadata: ["address": "\(host):\(port)", "domain": "\(zone.domain)"])
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask {
                try await udp.executeThenClose { inbound, outbound in
                    let inFlight = InFlightLimit()
                    try await withThrowingDiscardingTaskGroup { queries in
                        for try await envelope in inbound {
                            guard inFlight.enter(limit: 256) else { continue }  // shed load rather than queue without bound
                            let bytes = Array(envelope.data.readableBytesView)
                            queries.addTask {
                                defer { inFlight.leave() }
                                if let answer = await respond(to: bytes, limit: 512, from: envelope.remoteAddress) {
                                    try? await outbound.write(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: answer)))
                                }
                            }
                        }
                    }
                }
            }
            tasks.addTask {
                try await tcp.executeThenClose { connections in
                    let open = InFlightLimit()
                    try await withThrowingDiscardingTaskGroup { clients in
                        for try await connection in connections {
                            guard open.enter(limit: 64) else {
                                try? await connection.channel.close()
                                continue
                            }
                            clients.addTask {
                                defer { open.leave() }
                                // A connection lives at most 30 s, so idle clients cannot pile up.
                                await withTaskGroup(of: Void.self) { group in
                                    group.addTask { await serve(connection) }
                                    group.addTask { try? await Task.sleep(for: .seconds(30)) }
                                    await group.next()
                                    group.cancelAll()
                                    try? await connection.channel.close()
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Answers length-prefixed queries on one TCP connection.
    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var pending: [UInt8] = []
            for try await chunk in inbound {
                pending += chunk.readableBytesView
                guard pending.count <= 65_537 else { return }
                while pending.count >= 2 {
                    let length = Int(pending[0]) << 8 | Int(pending[1])
                    guard pending.count >= 2 + length else { break }
                    let query = Array(pending[2..<(2 + length)])
                    pending.removeFirst(2 + length)
                    guard let answer = await respond(to: query, limit: 65_535, from: connection.channel.remoteAddress) else { return }
                    try await outbound.write(ByteBuffer(bytes: [UInt8(answer.count >> 8), UInt8(answer.count & 0xFF)] + answer))
                }
            }
        }
    }
}
