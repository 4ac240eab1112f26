import Foundation
import Logging

/// Applies nftables scripts with `nft -f` (each one replaces its table in one transaction, so
/// packets never see half a ruleset and established connections keep their NAT), skipping a
/// script identical to the one last applied; and forgets stale UDP conntrack entries.
actor NFTables {
    private var applied: [String: String] = [:]
    private var warnedConntrack = false
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Applies `script` (the whole table `name`) if it changed since the last one applied.
    func apply(_ script: String, name: String) async -> Bool {
        if applied[name] == script { return false }
        guard await execute(script, name: name) else { return false }
        applied[name] = script
        return true
    }

    /// Runs `script` (a whole table or a transaction on table `name`) in one `nft -f`; whether it
    /// took effect (nothing does when any line fails).
    func execute(_ script: String, name: String) async -> Bool {
        let file = FileManager.default.temporaryDirectory.path + "/daas-\(name)-\(UUID().uuidString).nft"
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            try script.write(toFile: file, atomically: true, encoding: .utf8)
            try await HostCommand.run(try HostCommand.locate("nft"), ["-f", file])
            applied[name] = applied[name] ?? ""
            logger.debug("nftables updated", metadata: ["table": "\(name)", "bytes": "\(script.utf8.count)"])
            return true
        } catch {
            logger.error("updating nftables failed", metadata: ["table": "\(name)", "error": "\(error)"])
            return false
        }
    }

    /// Removes the agent's tables.
    func remove(_ names: [String]) async {
        for name in names where applied[name] != nil {
            _ = try? await HostCommand.run(try HostCommand.locate("nft"), ["delete", "table", "ip", name])
            applied[name] = nil
        }
    }

    /// Deletes UDP conntrack entries to a Service address (and, when given, DNATed to an endpoint).
    func forget(_ entries: [(serviceIP: String, endpointIP: String?)]) async {
        guard !entries.isEmpty else { return }
        guard let conntrack = try? HostCommand.locate("conntrack") else {
            if !warnedConntrack { logger.warning("conntrack is not installed: stale UDP Service connections are not flushed (apt-get install conntrack)") }
            warnedConntrack = true
            return
        }
        for entry in entries {
            var arguments = ["-D", "-p", "udp", "--orig-dst", entry.serviceIP]
            if let endpoint = entry.endpointIP { arguments += ["--dst-nat", endpoint] }
            // Exit status 1 means nothing matched.
            _ = try? await HostCommand.run(conntrack, arguments)
        }
    }
}
