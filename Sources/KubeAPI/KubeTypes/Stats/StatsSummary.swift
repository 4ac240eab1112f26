public import Foundation

/// A node's resource usage in the kubelet's Summary API shape (`/stats/summary`, the subset
/// metrics-server and the dashboard read): cumulative CPU time and the memory working set of the
/// node and of each container, the node's network bytes and filesystem. Node agents send it to
/// the master (`POST /daas/v1/stats/summary`), which turns two consecutive summaries into the
/// `metrics.k8s.io` rates; the real worker also serves it on its kubelet port.
public struct StatsSummary: Sendable, Hashable {
    /// When a sample was taken and what it measured.
    public struct CPU: Sendable, Hashable {
        public var time: Date
        /// CPU time used since an arbitrary start (the cgroup's or the machine's), in core-nanoseconds.
        public var usageCoreNanoSeconds: Int64
        public init(time: Date, usageCoreNanoSeconds: Int64) {
            self.time = time
            self.usageCoreNanoSeconds = usageCoreNanoSeconds
        }
    }

    public struct Memory: Sendable, Hashable {
        public var time: Date
        /// Memory in use that cannot be reclaimed (usage minus inactive file pages), in bytes.
        public var workingSetBytes: Int64
        /// What is left before the limit or the machine runs out; nil when unknown.
        public var availableBytes: Int64?
        public init(time: Date, workingSetBytes: Int64, availableBytes: Int64? = nil) {
            self.time = time
            self.workingSetBytes = workingSetBytes
            self.availableBytes = availableBytes
        }
    }

    public struct Network: Sendable, Hashable {
        public var time: Date
        /// Bytes received and sent on every interface but loopback, since boot.
        public var rxBytes: Int64
        public var txBytes: Int64
        public init(time: Date, rxBytes: Int64, txBytes: Int64) {
            self.time = time
            self.rxBytes = rxBytes
            self.txBytes = txBytes
        }
    }

    public struct FileSystem: Sendable, Hashable {
        public var time: Date
        public var capacityBytes: Int64
        public var availableBytes: Int64
        public var usedBytes: Int64
        public init(time: Date, capacityBytes: Int64, availableBytes: Int64, usedBytes: Int64) {
            self.time = time
            self.capacityBytes = capacityBytes
            self.availableBytes = availableBytes
            self.usedBytes = usedBytes
        }
    }

    public struct Container: Sendable, Hashable {
        public var name: String
        public var cpu: CPU
        public var memory: Memory
        public init(name: String, cpu: CPU, memory: Memory) {
            self.name = name
            self.cpu = cpu
            self.memory = memory
        }
    }

    public struct Pod: Sendable, Hashable {
        public var namespace: String
        public var name: String
        public var uid: String
        public var containers: [Container]
        public init(namespace: String, name: String, uid: String, containers: [Container]) {
            self.namespace = namespace
            self.name = name
            self.uid = uid
            self.containers = containers
        }
    }

    public var nodeName: String
    public var cpu: CPU
    public var memory: Memory
    public var network: Network?
    public var fileSystem: FileSystem?
    public var pods: [Pod]

    /// A summary.
    public init(nodeName: String, cpu: CPU, memory: Memory, network: Network? = nil, fileSystem: FileSystem? = nil, pods: [Pod] = []) {
        self.nodeName = nodeName
        self.cpu = cpu
        self.memory = memory
        self.network = network
        self.fileSystem = fileSystem
        self.pods = pods
    }

    /// Most pods and containers per pod a summary may hold.
    public static let maxPods = 1_000
    public static let maxContainersPerPod = 64
}

// MARK: JSON

extension StatsSummary {
    /// The Summary API JSON (`node`, `pods`, with the kubelet's field names).
    public var json: JSONValue {
        var node: JSONValue = ["nodeName": .string(nodeName), "cpu": Self.json(cpu), "memory": Self.json(memory)]
        if let network {
            node["network"] = ["time": .string(Self.timestamp(network.time)), "rxBytes": .integer(network.rxBytes), "txBytes": .integer(network.txBytes)]
        }
        if let fileSystem {
            node["fs"] = [
                "time": .string(Self.timestamp(fileSystem.time)), "capacityBytes": .integer(fileSystem.capacityBytes),
                "availableBytes": .integer(fileSystem.availableBytes), "usedBytes": .integer(fileSystem.usedBytes),
            ]
        }
        let pods: [JSONValue] = pods.map { pod in
            [
                "podRef": ["name": .string(pod.name), "namespace": .string(pod.namespace), "uid": .string(pod.uid)],
                "containers": .array(pod.containers.map { ["name": .string($0.name), "cpu": Self.json($0.cpu), "memory": Self.json($0.memory)] }),
            ]
        }
        return ["node": node, "pods": .array(pods)]
    }

