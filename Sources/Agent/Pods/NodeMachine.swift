import Foundation

/// What the node is: CPUs, memory, addresses and system identity, read from the host (cgroup
/// limits where they are lower than the machine's), as the kubelet's cadvisor and node status
/// managers report them.
public struct NodeMachine: Sendable {
    /// Logical CPUs the agent may use.
    public var cpus: Int
    /// Memory in bytes.
    public var memoryBytes: Int64
    /// Pods the node accepts. Default 110, as the kubelet.
    public var maxPods = 110
    /// The node's IPv4 address other nodes and the master reach it on.
    public var internalIP: String
    /// `uname -r`.
    public var kernelVersion: String
    /// PRETTY_NAME of /etc/os-release.
    public var osImage: String
    /// /etc/machine-id.
    public var machineID: String
    /// /proc/sys/kernel/random/boot_id.
    public var bootID: String
    /// Bytes of the file system holding the agent's data.
    public var ephemeralStorageBytes: Int64

    /// Reads the host; `internalIP` overrides the address found (the first non-loopback IPv4).
    public static func read(dataDirectory: String, internalIP: String? = nil) -> NodeMachine {
        var cpus = ProcessInfo.processInfo.activeProcessorCount
        if let quota = Self.file("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").flatMap(Int64.init), quota > 0,
            let period = Self.file("/sys/fs/cgroup/cpu/cpu.cfs_period_us").flatMap(Int64.init), period > 0
        {
            cpus = max(1, min(cpus, Int((quota + period - 1) / period)))
        }
        var memory = Int64(clamping: ProcessInfo.processInfo.physicalMemory)
        if let limit = Self.file("/sys/fs/cgroup/memory/memory.limit_in_bytes").flatMap(Int64.init), limit > 0, limit < memory { memory = limit }
        var name = utsname()
        uname(&name)
        let kernel = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var osImage = "Linux"
        for line in (Self.file("/etc/os-release") ?? "").split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            osImage = String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        var storage: Int64 = 0
        var stats = statvfs()
        if statvfs(dataDirectory, &stats) == 0 {
            storage = Int64(clamping: UInt64(stats.f_blocks).multipliedReportingOverflow(by: UInt64(stats.f_frsize)).partialValue)
        }
        return NodeMachine(
            cpus: cpus, memoryBytes: memory, internalIP: internalIP ?? Self.firstIPv4() ?? "127.0.0.1", kernelVersion: kernel, osImage: osImage,
            machineID: Self.file("/etc/machine-id") ?? "", bootID: Self.file("/proc/sys/kernel/random/boot_id") ?? "", ephemeralStorageBytes: storage)
    }

    /// `status.capacity` (allocatable is the same: no reservations are configured).
    public var capacity: [String: String] {
        ["cpu": "\(cpus)", "memory": "\(memoryBytes / 1024)Ki", "pods": "\(maxPods)", "ephemeral-storage": "\(ephemeralStorageBytes / 1024)Ki"]
    }

    private static func file(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), data.count < 65_536 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The first IPv4 address of an interface that is up and not loopback or the pod bridge.
    private static func firstIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let flags = Int32(entry.pointee.ifa_flags)
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == UInt16(AF_INET), flags & Int32(IFF_UP) != 0,
                flags & Int32(IFF_LOOPBACK) == 0
            else { continue }
            let name = String(cString: entry.pointee.ifa_name)
            if name.hasPrefix("daas") || name.hasPrefix("veth") || name.hasPrefix("cni") { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return nil
    }
}

extension NodeMachine {
    /// MemAvailable and MemTotal from /proc/meminfo, in bytes.
    static func memory() -> (available: Int64, capacity: Int64)? {
        guard let text = MountTable.procFile("/proc/meminfo") else { return nil }
        var values: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int64(fields[1]) else { continue }
            values[String(fields[0].dropLast())] = kilobytes.multipliedReportingOverflow(by: 1024).overflow ? Int64.max : kilobytes * 1024
        }
        guard let available = values["MemAvailable"], let total = values["MemTotal"] else { return nil }
        return (available, total)
    }

    /// Free bytes and inodes of the filesystem holding `path`.
    static func filesystem(_ path: String) -> (bytes: (available: Int64, capacity: Int64), inodes: (available: Int64, capacity: Int64))? {
        var stats = statvfs()
        guard !path.isEmpty, statvfs(path, &stats) == 0 else { return nil }
        let block = Int64(stats.f_frsize)
        return ((Int64(stats.f_bavail) * block, Int64(stats.f_blocks) * block), (Int64(stats.f_favail), Int64(stats.f_files)))
    }
}
