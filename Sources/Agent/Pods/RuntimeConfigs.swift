import CRI
import Foundation
import KubeTypes

/// The labels the agent puts on sandboxes and containers (kubelet's names), by which it finds
/// them again after a restart.
enum RuntimeLabels {
    static let podName = "io.kubernetes.pod.name"
    static let podNamespace = "io.kubernetes.pod.namespace"
    static let podUID = "io.kubernetes.pod.uid"
    static let containerName = "io.kubernetes.container.name"
    /// Marks what this agent created (other clients' sandboxes on a shared containerd are left alone).
    static let managed = "daas.io/managed-by"
    /// The value of ``managed`` on everything this agent creates.
    static let managedValue = "daas-worker"
}

extension [Runtime_V1_Container] {
    /// The attempts of the container named `name`, newest first (highest attempt, then latest
    /// created): the first is its current state, the second its `lastState` and `--previous` log.
    func attempts(of name: String) -> [Runtime_V1_Container] {
        filter { $0.metadata.name == name }.sorted { ($0.metadata.attempt, $0.createdAt) > ($1.metadata.attempt, $1.createdAt) }
    }
}

/// Builds the CRI sandbox and container configurations of a pod, as the kubelet's
/// `kuberuntime` does: namespaces from hostNetwork/hostPID/hostIPC/shareProcessNamespace,
/// DNS from the pod's policy, hostPorts, resources as cgroup limits, the security context.
struct RuntimeConfigs {
    let pod: JSONValue
    /// Where the pod's logs go: `<logs>/<namespace>_<name>_<uid>`.
    let logRoot: String
    /// The node's memory capacity in bytes (for the Burstable OOM score).
    let memoryCapacity: Int64
    /// The resolv.conf the `Default` DNS policy copies (the node's).
    let hostResolvConf: String
    /// Whether privileged containers may run on this node.
    let allowPrivileged: Bool
    /// The cluster DNS servers and domain (`ClusterFirst`); none: the node's resolv.conf.
    var clusterDNS: [String] = []
    var clusterDomain = "cluster.local"

    var uid: String { pod[path: ["metadata", "uid"]]?.stringValue ?? "" }
    var name: String { pod[path: ["metadata", "name"]]?.stringValue ?? "" }
    var namespace: String { pod[path: ["metadata", "namespace"]]?.stringValue ?? "default" }
    var hostNetwork: Bool { pod[path: ["spec", "hostNetwork"]]?.boolValue ?? false }
    var logDirectory: String { logRoot + "/\(namespace)_\(name)_\(uid)" }

    /// The sandbox configuration (attempt: how many sandboxes the pod had before).
    func sandbox(attempt: UInt32) -> Runtime_V1_PodSandboxConfig {
        var config = Runtime_V1_PodSandboxConfig()
        config.metadata.name = name
        config.metadata.namespace = namespace
        config.metadata.uid = uid
        config.metadata.attempt = attempt
        // A host-network pod shares the node's UTS namespace: runc refuses a hostname then.
        if !hostNetwork {
            let hostname = pod[path: ["spec", "hostname"]]?.stringValue ?? name
            config.hostname = String(hostname.prefix(63))
        }
        config.logDirectory = logDirectory
        config.dnsConfig = dnsConfig()
        var labels = pod[path: ["metadata", "labels"]]?.stringMap ?? [:]
        labels[RuntimeLabels.podName] = name
        labels[RuntimeLabels.podNamespace] = namespace
        labels[RuntimeLabels.podUID] = uid
        labels[RuntimeLabels.managed] = RuntimeLabels.managedValue
        config.labels = labels
        config.annotations = pod[path: ["metadata", "annotations"]]?.stringMap ?? [:]
        for container in pod[path: ["spec", "containers"]]?.arrayValue ?? [] {
            for port in container["ports"]?.arrayValue ?? [] {
                guard let hostPort = port["hostPort"]?.integerValue, let containerPort = port["containerPort"]?.integerValue,
                    (1...65535).contains(hostPort), (1...65535).contains(containerPort)
                else { continue }
                var mapping = Runtime_V1_PortMapping()
                mapping.hostPort = Int32(hostPort)
                mapping.containerPort = Int32(containerPort)
                mapping.protocol = port["protocol"]?.stringValue == "UDP" ? .udp : (port["protocol"]?.stringValue == "SCTP" ? .sctp : .tcp)
                mapping.hostIp = port["hostIP"]?.stringValue ?? ""
                config.portMappings.append(mapping)
            }
        }
        config.linux.securityContext.namespaceOptions = namespaceOptions()
        let security = pod[path: ["spec", "securityContext"]] ?? [:]
        if let user = security["runAsUser"]?.integerValue { config.linux.securityContext.runAsUser.value = user }
        if let group = security["runAsGroup"]?.integerValue { config.linux.securityContext.runAsGroup.value = group }
        config.linux.securityContext.supplementalGroups = (security["supplementalGroups"]?.arrayValue ?? []).compactMap(\.integerValue)
        if let fsGroup = security["fsGroup"]?.integerValue { config.linux.securityContext.supplementalGroups.append(fsGroup) }
        config.linux.securityContext.privileged = allowPrivileged && allContainers.contains { $0[path: ["securityContext", "privileged"]]?.boolValue == true }
        for sysctl in security["sysctls"]?.arrayValue ?? [] {
            if let key = sysctl["name"]?.stringValue, let value = sysctl["value"]?.stringValue { config.linux.sysctls[key] = value }
        }
        return config
    }

