import CRI
import DaaSTestSupport
import Foundation
import KubeTypes
import Testing

@testable import Agent

@Suite("Pods on the runtime: environment, configs, status, logs")
struct PodRuntimeTests {
    @Test("procfs files are read whole (they report size 0; a one-shot read saw only the first page, so pod volumes stayed mounted)")
    func procFiles() throws {
        // /proc/self/maps of a test process is well over a page.
        let maps = try #require(MountTable.procFile("/proc/self/maps"))
        #expect(maps.utf8.count > 8192 && maps.hasSuffix("\n"), "\(maps.utf8.count) bytes")
        #expect(try #require(MountTable.procFile("/proc/self/mounts")).contains(" /proc proc "))
        #expect(MountTable.isMountPoint("/proc"))
        #expect(MountTable.procFile("/proc/self/no-such-file") == nil)
    }

    @Test("eviction thresholds in the kubelet's syntax; pods ranked BestEffort, then Burstable, then Guaranteed, lower priority and newer first, critical never")
    func evictionThresholds() throws {
        let parsed = try EvictionThreshold.parse("memory.available<100Mi, nodefs.available<10%,imagefs.available<15.5%")
        #expect(parsed == [
            .init(signal: .memoryAvailable, value: .quantity(100 << 20, text: "100Mi")), .init(signal: .nodefsAvailable, value: .percentage(10)),
            .init(signal: .imagefsAvailable, value: .percentage(15.5)),
        ])
        #expect(parsed[1].minimum(of: 1000) == 100 && parsed[0].minimum(of: 1) == 100 << 20)
        #expect(try EvictionThreshold.parse("").isEmpty)
        for bad in ["memory.free<1Gi", "memory.available>1Gi", "memory.available<lots", "nodefs.available<120%", "nodefs.available<-1%"] {
            #expect(throws: AgentError.self, "\(bad)") { try EvictionThreshold.parse(bad) }
        }
        func pod(_ name: String, qos: String, priority: Int64 = 0, created: String = "2026-01-01T00:00:00Z") -> JSONValue {
            ["metadata": ["name": .string(name), "creationTimestamp": .string(created)], "spec": ["priority": .integer(priority)],
             "status": ["phase": "Running", "qosClass": .string(qos)]]
        }
        let ranked = EvictionManager.rank([
            pod("guaranteed", qos: "Guaranteed"), pod("burstable", qos: "Burstable"), pod("old", qos: "BestEffort"),
            pod("new", qos: "BestEffort", created: "2026-06-01T00:00:00Z"), pod("important", qos: "BestEffort", priority: 1000),
            pod("critical", qos: "BestEffort", priority: 2_000_001_000),
        ]).map { $0[path: ["metadata", "name"]]?.stringValue ?? "" }
        #expect(ranked == ["new", "old", "important", "burstable", "guaranteed"])
    }

    @Test("probe specs: kube's defaults, named ports resolved from the container, handlers of every kind; gRPC health answers parsed")
    func probeSpecs() {
        let container: JSONValue = ["name": "c", "ports": [["name": "http", "containerPort": 8080]]]
        let http = ProbeSpec(["httpGet": ["port": "http", "path": "healthz", "httpHeaders": [["name": "X-A", "value": "b"]]]], container: container)
        #expect(http?.action == .http(scheme: "http", host: nil, port: 8080, path: "/healthz", headers: [.init(name: "X-A", value: "b")]))
        #expect(http?.periodSeconds == 10 && http?.timeoutSeconds == 1 && http?.failureThreshold == 3 && http?.successThreshold == 1 && http?.initialDelaySeconds == 0)
        let tcp = ProbeSpec(["tcpSocket": ["port": 9000], "periodSeconds": 2, "failureThreshold": 5, "initialDelaySeconds": 3], container: container)
        #expect(tcp?.action == .tcp(host: nil, port: 9000) && tcp?.periodSeconds == 2 && tcp?.failureThreshold == 5 && tcp?.initialDelaySeconds == 3)
        #expect(ProbeSpec(["exec": ["command": ["true"]]], container: container)?.action == .exec(["true"]))
        #expect(ProbeSpec(["grpc": ["port": 50051, "service": "s"]], container: container)?.action == .grpc(port: 50051, service: "s"))
        #expect(ProbeSpec(["sleep": ["seconds": 2]], container: container)?.action == .sleep(seconds: 2))
        #expect(ProbeSpec(["httpGet": ["port": "missing"]], container: container) == nil, "a port name the container does not declare")
        #expect(ProbeSpec(["exec": ["command": []]], container: container) == nil)
        #expect(ProbeSpec(nil, container: container) == nil)
        #expect(GRPCHealthCheck.status([0x08, 0x01]) == 1)
        #expect(GRPCHealthCheck.status([0x08, 0x02]) == 2)
        #expect(GRPCHealthCheck.status([0x12, 0x01, 0x41, 0x08, 0x01]) == 1, "an unknown length-delimited field first")
        #expect(GRPCHealthCheck.status([]) == 0)
        #expect(GRPCHealthCheck.status([0x08, 0xff, 0xff]) == 0, "a truncated varint")
        #expect(GRPCHealthCheck.status([0x12, 0x7f]) == 0, "a length past the end")
    }

    @Test("readiness and startup results shape a container's ready and started flags and the pod's Ready condition")
    func probedStatus() {
        var running = Runtime_V1_ContainerStatus()
        running.state = .containerRunning
        running.id = "abc"
        let pod: JSONValue = ["metadata": ["name": "p", "uid": "u"], "spec": ["containers": [["name": "c", "image": "busybox"]]]]
        func status(ready: Bool?, started: Bool?) -> JSONValue {
            var observed = ContainerObservation(name: "c", image: "busybox", latest: running)
            observed.probedReady = ready
            observed.probedStarted = started
            return PodStatusBuilder(pod: pod, hostIP: "10.0.0.1", podIP: "10.1.0.2", sandboxReady: true, initContainers: [], containers: [observed], now: Date()).status()
        }
        func flags(_ status: JSONValue) -> [String?] {
            let container = status["containerStatuses"]?.arrayValue?.first
            let ready = status["conditions"]?.arrayValue?.first { $0["type"] == "Ready" }?["status"]?.stringValue
            return [container?["started"].map { $0 == .bool(true) ? "started" : "not started" }, container?["ready"].map { $0 == .bool(true) ? "ready" : "not ready" }, ready]
        }
        #expect(flags(status(ready: nil, started: nil)) == ["started", "ready", "True"])
        #expect(flags(status(ready: false, started: nil)) == ["started", "not ready", "False"])
        #expect(flags(status(ready: true, started: false)) == ["not started", "not ready", "False"])
        #expect(flags(status(ready: true, started: true)) == ["started", "ready", "True"])
        #expect(status(ready: false, started: true)["phase"] == "Running")
    }

    @Test("$(VAR) expands as Kubernetes does: known names, $$ escapes, unknown and unclosed references kept")
    func expansion() {
        let mapping = ["A": "1", "B": "two"]
        #expect(ContainerEnvironment.expand("x$(A)y$(B)", mapping) == "x1ytwo")
        #expect(ContainerEnvironment.expand("$$(A)", mapping) == "$(A)")
        #expect(ContainerEnvironment.expand("$(C) $(A", mapping) == "$(C) $(A")
        #expect(ContainerEnvironment.expand("cost $5", mapping) == "cost $5")
        #expect(ContainerEnvironment.expand("é$(A)ü", mapping) == "é1ü")
        // daas-fuzz found this shape quadratic (every `$(` scanned to the end for a `)`).
        let unclosed = "$$$$" + String(repeating: "($", count: 40_000)
        #expect(ContainerEnvironment.expand(unclosed, mapping) == "$$" + String(repeating: "($", count: 40_000))
        #expect(ContainerEnvironment.expand("$(A" + String(repeating: "$(", count: 1000) + ")", mapping).hasSuffix(")"))
    }

    @Test("downward API fields and resources: labels quoted, limits divided and rounded up, an unset limit reads the node")
    func downward() {
        let pod: JSONValue = [
            "metadata": ["name": "p", "namespace": "ns", "uid": "u", "labels": ["b": "x\"y", "a": "1"]],
            "spec": ["nodeName": "n1", "serviceAccountName": "sa"],
        ]
        #expect(ContainerEnvironment.fieldValue("metadata.labels", pod: pod, podIP: "", hostIP: "") == "a=\"1\"\nb=\"x\\\"y\"")
        #expect(ContainerEnvironment.fieldValue("metadata.labels['a']", pod: pod, podIP: "", hostIP: "") == "1")
        #expect(ContainerEnvironment.fieldValue("status.podIP", pod: pod, podIP: "10.0.0.5", hostIP: "") == "10.0.0.5")
        #expect(ContainerEnvironment.fieldValue("spec.nodeName", pod: pod, podIP: "", hostIP: "") == "n1")
        let container: JSONValue = ["resources": ["limits": ["cpu": "1500m", "memory": "64Mi"]]]
        #expect(ContainerEnvironment.resourceValue(["resource": "limits.cpu"], container: container, capacity: [:]) == "2")
        #expect(ContainerEnvironment.resourceValue(["resource": "limits.cpu", "divisor": "1m"], container: container, capacity: [:]) == "1500")
        #expect(ContainerEnvironment.resourceValue(["resource": "limits.memory", "divisor": "1Mi"], container: container, capacity: [:]) == "64")
        #expect(ContainerEnvironment.resourceValue(["resource": "limits.cpu"], container: [:], capacity: ["cpu": "4"]) == "4")
    }

    @Test("the sandbox and container configs: host network without a hostname, hostPorts, DNS from the node, cgroup limits, OOM score by QoS")
    func configs() throws {
        let pod: JSONValue = [
            "metadata": ["name": "web", "namespace": "default", "uid": "uid-1"],
            "spec": [
                "hostNetwork": true, "dnsPolicy": "Default",
                "dnsConfig": ["nameservers": ["9.9.9.9"], "options": [["name": "ndots", "value": "2"]]],
                "containers": [[
                    "name": "c", "image": "busybox", "command": ["echo", "$(GREETING)"],
                    "ports": [["containerPort": 8080, "hostPort": 18080]],
                    "resources": ["limits": ["cpu": "500m", "memory": "128Mi"], "requests": ["cpu": "250m", "memory": "64Mi"]],
                    "securityContext": ["runAsUser": 1000, "readOnlyRootFilesystem": true, "capabilities": ["drop": ["ALL"]], "allowPrivilegeEscalation": false],
                ]],
            ],
        ]
        let configs = RuntimeConfigs(pod: pod, logRoot: "/logs", memoryCapacity: 1 << 30, hostResolvConf: "nameserver 1.1.1.1\nsearch example.org\n", allowPrivileged: false)
        let sandbox = configs.sandbox(attempt: 2)
        #expect(sandbox.hostname.isEmpty && sandbox.metadata.attempt == 2 && sandbox.linux.securityContext.namespaceOptions.network == .node)
        #expect(sandbox.logDirectory == "/logs/default_web_uid-1")
        #expect(sandbox.portMappings.map(\.hostPort) == [18080] && sandbox.portMappings.first?.containerPort == 8080)
        #expect(sandbox.dnsConfig.servers == ["1.1.1.1", "9.9.9.9"] && sandbox.dnsConfig.searches == ["example.org"] && sandbox.dnsConfig.options == ["ndots:2"])
        #expect(sandbox.labels[RuntimeLabels.podUID] == "uid-1")
        var environment = ContainerEnvironment()
        environment.set("GREETING", "hi")
        let spec = try #require(pod[path: ["spec", "containers"]]?.arrayValue?.first)
        let config = try configs.container(spec, attempt: 3, image: "busybox", imageUID: 0, environment: environment, volumes: PodVolumes(), terminationMessageFile: "/t")
        #expect(config.command == ["echo", "hi"] && config.logPath == "c/3.log" && config.metadata.attempt == 3)
        #expect(config.linux.resources.cpuShares == 256 && config.linux.resources.cpuQuota == 50_000 && config.linux.resources.cpuPeriod == 100_000)
        #expect(config.linux.resources.memoryLimitInBytes == 128 << 20)
        #expect(config.linux.resources.oomScoreAdj == 938)  // Burstable: 1000 - 1000 × 64 MiB / 1 GiB
        #expect(config.linux.securityContext.runAsUser.value == 1000 && config.linux.securityContext.readonlyRootfs)
        #expect(config.linux.securityContext.noNewPrivs && config.linux.securityContext.capabilities.dropCapabilities == ["ALL"])
        #expect(config.mounts.map(\.containerPath) == ["/dev/termination-log"])

        var root = spec
        root["securityContext"] = ["runAsNonRoot": true]
        #expect(throws: PodSyncError.self) {
            _ = try configs.container(root, attempt: 0, image: "busybox", imageUID: 0, environment: environment, volumes: PodVolumes(), terminationMessageFile: nil)
        }
        var privileged = spec
        privileged["securityContext"] = ["privileged": true]
        #expect(throws: PodSyncError.self) {
            _ = try configs.container(privileged, attempt: 0, image: "busybox", imageUID: 0, environment: environment, volumes: PodVolumes(), terminationMessageFile: nil)
        }
        var traversal = spec
        traversal["volumeMounts"] = [["name": "v", "mountPath": "/x", "subPath": "../etc"]]
        var volumes = PodVolumes()
        volumes.paths["v"] = "/tmp/volume"
        #expect(throws: PodSyncError.self) {
            _ = try configs.container(traversal, attempt: 0, image: "busybox", imageUID: 0, environment: environment, volumes: volumes, terminationMessageFile: nil)
        }
    }

    @Test("image pull policy defaults as the API server's, and registry hosts as the runtime resolves them")
    func images() {
        #expect(ImagePuller.policy(["image": "busybox"]) == "Always")
        #expect(ImagePuller.policy(["image": "busybox:latest"]) == "Always")
        #expect(ImagePuller.policy(["image": "busybox:1.35"]) == "IfNotPresent")
        #expect(ImagePuller.policy(["image": "127.0.0.1:5000/x"]) == "Always")
        #expect(ImagePuller.policy(["image": "127.0.0.1:5000/x:2"]) == "IfNotPresent")
        #expect(ImagePuller.policy(["image": "x@sha256:00", "imagePullPolicy": "Never"]) == "Never")
        #expect(ImagePuller.registry(of: "busybox") == "docker.io")
        #expect(ImagePuller.registry(of: "library/busybox") == "docker.io")
        #expect(ImagePuller.registry(of: "127.0.0.1:5000/x") == "127.0.0.1:5000")
        #expect(ImagePuller.registry(of: "registry.k8s.io/pause:3.10") == "registry.k8s.io")
    }

    static func status(_ name: String, _ state: Runtime_V1_ContainerState, exit: Int32 = 0, attempt: UInt32 = 0) -> Runtime_V1_ContainerStatus {
        var status = Runtime_V1_ContainerStatus()
        status.id = name + "-\(attempt)"
        status.metadata.name = name
        status.metadata.attempt = attempt
        status.state = state
        status.exitCode = exit
        status.startedAt = 1_700_000_000_000_000_000
        status.finishedAt = state == .containerExited ? 1_700_000_001_000_000_000 : 0
        return status
    }

    @Test("the local-path teardown removes only normalised pvc-... paths with no symbolic link on the way")
    func localPathTeardownPaths() throws {
        let root = FileManager.default.temporaryDirectory.path + "/teardown-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/storage/pvc-1_default_data", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/storage")
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(LocalPathTeardown.refusal(root + "/storage/pvc-1_default_data") == nil)
        #expect(LocalPathTeardown.refusal(root + "/storage/pvc-gone") == nil, "a path already gone is fine")
        #expect(LocalPathTeardown.refusal("relative/pvc-1") != nil)
        #expect(LocalPathTeardown.refusal("/pvc-1") != nil, "not below a storage directory")
        #expect(LocalPathTeardown.refusal(root + "/storage/../storage/pvc-1_default_data") != nil)
        #expect(LocalPathTeardown.refusal(root + "//storage/pvc-1_default_data") != nil)
        #expect(LocalPathTeardown.refusal(root + "/storage") != nil, "only pvc-... directories")
        #expect(LocalPathTeardown.refusal(root + "/link/pvc-1_default_data")?.hasSuffix("is a symbolic link") == true)
        #expect(LocalPathTeardown.refusal(root + "/storage/pvc-1\u{0}x") != nil)
    }

    @Test("the phase follows the kubelet: Pending while waiting or initialising, Running, Succeeded, Failed by restart policy")
    func phases() {
        func builder(_ policy: String, initContainers: [ContainerObservation] = [], _ containers: [ContainerObservation]) -> PodStatusBuilder {
            PodStatusBuilder(
                pod: ["spec": ["restartPolicy": .string(policy)], "status": ["conditions": [["type": "PodScheduled", "status": "True"]]]], hostIP: "192.0.2.1",
                podIP: "10.0.0.2", sandboxReady: true, initContainers: initContainers, containers: containers, now: Date(timeIntervalSince1970: 0))
        }
        func observed(_ status: Runtime_V1_ContainerStatus?, waiting: (String, String)? = nil) -> ContainerObservation {
            var observation = ContainerObservation(name: status?.metadata.name ?? "c", image: "busybox", latest: status)
            observation.waiting = waiting
            return observation
        }
        #expect(builder("Always", [observed(nil)]).phase == "Pending")
        #expect(builder("Always", [observed(Self.status("c", .containerRunning))]).phase == "Running")
        #expect(builder("Always", [observed(Self.status("c", .containerExited, exit: 1), waiting: ("CrashLoopBackOff", ""))]).phase == "Running")
        #expect(builder("Never", [observed(Self.status("c", .containerExited))]).phase == "Succeeded")
        #expect(builder("Never", [observed(Self.status("c", .containerExited, exit: 2))]).phase == "Failed")
        #expect(builder("OnFailure", [observed(Self.status("c", .containerExited, exit: 2))]).phase == "Running")
        #expect(builder("Always", initContainers: [observed(Self.status("i", .containerRunning))], [observed(nil)]).phase == "Pending")
        #expect(builder("Never", initContainers: [observed(Self.status("i", .containerExited, exit: 1))], [observed(nil)]).phase == "Failed")

        let crashing = builder("Always", [observed(Self.status("c", .containerExited, exit: 3, attempt: 2), waiting: ("CrashLoopBackOff", "back-off 20s"))])
        let status = crashing.status()
        let container = status["containerStatuses"]?.arrayValue?.first ?? [:]
        #expect(container[path: ["state", "waiting", "reason"]] == "CrashLoopBackOff")
        #expect(container[path: ["lastState", "terminated", "exitCode"]] == 3 && container[path: ["lastState", "terminated", "reason"]] == "Error")
        #expect(container["restartCount"] == 2 && container["ready"] == false)
        let conditions = status["conditions"]?.arrayValue ?? []
        #expect(conditions.contains { $0["type"] == "PodScheduled" }, "conditions the agent does not own are kept")
        #expect(conditions.first { $0["type"] == "Ready" }?["reason"] == "ContainersNotReady")
        #expect(status["podIP"] == "10.0.0.2" && status["hostIP"] == "192.0.2.1")
    }

    @Test("CRI log lines, RFC 3339 times and reading a log: tail, since, timestamps, limit, partial lines")
    func logs() async throws {
        #expect(CRILogLine(Array("2026-12-04T15:32:40.295011301Z stdout F hello world".utf8))?.text == Array("hello world".utf8))
        #expect(CRILogLine(Array("2026-12-04T15:32:40Z stderr P part".utf8))?.partial == true)
        #expect(CRILogLine(Array("2026-12-04T15:32:40Z stdin F x".utf8)) == nil)
        #expect(CRILogLine(Array("garbage".utf8)) == nil)
        #expect(CRILogLine(Array("2026-12-04T15:32:40Z stdout F".utf8))?.text == [])
        #expect(RFC3339Time.seconds(Array("1970-01-01T00:00:10.5Z".utf8)) == 10.5)
        #expect(RFC3339Time.seconds(Array("2000-03-01T00:00:00Z".utf8)) == 951_868_800)
        #expect(RFC3339Time.seconds(Array("2000-13-01T00:00:00Z".utf8)) == nil)
        #expect(RFC3339Time.seconds(Array("2000-01-01T00:00:00.1234567890123456789Z".utf8)) == nil)
        #expect(RFC3339Time.seconds(Array("2000-01-01T00:00:00+01:00".utf8)) == nil)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("daas-log-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            1970-01-01T00:00:01Z stdout F one
            1970-01-01T00:00:02Z stderr P tw
            1970-01-01T00:00:02Z stderr F o
            1970-01-01T00:00:03Z stdout F three

            """.write(toFile: path, atomically: true, encoding: .utf8)
        func read(_ options: ContainerLogs.Options) async throws -> String {
            let collected = Collected()
            try await ContainerLogs.stream(path: path, options: options, running: { false }, stopping: { false }) { collected.append($0) }
            return String(decoding: collected.bytes, as: UTF8.self)
        }
        #expect(try await read(.init()) == "one\ntwo\nthree\n")
        #expect(try await read(.init(tailLines: 1)) == "three\n")
        #expect(try await read(.init(tailLines: 2)) == "o\nthree\n")
        #expect(try await read(.init(tailLines: 0)) == "")
        #expect(try await read(.init(since: 2)) == "two\nthree\n")
        #expect(try await read(.init(timestamps: true, tailLines: 1)) == "1970-01-01T00:00:03Z three\n")
        #expect(try await read(.init(limitBytes: 5)) == "one\nt")
        #expect(ContainerLogs.tail(path: path, lines: 1, bytes: 4096) == "three\n")
    }

    @Test("the pod subnet gives the bridge its gateway and pods a range; the containerd files name the directory")
    func subnet() throws {
        let subnet = try PodSubnet("169.254.200.77/24")
        #expect(subnet.cidr == "169.254.200.0/24" && subnet.gateway == "169.254.200.1" && subnet.rangeStart == "169.254.200.10" && subnet.rangeEnd == "169.254.200.254")
        for bad in ["169.254.200.0", "300.1.1.1/24", "10.0.0.0/31", "10.0.0.0/7", "a.b.c.d/24", "10.0.0.0/24/1"] {
            #expect(throws: AgentError.self) { try PodSubnet(bad) }
        }
        var configuration = ManagedContainerd.Configuration(directory: "/var/lib/d\"x")
        configuration.mirrors = ["docker.io": "http://127.0.0.1:5000"]
        let config = ContainerdConfigFiles.config(configuration)
        #expect(config.contains("root = \"/var/lib/d\\\"x/root\"") && config.contains("restrict_oom_score_adj = true"))
        let conflist = try JSONParser().parse(Array(ContainerdConfigFiles.conflist(configuration, subnet: subnet).utf8))
        #expect(conflist[path: ["plugins"]]?.arrayValue?.first?[path: ["ipam", "routes"]]?.arrayValue?.first?["gw"] == "169.254.200.1")
        #expect(ContainerdConfigFiles.hosts(host: "docker.io", mirror: "http://127.0.0.1:5000").contains("server = \"https://registry-1.docker.io\""))
    }
}

/// Bytes a log stream wrote.
final class Collected: @unchecked Sendable {
    private(set) var bytes: [UInt8] = []
    func append(_ more: [UInt8]) { bytes += more }
}
