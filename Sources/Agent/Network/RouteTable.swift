import Logging

/// The routes to other nodes' pod networks, marked with their own protocol number (`proto 199`)
/// so the agent finds and replaces exactly its own, as flannel's host-gw backend keeps them.
actor RouteTable {
    static let protocolNumber = "199"
    private var installed: [String: String] = [:]
    private var loaded = false
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Makes the routes equal `wanted` (podCIDR to gateway).
    func sync(_ wanted: [String: String]) async {
        if !loaded {
            loaded = true
            // Routes a previous run left behind.
            for cidr in await existing() { installed[cidr] = "?" }
        }
        for (cidr, gateway) in wanted where installed[cidr] != gateway {
            do {
                try await HostCommand.run("/sbin/ip", ["route", "replace", cidr, "via", gateway, "proto", Self.protocolNumber])
                installed[cidr] = gateway
                logger.info("route to a node's pods", metadata: ["podCIDR": "\(cidr)", "via": "\(gateway)"])
            } catch {
                logger.warning("adding a route failed", metadata: ["podCIDR": "\(cidr)", "error": "\(error)"])
            }
        }
        for cidr in installed.keys where wanted[cidr] == nil {
            _ = try? await HostCommand.run("/sbin/ip", ["route", "del", cidr, "proto", Self.protocolNumber])
            installed[cidr] = nil
        }
    }

    /// The destinations of routes with the agent's protocol number.
    private func existing() async -> [String] {
        guard let output = try? await HostCommand.output("/sbin/ip", ["route", "show", "proto", Self.protocolNumber]) else { return [] }
        return output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }
}