    /// Reads the Summary API JSON, checking every bound: names are DNS labels or subdomains of at
    /// most 253 bytes, counts within ``maxPods`` and ``maxContainersPerPod``, numbers not negative.
    /// Throws ``KubeTypeError`` (`invalidStats`) naming the first field that is wrong.
    public init(json: JSONValue) throws(KubeTypeError) {
        guard let node = json["node"], let name = node["nodeName"]?.stringValue, Self.isName(name) else { throw Self.invalid("node.nodeName") }
        nodeName = name
        cpu = try Self.cpu(node["cpu"], field: "node.cpu")
        memory = try Self.memory(node["memory"], field: "node.memory")
        if let value = node["network"], value != .null {
            guard let time = Self.time(value["time"]), let rx = Self.count(value["rxBytes"]), let tx = Self.count(value["txBytes"]) else {
                throw Self.invalid("node.network")
            }
            network = Network(time: time, rxBytes: rx, txBytes: tx)
        }
        if let value = node["fs"], value != .null {
            guard let time = Self.time(value["time"]), let capacity = Self.count(value["capacityBytes"]),
                let available = Self.count(value["availableBytes"]), let used = Self.count(value["usedBytes"])
            else { throw Self.invalid("node.fs") }
            fileSystem = FileSystem(time: time, capacityBytes: capacity, availableBytes: available, usedBytes: used)
        }
        let list = json["pods"]?.arrayValue ?? []
        guard list.count <= Self.maxPods else { throw Self.invalid("pods: more than \(Self.maxPods)") }
        var pods: [Pod] = []
        for (index, pod) in list.enumerated() {
            let field = "pods[\(index)]"
            guard let ref = pod["podRef"], let namespace = ref["namespace"]?.stringValue, Self.isName(namespace),
                let podName = ref["name"]?.stringValue, Self.isName(podName), let uid = ref["uid"]?.stringValue, uid.utf8.count <= 64
            else { throw Self.invalid(field + ".podRef") }
            let entries = pod["containers"]?.arrayValue ?? []
            guard entries.count <= Self.maxContainersPerPod else { throw Self.invalid(field + ".containers: more than \(Self.maxContainersPerPod)") }
            var containers: [Container] = []
            for (position, entry) in entries.enumerated() {
                let containerField = field + ".containers[\(position)]"
                guard let containerName = entry["name"]?.stringValue, Self.isName(containerName) else { throw Self.invalid(containerField + ".name") }
                containers.append(Container(
                    name: containerName, cpu: try Self.cpu(entry["cpu"], field: containerField + ".cpu"),
                    memory: try Self.memory(entry["memory"], field: containerField + ".memory")))
            }
            pods.append(Pod(namespace: namespace, name: podName, uid: uid, containers: containers))
        }
        self.pods = pods
    }

    private static func json(_ cpu: CPU) -> JSONValue {
        ["time": .string(timestamp(cpu.time)), "usageCoreNanoSeconds": .integer(cpu.usageCoreNanoSeconds)]
    }

    private static func json(_ memory: Memory) -> JSONValue {
        var value: JSONValue = ["time": .string(timestamp(memory.time)), "workingSetBytes": .integer(memory.workingSetBytes)]
        if let available = memory.availableBytes { value["availableBytes"] = .integer(available) }
        return value
    }

    private static func cpu(_ value: JSONValue?, field: String) throws(KubeTypeError) -> CPU {
        guard let value, let time = time(value["time"]), let usage = count(value["usageCoreNanoSeconds"]) else { throw invalid(field) }
        return CPU(time: time, usageCoreNanoSeconds: usage)
    }

    private static func memory(_ value: JSONValue?, field: String) throws(KubeTypeError) -> Memory {
        guard let value, let time = time(value["time"]), let workingSet = count(value["workingSetBytes"]) else { throw invalid(field) }
        let available = value["availableBytes"].flatMap { count($0) }
        return Memory(time: time, workingSetBytes: workingSet, availableBytes: available)
    }

    private static func count(_ value: JSONValue?) -> Int64? {
        guard let number = value?.integerValue, number >= 0 else { return nil }
        return number
    }

    /// Lowercase DNS-1123 subdomain characters, 1...253 bytes.
    private static func isName(_ text: String) -> Bool {
        let bytes = text.utf8
        return !bytes.isEmpty && bytes.count <= 253
            && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E }
    }

    private static func invalid(_ field: String) -> KubeTypeError {
        KubeTypeError(.invalidStats, "the stats summary is invalid at \(field)")
    }

    /// RFC 3339 with microseconds, as times in summaries are written.
    static func timestamp(_ date: Date) -> String { RFC3339.string(date, fractionDigits: 6) }

    static func time(_ value: JSONValue?) -> Date? {
        value?.stringValue.flatMap { RFC3339.date($0) }
    }
}