    var allContainers: [JSONValue] { (pod[path: ["spec", "initContainers"]]?.arrayValue ?? []) + (pod[path: ["spec", "containers"]]?.arrayValue ?? []) }

    private func namespaceOptions() -> Runtime_V1_NamespaceOption {
        var options = Runtime_V1_NamespaceOption()
        options.network = hostNetwork ? .node : .pod
        options.ipc = pod[path: ["spec", "hostIPC"]]?.boolValue == true ? .node : .pod
        options.pid = pod[path: ["spec", "hostPID"]]?.boolValue == true ? .node : (pod[path: ["spec", "shareProcessNamespace"]]?.boolValue == true ? .pod : .container)
        return options
    }

    /// DNS as the kubelet configures it: `ClusterFirst` (and `ClusterFirstWithHostNet` for
    /// host-network pods) asks the cluster DNS with the search path `<ns>.svc.<domain>
    /// svc.<domain> <domain>`, then the node's, and `ndots:5`; `Default` (and `ClusterFirst` for
    /// host-network pods, or without cluster DNS) copies the node's resolv.conf; `None` uses only
    /// `dnsConfig`; `dnsConfig` adds servers, searches and options in every policy.
    func dnsConfig() -> Runtime_V1_DNSConfig {
        var config = Runtime_V1_DNSConfig()
        var policy = pod[path: ["spec", "dnsPolicy"]]?.stringValue ?? "ClusterFirst"
        if policy == "ClusterFirst" && hostNetwork { policy = "Default" }
        if policy == "ClusterFirstWithHostNet" { policy = "ClusterFirst" }
        if policy == "ClusterFirst" && !clusterDNS.isEmpty {
            config.servers = clusterDNS
            config.searches = ["\(namespace).svc.\(clusterDomain)", "svc.\(clusterDomain)", clusterDomain]
            config.options = ["ndots:5"]
            for line in hostResolvConf.split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                if fields.first == "search" { config.searches += fields.dropFirst() }
            }
        } else if policy != "None" {
            for line in hostResolvConf.split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard let keyword = fields.first else { continue }
                switch keyword {
                case "nameserver": config.servers += fields.dropFirst().prefix(1)
                case "search": config.searches += fields.dropFirst()
                case "options": config.options += fields.dropFirst()
                default: break
                }
            }
        }
        let extra = pod[path: ["spec", "dnsConfig"]] ?? [:]
        config.servers += (extra["nameservers"]?.arrayValue ?? []).compactMap(\.stringValue)
        config.searches += (extra["searches"]?.arrayValue ?? []).compactMap(\.stringValue)
        for option in extra["options"]?.arrayValue ?? [] {
            guard let name = option["name"]?.stringValue else { continue }
            config.options.append(option["value"]?.stringValue.map { "\(name):\($0)" } ?? name)
        }
        config.servers = Array(config.servers.prefix(3))
        config.searches = Array(config.searches.prefix(32))
        return config
    }

    /// The QoS class of `pod`.
    static func qosClass(of pod: JSONValue) -> String {
        RuntimeConfigs(pod: pod, logRoot: "", memoryCapacity: 0, hostResolvConf: "", allowPrivileged: false).qosClass
    }

    /// The pod's QoS class, as the API server computed it (or computed here when absent).
    var qosClass: String {
        if let qos = pod[path: ["status", "qosClass"]]?.stringValue { return qos }
        var requests = false, guaranteed = true
        for container in allContainers {
            let limits = container[path: ["resources", "limits"]]?.stringMap ?? [:]
            let asked = container[path: ["resources", "requests"]]?.stringMap ?? [:]
            if !limits.isEmpty || !asked.isEmpty { requests = true }
            for resource in ["cpu", "memory"] where limits[resource] == nil || (asked[resource].map { $0 != limits[resource] } ?? false) {
                guaranteed = false
            }
        }
        return !requests ? "BestEffort" : (guaranteed ? "Guaranteed" : "Burstable")
    }

    /// A container's configuration; `imageUID` is the image's user (for runAsNonRoot).
    func container(
        _ spec: JSONValue, attempt: UInt32, image: String, imageUID: Int64?, environment: ContainerEnvironment, volumes: PodVolumes, terminationMessageFile: String?
    ) throws(PodSyncError) -> Runtime_V1_ContainerConfig {
        let containerName = spec["name"]?.stringValue ?? ""
        var config = Runtime_V1_ContainerConfig()
        config.metadata.name = containerName
        config.metadata.attempt = attempt
        config.image.image = image
        let mapping = environment.mapping
        config.command = (spec["command"]?.arrayValue ?? []).compactMap(\.stringValue).map { ContainerEnvironment.expand($0, mapping) }
        config.args = (spec["args"]?.arrayValue ?? []).compactMap(\.stringValue).map { ContainerEnvironment.expand($0, mapping) }
        config.workingDir = spec["workingDir"]?.stringValue ?? ""
        config.envs = environment.variables.map { variable in
            var value = Runtime_V1_KeyValue()
            value.key = variable.name
            value.value = variable.value
            return value
        }
        for mount in spec["volumeMounts"]?.arrayValue ?? [] {
            guard let volume = mount["name"]?.stringValue, let path = mount["mountPath"]?.stringValue else { continue }
            guard var hostPath = volumes.paths[volume] else {
                throw PodSyncError(reason: "CreateContainerConfigError", message: "volume \(volume) is not prepared")
            }
            if let subPath = mount["subPath"]?.stringValue, !subPath.isEmpty {
                let components = subPath.split(separator: "/").map(String.init)
                guard !subPath.hasPrefix("/"), components.allSatisfy(PathComponent.isSafe) else {
                    throw PodSyncError(reason: "CreateContainerConfigError", message: "subPath \(subPath.prefix(200)) must be relative without '..'")
                }
                hostPath += "/" + components.joined(separator: "/")
                if !FileManager.default.fileExists(atPath: hostPath) {
                    try? FileManager.default.createDirectory(atPath: hostPath, withIntermediateDirectories: true)
                }
            }
            var cri = Runtime_V1_Mount()
            cri.containerPath = path
            cri.hostPath = hostPath
            cri.readonly = mount["readOnly"]?.boolValue == true || volumes.readOnly.contains(volume)
            config.mounts.append(cri)
        }
        if let terminationMessageFile {
            var cri = Runtime_V1_Mount()
            cri.containerPath = spec["terminationMessagePath"]?.stringValue ?? "/dev/termination-log"
            cri.hostPath = terminationMessageFile
            config.mounts.append(cri)
        }
        config.labels = [
            RuntimeLabels.podName: name, RuntimeLabels.podNamespace: namespace, RuntimeLabels.podUID: uid, RuntimeLabels.containerName: containerName,
            RuntimeLabels.managed: RuntimeLabels.managedValue,
        ]
        config.annotations = ["io.kubernetes.container.restartCount": String(attempt)]
        config.logPath = "\(containerName)/\(attempt).log"
        config.stdin = spec["stdin"]?.boolValue ?? false
        config.stdinOnce = spec["stdinOnce"]?.boolValue ?? false
        config.tty = spec["tty"]?.boolValue ?? false
        config.linux.resources = resources(spec)
        config.linux.securityContext = try securityContext(spec, imageUID: imageUID)
        return config
    }

    /// cgroup limits from requests and limits, as the kubelet: shares from the CPU request (at
    /// least 2), quota from the CPU limit over a 100 ms period, the memory limit in bytes, and the
    /// OOM score of the pod's QoS class.
    func resources(_ spec: JSONValue) -> Runtime_V1_LinuxContainerResources {
        var resources = Runtime_V1_LinuxContainerResources()
        let limits = spec[path: ["resources", "limits"]]?.stringMap ?? [:]
        let requests = spec[path: ["resources", "requests"]]?.stringMap ?? [:]
        let cpuRequest = (requests["cpu"] ?? limits["cpu"]).flatMap { Quantity($0)?.milliValue } ?? 0
        resources.cpuShares = max(2, cpuRequest.multipliedReportingOverflow(by: 1024).partialValue / 1000)
        if let cpuLimit = limits["cpu"].flatMap({ Quantity($0)?.milliValue }), cpuLimit > 0 {
            resources.cpuPeriod = 100_000
            resources.cpuQuota = max(1_000, cpuLimit.multipliedReportingOverflow(by: 100).partialValue)
        }
        if let memory = limits["memory"].flatMap({ Quantity($0)?.value }), memory > 0 { resources.memoryLimitInBytes = memory }
        switch qosClass {
        case "Guaranteed": resources.oomScoreAdj = -997
        case "BestEffort": resources.oomScoreAdj = 1000
        default:
            let request = (requests["memory"]).flatMap { Quantity($0)?.value } ?? 0
            let score = memoryCapacity > 0 ? 1000 - (1000 * min(request, memoryCapacity)) / memoryCapacity : 1000
            resources.oomScoreAdj = min(999, max(2, score))
        }
        return resources
    }

    private func securityContext(_ spec: JSONValue, imageUID: Int64?) throws(PodSyncError) -> Runtime_V1_LinuxContainerSecurityContext {
        let pod = self.pod[path: ["spec", "securityContext"]] ?? [:]
        let own = spec["securityContext"] ?? [:]
        var context = Runtime_V1_LinuxContainerSecurityContext()
        context.namespaceOptions = namespaceOptions()
        let user = own["runAsUser"]?.integerValue ?? pod["runAsUser"]?.integerValue
        if let user { context.runAsUser.value = user }
        if let group = own["runAsGroup"]?.integerValue ?? pod["runAsGroup"]?.integerValue { context.runAsGroup.value = group }
        context.supplementalGroups = (pod["supplementalGroups"]?.arrayValue ?? []).compactMap(\.integerValue)
        if let fsGroup = pod["fsGroup"]?.integerValue { context.supplementalGroups.append(fsGroup) }
        if own["runAsNonRoot"]?.boolValue ?? pod["runAsNonRoot"]?.boolValue ?? false {
            let effective = user ?? imageUID ?? 0
            if effective == 0 {
                throw PodSyncError(
                    reason: "CreateContainerConfigError",
                    message: user == nil ? "container has runAsNonRoot and image will run as root" : "container's runAsUser breaks non-root policy")
            }
        }
        context.readonlyRootfs = own["readOnlyRootFilesystem"]?.boolValue ?? false
        let privileged = own["privileged"]?.boolValue ?? false
        if privileged && !allowPrivileged {
            throw PodSyncError(reason: "CreateContainerConfigError", message: "privileged containers are not allowed on this node")
        }
        context.privileged = privileged
        context.capabilities.addCapabilities = (own[path: ["capabilities", "add"]]?.arrayValue ?? []).compactMap(\.stringValue)
        context.capabilities.dropCapabilities = (own[path: ["capabilities", "drop"]]?.arrayValue ?? []).compactMap(\.stringValue)
        context.noNewPrivs = !(own["allowPrivilegeEscalation"]?.boolValue ?? true) && !privileged
        if !privileged {
            context.maskedPaths = [
                "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                "/proc/scsi", "/sys/firmware",
            ]
            context.readonlyPaths = ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        }
        return context
    }
}
