import CRI
import Foundation
import KubeTypes

/// The stats summary of a real node, as the kubelet's Summary API reports it: the machine's
/// CPU time and memory from `/proc/stat` and `/proc/meminfo`, network bytes from
/// `/proc/net/dev`, the filesystem of the agent's data folder, and each running container's
/// CPU time and working set from the runtime (CRI ListContainerStats).
struct NodeStatsCollector: Sendable {
    let nodeName: String
    let dataDirectory: String
    let runtime: ContainerRuntime
    /// Where `/proc` is (tests point it at fixtures).
    var proc = "/proc"

    func summary(now: Date = Date()) async -> StatsSummary? {
        guard let busy = Self.busyCoreNanoseconds(Self.read(proc + "/stat")),
            let memory = Self.memory(Self.read(proc + "/meminfo"))
        else { return nil }
        var summary = StatsSummary(
            nodeName: nodeName, cpu: .init(time: now, usageCoreNanoSeconds: busy),
            memory: .init(time: now, workingSetBytes: memory.total - memory.available, availableBytes: memory.available))
        if let network = Self.network(Self.read(proc + "/net/dev")) {
            summary.network = .init(time: now, rxBytes: network.rx, txBytes: network.tx)
        }
        var fs = statvfs()
        if statvfs(dataDirectory, &fs) == 0 {
            let block = Int64(clamping: UInt64(fs.f_frsize))
            let capacity = Int64(clamping: UInt64(fs.f_blocks)).multipliedReportingOverflow(by: block)
            let available = Int64(clamping: UInt64(fs.f_bavail)).multipliedReportingOverflow(by: block)
            let free = Int64(clamping: UInt64(fs.f_bfree)).multipliedReportingOverflow(by: block)
            if !capacity.overflow, !available.overflow, !free.overflow {
                summary.fileSystem = .init(time: now, capacityBytes: capacity.partialValue, availableBytes: available.partialValue, usedBytes: capacity.partialValue - free.partialValue)
            }
        }
        if let stats = try? await runtime.listContainerStats() { summary.pods = Self.pods(stats) }
        return summary
    }

    /// Containers' stats grouped into pods by the kubelet labels the agent set on them.
    static func pods(_ stats: [Runtime_V1_ContainerStats]) -> [StatsSummary.Pod] {
        var pods: [String: StatsSummary.Pod] = [:]
        for stat in stats {
            let labels = stat.attributes.labels
            guard let namespace = labels[RuntimeLabels.podNamespace], let name = labels[RuntimeLabels.podName], let uid = labels[RuntimeLabels.podUID],
                let container = labels[RuntimeLabels.containerName], stat.hasCpu, stat.hasMemory
            else { continue }
            let cpuTime = Date(timeIntervalSince1970: Double(stat.cpu.timestamp) / 1e9)
            let memoryTime = Date(timeIntervalSince1970: Double(stat.memory.timestamp) / 1e9)
            let entry = StatsSummary.Container(
                name: container, cpu: .init(time: cpuTime, usageCoreNanoSeconds: Int64(clamping: stat.cpu.usageCoreNanoSeconds.value)),
                memory: .init(time: memoryTime, workingSetBytes: Int64(clamping: stat.memory.workingSetBytes.value)))
            pods[uid, default: StatsSummary.Pod(namespace: namespace, name: name, uid: uid, containers: [])].containers.append(entry)
        }
        return pods.values.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// The machine's busy CPU time (every state but idle and iowait) from `/proc/stat`'s `cpu`
    /// line, in core-nanoseconds.
    static func busyCoreNanoseconds(_ text: String?) -> Int64? {
        guard let line = text?.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let fields = line.split(separator: " ").dropFirst().map { Int64($0) }
        guard fields.count >= 4, fields.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        let ticks = fields.map { $0! }
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        var busy: Int64 = 0
        for (index, value) in ticks.prefix(8).enumerated() where index != 3 && index != 4 {
            let (sum, overflow) = busy.addingReportingOverflow(value)
            guard !overflow else { return nil }
            busy = sum
        }
        let hz = Int64(sysconf(Int32(_SC_CLK_TCK)))
        guard hz > 0, 1_000_000_000 % hz == 0 else { return nil }
        let (nanoseconds, overflow) = busy.multipliedReportingOverflow(by: 1_000_000_000 / hz)
        return overflow ? nil : nanoseconds
    }

    /// `MemTotal` and `MemAvailable` from `/proc/meminfo`, in bytes.
    static func memory(_ text: String?) -> (total: Int64, available: Int64)? {
        var total: Int64?
        var available: Int64?
        for line in (text ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kibibytes = Int64(fields[1]), kibibytes >= 0, kibibytes < Int64.max / 1024 else { continue }
            if fields[0] == "MemTotal:" { total = kibibytes * 1024 }
            if fields[0] == "MemAvailable:" { available = kibibytes * 1024 }
        }
        guard let total, let available, available <= total else { return nil }
        return (total, available)
    }

    /// Bytes received and sent on every interface but loopback, from `/proc/net/dev`.
    static func network(_ text: String?) -> (rx: Int64, tx: Int64)? {
        guard let text else { return nil }
        var rx: Int64 = 0
        var tx: Int64 = 0
        for line in text.split(separator: "\n").dropFirst(2) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let fields = line[line.index(after: colon)...].split(separator: " ")
            guard name != "lo", fields.count >= 9, let received = Int64(fields[0]), let sent = Int64(fields[8]), received >= 0, sent >= 0 else { continue }
            let (newRx, overflowRx) = rx.addingReportingOverflow(received)
            let (newTx, overflowTx) = tx.addingReportingOverflow(sent)
            guard !overflowRx, !overflowTx else { return nil }
            (rx, tx) = (newRx, newTx)
        }
        return (rx, tx)
    }

    /// A file's first 256 KiB as text, nil when unreadable.
    static func read(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 256 * 1024) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
