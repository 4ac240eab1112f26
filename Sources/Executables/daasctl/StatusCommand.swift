import ArgumentParser
import Foundation
import KubeAPI

/// `daasctl status`: one screen on how the cluster is doing: the master (version, attestation
/// mode and PCR0, uptime, the store's revision and size), the nodes (ready, pods, the stake
/// behind each node's Sui address), pods by phase, Seal (addresses with a live session,
/// revocations, minimums) and the latest warning events. `--watch` redraws it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the master, nodes, pods, Seal and recent warnings on one screen.",
        discussion: "The kubeconfig's user needs get on the nonResourceURL /daas/v1/status (the admin kubeconfig, or a member of system:monitoring) and list on nodes, pods and events.")

    @Option(help: "The kubeconfig to use (a client certificate or token; e.g. <data-dir>/admin.kubeconfig).") var kubeconfig: String
    @Flag(help: "Redraw the screen every --interval seconds until interrupted.") var watch = false
    @Option(help: "Seconds between redraws with --watch (1 to 3600).") var interval = 2
    @Option(help: "How many recent warning events to show (0 to 100).") var events = 5

    /// At most this many list pages (of 500) are read per resource.
    static let maxPages = 200

    func validate() throws {
        guard (1...3600).contains(interval) else { throw ValidationError("--interval must be between 1 and 3600 seconds") }
        guard (0...100).contains(events) else { throw ValidationError("--events must be between 0 and 100") }
    }

    func run() async throws {
        let client = try APIClient(kubeconfigAt: kubeconfig)
        defer { client.shutdown() }
        repeat {
            let screen = try await Self.render(client, events: events, now: Date())
            let clear = watch && isatty(STDOUT_FILENO) == 1 ? "\u{1B}[H\u{1B}[2J" : ""
            FileHandle.standardOutput.write(Data((clear + screen + (watch ? "\n" : "")).utf8))
            if watch { try await Task.sleep(for: .seconds(interval)) }
        } while watch
    }

    /// The screen, from the master's status document and lists of nodes, pods and events.
    static func render(_ client: APIClient, events eventCount: Int, now: Date) async throws -> String {
        let status = try await client.getJSON(OperatorEndpoints.statusPath)
        let nodes = try await list(client, "/api/v1/nodes")
        let pods = try await list(client, "/api/v1/pods")
        let events = eventCount > 0 ? try await list(client, "/api/v1/events") : []
        var lines: [String] = []

        let version = status["version"]
        lines.append("MASTER       \(client.serverURL)  daas \(text(version?["daas"]))  Kubernetes \(text(version?["kubernetes"]))  cluster \(text(status["clusterID"]))")
        var attestation = "ATTESTATION  \(text(status["attestation"]?["mode"]))"
        if let pcr0 = status["attestation"]?["pcr0"]?.stringValue { attestation += "  PCR0 \(pcr0)" }
        lines.append(attestation)
        lines.append("UPTIME       \(duration(Int(clamping: status["uptimeSeconds"]?.integerValue ?? 0))) (since \(text(status["startTime"])))")
        let size = status["store"]?["sizeBytes"]?.integerValue.map { bytes(Int(clamping: $0)) } ?? "unknown size"
        lines.append("STORE        \(text(status["store"]?["backend"])), revision \(text(status["store"]?["revision"])), \(size) on disk")

        var podsPerNode: [String: Int] = [:]
        var phases: [String: Int] = [:]
        for pod in pods {
            phases[pod["status"]?["phase"]?.stringValue ?? "Unknown", default: 0] += 1
            if let node = pod["spec"]?["nodeName"]?.stringValue { podsPerNode[node, default: 0] += 1 }
        }
        let ready = nodes.filter { condition($0, "Ready") == "True" }.count
        lines.append("")
        lines.append("NODES        \(nodes.count) (\(ready) ready)")
        if !nodes.isEmpty {
            var table = [["NAME", "READY", "PODS", "SUI ADDRESS", "STAKE (SUI)"]]
            for node in nodes {
                let name = node["metadata"]?["name"]?.stringValue ?? ""
                let annotations = node["metadata"]?["annotations"]
                table.append([
                    name, condition(node, "Ready") ?? "Unknown", String(podsPerNode[name] ?? 0),
                    annotations?["daas.io/sui-address"]?.stringValue ?? "<none>",
                    annotations?["daas.io/stake-mist"]?.stringValue.flatMap(sui) ?? "<none>",
                ])
            }
            lines += columns(table).map { "  " + $0 }
        }
        let phaseText = phases.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        lines.append("PODS         \(pods.count)\(phaseText.isEmpty ? "" : ": " + phaseText)")

        let seal = status["seal"]
        let active = seal?["activeAddresses"]?.arrayValue ?? []
        let users = active.filter { $0["role"]?.stringValue == "user" }.count
        lines.append("")
        lines.append("SEAL         \(active.count) active address(es) (\(users) user, \(active.count - users) node); revoked: \(text(seal?["revokedTokens"])) token(s), \(text(seal?["revokedAddresses"])) address(es)")
        lines.append("             minimum stake: user \(seal?["minimumStake"]?["user"]?.stringValue.flatMap(sui) ?? "?") SUI, node \(seal?["minimumStake"]?["node"]?.stringValue.flatMap(sui) ?? "?") SUI")

        if eventCount > 0 {
            let warnings = events.filter { $0["type"]?.stringValue == "Warning" }
                .map { (time: eventTime($0), event: $0) }
                .sorted { $0.time > $1.time }
                .prefix(eventCount)
            lines.append("")
            lines.append("WARNINGS     \(warnings.isEmpty ? "none" : "latest \(warnings.count)")")
            if !warnings.isEmpty {
                var table = [["AGE", "OBJECT", "REASON", "MESSAGE"]]
                for (time, event) in warnings {
                    let object = event["involvedObject"]
                    let namespace = object?["namespace"]?.stringValue.map { $0 + "/" } ?? ""
                    let age = time.isEmpty ? "?" : duration(Int(now.timeIntervalSince(parse(time) ?? now)))
                    table.append([
                        age, "\(namespace)\(object?["kind"]?.stringValue?.lowercased() ?? "")/\(object?["name"]?.stringValue ?? "")",
                        event["reason"]?.stringValue ?? "", String((event["message"]?.stringValue ?? "").prefix(100)),
                    ])
                }
                lines += columns(table).map { "  " + $0 }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every item of a list, page by page (500 per page, at most ``maxPages`` pages).
    static func list(_ client: APIClient, _ path: String) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var token: String?
        for _ in 0..<maxPages {
            var query = "?limit=500"
            if let token { query += "&continue=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
            let page = try await client.getJSON(path + query, maxBytes: 64 << 20)
            items += page["items"]?.arrayValue ?? []
            token = page["metadata"]?["continue"]?.stringValue
            if token?.isEmpty ?? true { break }
        }
        return items
    }

    /// A JSON scalar as text ("?" when absent).
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: text
        case .integer(let number)?: String(number)
        case .bool(let flag)?: String(flag)
        default: "?"
        }
    }

    /// The status of the node condition `type`.
    static func condition(_ node: JSONValue, _ type: String) -> String? {
        node["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }?["status"]?.stringValue
    }

    /// MIST (a decimal string of at most 20 digits) as SUI, without trailing zeros.
    static func sui(_ mist: String) -> String? {
        guard let value = UInt64(mist) else { return nil }
        let whole = value / 1_000_000_000
        var fraction = String(value % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
    }

    /// `12d3h`, `3h4m`, `4m5s` or `5s`.
    static func duration(_ seconds: Int) -> String {
        let seconds = max(0, seconds)
        let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3_600, seconds % 3_600 / 60)
        if days > 0 { return "\(days)d\(hours)h" }
        if hours > 0 { return "\(hours)h\(minutes)m" }
        if minutes > 0 { return "\(minutes)m\(seconds % 60)s" }
        return "\(seconds)s"
    }

    /// A size in B, KiB, MiB or GiB.
    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(max(0, count))
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// When an event last happened: series, lastTimestamp, eventTime, then creation (RFC 3339 text).
    static func eventTime(_ event: JSONValue) -> String {
        event["series"]?["lastObservedTime"]?.stringValue ?? event["lastTimestamp"]?.stringValue ?? event["eventTime"]?.stringValue
            ?? event["metadata"]?["creationTimestamp"]?.stringValue ?? ""
    }

    /// An RFC 3339 time, with or without fractional seconds.
    static func parse(_ time: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: time) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: time)
    }

    /// Rows padded into columns two spaces apart (the last column is not padded).
    static func columns(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }
    }
}
