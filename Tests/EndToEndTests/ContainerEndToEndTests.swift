import DaaSTestSupport
import Foundation
import Testing

/// A master and one real worker: daas-worker --manage-containerd runs containerd (runc, CNI
/// bridge) of its own, pulling from the local registry (scripts/local-registry.sh) as a mirror of
/// docker.io and registry.k8s.io.
final class RealCluster: Sendable {
    let root: String
    let master: MasterProcess
    let worker: ChildProcess
    let workerData: String

    /// - Parameter workerArguments: More daas-worker flags.
    init(workerArguments: [String] = []) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-containers-\(UUID().uuidString)").path
        let registry = try run("/bin/bash", [repositoryRoot().appendingPathComponent("scripts/local-registry.sh").path], timeout: 120)
        guard registry.status == 0 else { throw CommandFailure(description: "scripts/local-registry.sh: \(registry.output) \(registry.error)") }
        master = try MasterProcess.start(dataDir: root + "/data")
        let keystore = root + "/worker.keystore"
        _ = try master.stakedKeystore(keystore)
        workerData = root + "/worker"
        worker = try ChildProcess(
            productsDirectory.appendingPathComponent("daas-worker").path,
            [
                "--master", master.server, "--root", master.dataDir + "/attest/root.pem", "--keystore", keystore, "--node-name", "real-1",
                "--heartbeat-interval", "1", "--stats-interval", "1", "--manage-containerd", "--data-dir", workerData,
                "--registry-mirror", "docker.io=http://127.0.0.1:5000", "--registry-mirror", "registry.k8s.io=http://127.0.0.1:5000",
            ] + workerArguments,
            outputPath: root + "/worker.log")
        let ready = try eventually(60) {
            try master.kubectl(["get", "node", "real-1", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"]).output == "True"
        }
        guard ready else {
            worker.kill()
            _ = master.stop()
            throw CommandFailure(description: "the real worker did not become Ready: \(worker.output.suffix(3000))")
        }
    }

    /// Stops the worker (which removes its pods and stops its containerd), then the master.
    func stop() {
        worker.signal(SIGTERM)
        if worker.wait(timeout: 60) == nil { worker.kill() }
        _ = master.stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    func jsonpath(_ kind: String, _ name: String, _ path: String) throws -> String {
        try master.kubectl(["get", kind, name, "-o", "jsonpath={\(path)}"]).output
    }

    /// A new directory under the cluster's root, for hostPath volumes.
    func hostDirectory(_ name: String) throws -> String {
        let path = root + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The events of the object named `name`, one `Reason: message` line each.
    func events(of name: String) throws -> String {
        try master.ok(["get", "events", "--field-selector", "involvedObject.name=\(name)", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}"])
    }

    /// Applies a manifest given as text.
    func apply(_ manifest: String) throws {
        let file = root + "/manifest-\(UUID().uuidString).yaml"
        try manifest.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try master.ok(["apply", "-f", file])
    }
}

@Suite("Real containers through containerd's CRI", .serialized, .blockingWaits)
struct ContainerEndToEndTests {
    @Test("kubectl run starts a busybox container: Running with a bridge IP, the node reports containerd and the images, the pod's port answers")
    func runPod() throws {
        let cluster = try RealCluster()
        defer { cluster.stop() }
        let master = cluster.master
        #expect(try cluster.jsonpath("node", "real-1", ".status.nodeInfo.containerRuntimeVersion").hasPrefix("containerd://"))
        #expect(try cluster.jsonpath("node", "real-1", ".status.capacity.pods") == "110")
        _ = try master.ok(["run", "web", "--image=busybox", "--port=8080", "--", "httpd", "-f", "-p", "8080", "-h", "/etc"])
        let running = try eventually(60) { try cluster.jsonpath("pod", "web", ".status.phase") == "Running" }
        #expect(running, "\(master.describe(["describe", "pod", "web"]))\n\(cluster.worker.output.suffix(2000))")
        let ip = try cluster.jsonpath("pod", "web", ".status.podIP")
        #expect(ip.hasPrefix("10.42."), "pod IP \(ip) from the node's podCIDR")
        #expect(try cluster.jsonpath("pod", "web", ".status.containerStatuses[0].containerID").hasPrefix("containerd://"))
        #expect(try cluster.jsonpath("pod", "web", ".status.containerStatuses[0].ready") == "true")
        #expect(try cluster.jsonpath("pod", "web", ".status.conditions[?(@.type==\"Ready\")].status") == "True")
        // The node reaches the pod on the bridge: busybox httpd serves the container's /etc/passwd.
        let fetched = try eventually(20) {
            let answer = try run("/usr/bin/curl", ["-s", "--max-time", "3", "http://\(ip):8080/passwd"], timeout: 10)
            return answer.output.contains("root:x:0:0")
        }
        #expect(fetched, "GET http://\(ip):8080/passwd")
        let events = try master.ok(["get", "events", "--field-selector", "involvedObject.name=web", "-o", "jsonpath={.items[*].reason}"])
        for reason in ["Scheduled", "Pulling", "Pulled", "Created", "Started"] { #expect(events.contains(reason), "events: \(events)") }
        #expect(try eventually(20) { try cluster.jsonpath("node", "real-1", ".status.images[*].names").contains("docker.io/library/busybox:latest") })
        // The worker's metrics, through the master's node proxy, with the kubelet's names.
        let metrics = try master.ok(["get", "--raw", "/api/v1/nodes/real-1/proxy/metrics"])
        for sample in [
            "kubelet_running_pods 1.0", "kubelet_running_containers{container_state=\"running\"} 1.0", "kubelet_pod_start_duration_seconds_count 1",
            "kubelet_runtime_operations_total{operation_type=\"run_pod_sandbox\"} 1", "kubelet_runtime_operations_duration_seconds_bucket{operation_type=\"create_container\"",
            "kubelet_image_pulls_total{result=\"ok\"}", "kubelet_image_pull_duration_seconds_count",
        ] {
            #expect(metrics.contains(sample), "\(sample) in \(metrics.prefix(3000))")
        }
        #expect(try master.kubectl(["get", "--raw", "/api/v1/nodes/real-1/proxy/metrics", "--as=someone"]).status == 1)
        // kubectl top from the worker's reports: the machine's usage and the container's (CRI stats).
        #expect(eventually(60) { (try? master.kubectl(["top", "pod", "web", "--containers"]))?.output.contains("web ") == true })
        let top = try master.ok(["top", "pod", "web", "--containers"]).split(separator: "\n").dropFirst().first?.split(separator: " ") ?? []
        #expect(top.count == 4 && top[1] == "web" && top[2].hasSuffix("m") && top[3].hasSuffix("Mi"), "\(top)")
        let node = try master.ok(["top", "node", "real-1"]).split(separator: "\n").dropFirst().first?.split(separator: " ") ?? []
        #expect(node.count == 5 && node[0] == "real-1" && node[1].hasSuffix("m") && node[3].hasSuffix("Mi") && node[2].hasSuffix("%"), "\(node)")
        // The kubelet's own Summary API, through the node proxy.
        let summary = try master.ok(["get", "--raw", "/api/v1/nodes/real-1/proxy/stats/summary"])
        #expect(summary.contains(#""nodeName":"real-1""#) && summary.contains(#""name":"web""#), "\(summary.prefix(1000))")
        // And /metrics/resource, the exposition metrics-server and Prometheus scrape.
        let resource = try master.ok(["get", "--raw", "/api/v1/nodes/real-1/proxy/metrics/resource"])
        for family in ["# TYPE container_cpu_usage_seconds_total counter", "container_cpu_usage_seconds_total{container=\"web\",namespace=\"default\",pod=\"web\"} ",
            "container_memory_working_set_bytes{container=\"web\",namespace=\"default\",pod=\"web\"} ", "node_cpu_usage_seconds_total ",
            "pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} ", "resource_scrape_error 0"] {
            #expect(resource.contains(family), "\(family) in \(resource.prefix(2000))")
        }
    }

    @Test("env from a ConfigMap, a Secret and the downward API, an init container sharing an emptyDir, a termination message, then Succeeded")
    func environmentAndVolumes() throws {
        let cluster = try RealCluster()
        defer { cluster.stop() }
        let master = cluster.master
        _ = try master.ok(["create", "configmap", "cfg", "--from-literal=GREETING=hello", "--from-literal=file.txt=from-configmap"])
        _ = try master.ok(["create", "secret", "generic", "sec", "--from-literal=PASSWORD=s3cret"])
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: envpod, labels: {app: demo}}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: init, image: busybox:1.35, command: ["sh", "-c", "echo init-ran > /work/init.txt"], volumeMounts: [{name: work, mountPath: /work}]}
              containers:
              - name: main
                image: busybox:1.35
                command: ["sh", "-c", "echo $(GREETING) $PASSWORD $MY_NODE $MY_NAME; cat /work/init.txt /cfg/file.txt /info/labels; echo; echo all-done > /dev/termination-log"]
                env:
                - {name: MY_NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
                - {name: MY_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: PASSWORD, valueFrom: {secretKeyRef: {name: sec, key: PASSWORD}}}
                envFrom: [{configMapRef: {name: cfg}}]
                volumeMounts: [{name: work, mountPath: /work}, {name: info, mountPath: /info}, {name: cfg, mountPath: /cfg, readOnly: true}]
              volumes:
              - {name: work, emptyDir: {}}
              - {name: cfg, configMap: {name: cfg}}
              - name: info
                downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
            """)
        let done = try eventually(60) { try cluster.jsonpath("pod", "envpod", ".status.phase") == "Succeeded" }
        #expect(done, "\(master.describe(["describe", "pod", "envpod"]))")
        #expect(try cluster.jsonpath("pod", "envpod", ".status.initContainerStatuses[0].state.terminated.reason") == "Completed")
        #expect(try cluster.jsonpath("pod", "envpod", ".status.containerStatuses[0].state.terminated.message") == "all-done\n")
        let log = try master.ok(["logs", "envpod", "-c", "main"])
        #expect(log.contains("hello s3cret real-1 envpod"), "\(log)")
        #expect(log.contains("init-ran") && log.contains("from-configmap") && log.contains("app=\"demo\""), "\(log)")

        // A missing key of a required Secret stops the container with CreateContainerConfigError.
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: badref}
            spec:
              containers:
              - name: c
                image: busybox:1.35
                command: ["sleep", "3600"]
                env: [{name: X, valueFrom: {secretKeyRef: {name: sec, key: nope}}}]
            """)
        #expect(try eventually(30) {
            try cluster.jsonpath("pod", "badref", ".status.containerStatuses[0].state.waiting.reason") == "CreateContainerConfigError"
        })
    }

    @Test("kubectl logs through the master: follow, timestamps, tail, limit-bytes, since, previous and the container check; the kubelet port serves only the master")
    func logs() throws {
        let cluster = try RealCluster()
        defer { cluster.stop() }
        let master = cluster.master
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: counter}
            spec:
              containers:
              - {name: count, image: busybox:1.35, command: ["sh", "-c", "for i in 1 2 3 4 5; do echo line $i; sleep 0.3; done; echo oops >&2; exit 1"]}
              - {name: idle, image: busybox:1.35, command: ["sleep", "3600"]}
            """)
        #expect(try eventually(60) { (Int(try cluster.jsonpath("pod", "counter", ".status.containerStatuses[?(@.name==\"count\")].restartCount")) ?? 0) >= 1 })
        let previous = try master.ok(["logs", "counter", "-c", "count", "--previous"])
        #expect(previous == "line 1\nline 2\nline 3\nline 4\nline 5\noops\n", "\(previous)")
        let tail = try master.ok(["logs", "counter", "-c", "count", "--previous", "--tail=2"])
        #expect(tail == "line 5\noops\n", "\(tail)")
        #expect(try master.ok(["logs", "counter", "-c", "count", "--previous", "--limit-bytes=9"]) == "line 1\nli")
        let stamped = try master.ok(["logs", "counter", "-c", "count", "--previous", "--timestamps"]).split(separator: "\n")
        #expect(stamped.count == 6 && stamped.allSatisfy { $0.contains("Z line") || $0.hasSuffix("Z oops") }, "\(stamped)")
        #expect(try master.ok(["logs", "counter", "-c", "count", "--previous", "--since=1h"]).contains("line 1"))
        // A follow ends when the container exits, with everything it wrote.
        let followed = try master.kubectl(["logs", "-f", "counter", "-c", "count"], timeout: 60)
        #expect(followed.status == 0 && followed.output.hasSuffix("oops\n"), "\(followed.output) \(followed.error)")

        // kubectl picks the first container itself; the API answers a request without one as kube does.
        let ambiguous = try master.kubectl(["get", "--raw", "/api/v1/namespaces/default/pods/counter/log"])
        #expect(ambiguous.status != 0 && ambiguous.error.contains("a container name must be specified for pod counter, choose one of: [count idle]"), "\(ambiguous.error)")
        let noPrevious = try master.kubectl(["logs", "counter", "-c", "idle", "--previous"])
        #expect(noPrevious.status != 0 && noPrevious.error.contains("previous terminated container \"idle\" in pod \"counter\" not found"), "\(noPrevious.error)")
        let badTail = try master.kubectl(["get", "--raw", "/api/v1/namespaces/default/pods/counter/log?container=idle&tailLines=-1"])
        #expect(badTail.status != 0 && badTail.error.contains("must be greater than or equal to 0"), "\(badTail.error)")

        // The kubelet API: the master's client certificate only; a node certificate only for nodes.
        let port = try cluster.jsonpath("node", "real-1", ".status.daemonEndpoints.kubeletEndpoint.Port")
        let pki = master.dataDir + "/pki"
        let anonymous = try run("/usr/bin/curl", ["-sk", "https://127.0.0.1:\(port)/healthz"], timeout: 20)
        #expect(anonymous.status != 0, "a client without a certificate fails the TLS handshake")
        let admin = try run("/usr/bin/curl", ["-sk", "--cert", pki + "/admin.crt", "--key", pki + "/admin.key", "https://127.0.0.1:\(port)/healthz"], timeout: 20)
        #expect(admin.output.contains("\"code\":403"), "\(admin.output)")
        let asMaster = try run(
            "/usr/bin/curl", ["-s", "--cacert", pki + "/ca.crt", "--resolve", "real-1:\(port):127.0.0.1", "--cert", pki + "/kubelet-client.crt", "--key", pki + "/kubelet-client.key",
                "https://real-1:\(port)/healthz"], timeout: 20)
        #expect(asMaster.output == "ok", "the node's certificate is issued for its name by the cluster CA: \(asMaster.error)")
        let notANode = try run(
            "/usr/bin/curl", ["-s", "--cacert", pki + "/ca.crt", "--cert", pki + "/admin.crt", "--key", pki + "/admin.key", "-X", "POST", "--data-binary", "x",
                master.server + "/daas/v1/kubelet-serving-certificate"], timeout: 20)
        #expect(notANode.output.contains("\"code\":403"), "\(notANode.output)")
    }

    @Test("restart policies: a crashing container reaches CrashLoopBackOff with its last exit code; OnFailure and Never finish; a missing image backs off; a memory hog is OOMKilled")
    func restartsAndImages() throws {
        let cluster = try RealCluster()
        defer { cluster.stop() }
        let master = cluster.master
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: hog}
            spec:
              restartPolicy: Never
              containers:
              - name: c
                image: busybox:1.35
                command: ["sh", "-c", "head -c 200000000 /dev/zero | tail > /dev/null"]
                resources: {limits: {memory: 32Mi}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: crash}
            spec:
              containers: [{name: c, image: busybox:1.35, command: ["sh", "-c", "echo crashing; exit 3"]}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: onfailure}
            spec:
              restartPolicy: OnFailure
              containers: [{name: c, image: busybox:1.35, command: ["sh", "-c", "test -f /tmp/x || (touch /tmp/x; exit 1)"], volumeMounts: [{name: t, mountPath: /tmp}]}]
              volumes: [{name: t, emptyDir: {}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: never}
            spec:
              restartPolicy: Never
              containers: [{name: c, image: busybox:1.35, command: ["sh", "-c", "exit 7"]}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: noimage}
            spec:
              containers: [{name: c, image: "127.0.0.1:5000/daas/missing:1"}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: neverpull}
            spec:
              containers: [{name: c, image: "busybox:0.0-absent", imagePullPolicy: Never}]
            """)
        let looping = try eventually(60) {
            try cluster.jsonpath("pod", "crash", ".status.containerStatuses[0].state.waiting.reason") == "CrashLoopBackOff"
                && (Int(try cluster.jsonpath("pod", "crash", ".status.containerStatuses[0].restartCount")) ?? 0) >= 1
        }
        #expect(looping, "\(master.describe(["describe", "pod", "crash"]))")
        #expect(try cluster.jsonpath("pod", "crash", ".status.containerStatuses[0].lastState.terminated.exitCode") == "3")
        #expect(try cluster.jsonpath("pod", "crash", ".status.phase") == "Running")
        #expect(try master.ok(["get", "pod", "crash"]).contains("CrashLoopBackOff"))
        #expect(try eventually(60) { try cluster.jsonpath("pod", "onfailure", ".status.phase") == "Succeeded" })
        #expect(try cluster.jsonpath("pod", "onfailure", ".status.containerStatuses[0].restartCount") == "1")
        #expect(try eventually(60) { try cluster.jsonpath("pod", "never", ".status.phase") == "Failed" })
        #expect(try cluster.jsonpath("pod", "never", ".status.containerStatuses[0].state.terminated.exitCode") == "7")
        #expect(try eventually(60) {
            ["ErrImagePull", "ImagePullBackOff"].contains(try cluster.jsonpath("pod", "noimage", ".status.containerStatuses[0].state.waiting.reason"))
        })
        #expect(try eventually(30) {
            try cluster.jsonpath("pod", "neverpull", ".status.containerStatuses[0].state.waiting.reason") == "ErrImageNeverPull"
        })
        // The container exits within the relist period after its start: it is still seen.
        #expect(try eventually(60) { try cluster.jsonpath("pod", "hog", ".status.phase") == "Failed" })
        #expect(try cluster.jsonpath("pod", "hog", ".status.containerStatuses[0].state.terminated.reason") == "OOMKilled")
        #expect(try cluster.jsonpath("pod", "hog", ".status.containerStatuses[0].state.terminated.exitCode") == "137")
    }

    @Test("deleting a pod sends SIGTERM, waits for the grace period, and removes the pod only once its containers are gone; a Deployment's replicas run")
    func deletionAndDeployment() throws {
        let cluster = try RealCluster()
        defer { cluster.stop() }
        let master = cluster.master
        let shared = try cluster.hostDirectory("hostpath")
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: graceful}
            spec:
              terminationGracePeriodSeconds: 20
              containers:
              - name: c
                image: busybox:1.35
                command: ["sh", "-c", "trap 'echo got-term > /out/term; exit 0' TERM; echo started > /out/started; while true; do sleep 0.2; done"]
                volumeMounts: [{name: out, mountPath: /out}]
              volumes: [{name: out, hostPath: {path: "\(shared)", type: Directory}}]
            """)
        #expect(try eventually(60) { FileManager.default.fileExists(atPath: shared + "/started") })
        _ = try master.ok(["delete", "pod", "graceful", "--wait=true"], timeout: 60)
        #expect(FileManager.default.fileExists(atPath: shared + "/term"), "the container got SIGTERM before the pod went away")
        #expect(try master.kubectl(["get", "pod", "graceful"]).status != 0)

        _ = try master.ok(["create", "deployment", "web", "--image=busybox:1.35", "--replicas=2", "--", "sleep", "3600"])
        let available = try eventually(90) { try cluster.jsonpath("deployment", "web", ".status.availableReplicas") == "2" }
        #expect(available, "\(master.describe(["get", "pods", "-o", "wide"]))")
        _ = try master.ok(["scale", "deployment", "web", "--replicas=0"])
        #expect(try eventually(90) { try master.ok(["get", "pods", "-l", "app=web", "-o", "name"]).isEmpty })
    }

    @Test("image garbage collection removes images no container uses once the image filesystem passes the high threshold; the sandbox image stays")
    func imageGarbageCollection() throws {
        // Thresholds of 1 % and 0 %: any image no container uses goes at the next check.
        let cluster = try RealCluster(workerArguments: [
            "--image-gc-high-threshold", "1", "--image-gc-low-threshold", "0", "--image-minimum-gc-age", "0", "--image-gc-period", "1",
        ])
        defer { cluster.stop() }
        let master = cluster.master
        func images() throws -> String { try cluster.jsonpath("node", "real-1", ".status.images[*].names") }
        _ = try master.ok(["run", "keeper", "--image=busybox:1.35", "--", "sleep", "3600"])
        #expect(try eventually(60) { try cluster.jsonpath("pod", "keeper", ".status.phase") == "Running" })
        #expect(try eventually(20) { try images().contains("docker.io/library/busybox:1.35") })
        // In use: kept across several checks.
        Thread.sleep(forTimeInterval: 3)
        #expect(try images().contains("docker.io/library/busybox:1.35"))
        _ = try master.ok(["delete", "pod", "keeper", "--grace-period=1", "--wait=true"], timeout: 60)
        #expect(try eventually(30) { !(try images().contains("docker.io/library/busybox:1.35")) }, "\((try? images()) ?? "")")
        #expect(try images().contains("registry.k8s.io/pause:3.10"))
        // A pod needing it again pulls it again.
        _ = try master.ok(["run", "again", "--image=busybox:1.35", "--", "sleep", "3600"])
        #expect(try eventually(60) { try cluster.jsonpath("pod", "again", ".status.phase") == "Running" })
        #expect(try cluster.events(of: "again").contains("Pulled: Successfully pulled image"))

        let refused = try run(
            productsDirectory.appendingPathComponent("daas-worker").path,
            ["--master", master.server, "--manage-containerd", "--image-gc-high-threshold", "50", "--image-gc-low-threshold", "60"], timeout: 30)
        #expect(refused.status != 0 && refused.error.contains("image GC low threshold (60) must be less than the high threshold (50)"), "\(refused.error)")
    }

    @Test("hard eviction: a crossed threshold sets MemoryPressure and its taint, and evicts pods (never a critical one) as Failed/Evicted")
    func eviction() throws {
        // A threshold no machine meets: the node is under memory pressure from the first check.
        let cluster = try RealCluster(workerArguments: ["--eviction-hard", "memory.available<1000Ti", "--eviction-period", "1"])
        defer { cluster.stop() }
        let master = cluster.master
        #expect(try eventually(30) {
            try cluster.jsonpath("node", "real-1", ".status.conditions[?(@.type==\"MemoryPressure\")].reason") == "KubeletHasInsufficientMemory"
        })
        #expect(try eventually(30) { try cluster.jsonpath("node", "real-1", ".spec.taints[*].key").contains("node.kubernetes.io/memory-pressure") })
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: victim}
            spec:
              tolerations: [{key: node.kubernetes.io/memory-pressure, operator: Exists, effect: NoSchedule}]
              containers: [{name: c, image: busybox:1.35, command: ["sleep", "3600"]}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: critical, namespace: kube-system}
            spec:
              priorityClassName: system-node-critical
              tolerations: [{key: node.kubernetes.io/memory-pressure, operator: Exists, effect: NoSchedule}]
              containers: [{name: c, image: busybox:1.35, command: ["sleep", "3600"]}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: kept-off}
            spec:
              containers: [{name: c, image: busybox:1.35, command: ["sleep", "3600"]}]
            """)
        #expect(try eventually(60) { try cluster.jsonpath("pod", "victim", ".status.reason") == "Evicted" }, "\(master.describe(["get", "pods", "-A", "-o", "wide"]))")
        #expect(try cluster.jsonpath("pod", "victim", ".status.phase") == "Failed")
        #expect(try cluster.jsonpath("pod", "victim", ".status.message").hasPrefix("The node was low on resource: memory. Threshold quantity: 1000Ti, available: "))
        #expect(try cluster.jsonpath("pod", "victim", ".status.conditions[?(@.type==\"DisruptionTarget\")].reason") == "TerminationByKubelet")
        #expect(try cluster.events(of: "victim").contains("Evicted: The node was low on resource: memory."))
        #expect(try eventually(60) {
            try master.ok(["get", "pod", "critical", "-n", "kube-system", "-o", "jsonpath={.status.phase}"]) == "Running"
        })
        Thread.sleep(forTimeInterval: 3)
        #expect(try master.ok(["get", "pod", "critical", "-n", "kube-system", "-o", "jsonpath={.status.phase}"]) == "Running", "a critical pod is never evicted")
        #expect(try cluster.jsonpath("pod", "kept-off", ".spec.nodeName").isEmpty, "the memory-pressure taint keeps other pods off")
    }

    @Test("static pods: a manifest directory runs as mirror pods owned by the Node; a deleted mirror comes back, a changed manifest replaces it, a removed one stops")
    func staticPods() throws {
        let manifests = FileManager.default.temporaryDirectory.appendingPathComponent("daas-static-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: manifests) }
        let cluster = try RealCluster(workerArguments: ["--pod-manifest-path", manifests, "--file-check-frequency", "1"])
        defer { cluster.stop() }
        let master = cluster.master
        let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: static-web, labels: {tier: LABEL}}
            spec:
              terminationGracePeriodSeconds: 1
              containers: [{name: c, image: busybox:1.35, command: ["sleep", "3600"]}]
            """
        try manifest.replacingOccurrences(of: "LABEL", with: "one").write(toFile: manifests + "/web.yaml", atomically: true, encoding: .utf8)
        try "not: [a pod".write(toFile: manifests + "/broken.yaml", atomically: true, encoding: .utf8)
        let mirror = "static-web-real-1"
        #expect(try eventually(60) { try cluster.jsonpath("pod", mirror, ".status.phase") == "Running" }, "\(master.describe(["get", "pods", "-A"]))")
        #expect(try !cluster.jsonpath("pod", mirror, ".metadata.annotations.kubernetes\\.io/config\\.mirror").isEmpty)
        #expect(try cluster.jsonpath("pod", mirror, ".metadata.ownerReferences[0].kind") == "Node")
        let uid = try cluster.jsonpath("pod", mirror, ".metadata.uid")

        _ = try master.ok(["delete", "pod", mirror, "--wait=true"], timeout: 60)
        #expect(try eventually(60) {
            let now = try master.kubectl(["get", "pod", mirror, "-o", "jsonpath={.metadata.uid} {.status.phase}"]).output
            return !now.hasPrefix(uid) && now.hasSuffix("Running")
        }, "a deleted mirror pod is created again")

        try manifest.replacingOccurrences(of: "LABEL", with: "two").write(toFile: manifests + "/web.yaml", atomically: true, encoding: .utf8)
        #expect(try eventually(60) { try cluster.jsonpath("pod", mirror, ".metadata.labels.tier") == "two" })

        try FileManager.default.removeItem(atPath: manifests + "/web.yaml")
        #expect(try eventually(60) { try master.kubectl(["get", "pod", mirror]).status != 0 })
        #expect(try master.ok(["get", "pods", "-o", "name"]).isEmpty, "the broken manifest makes no pod")
    }

    @Test("PersistentVolumeClaims the k3s way: local-path provisions on the pod's node, data outlives the pod, a read-only claim, protection while in use, Delete reclaims the directory")
    func persistentVolumes() throws {
        let cluster = try RealCluster()
        defer { cluster.stop() }
        let master = cluster.master
        let classes = try master.ok(["get", "storageclass"])
        #expect(classes.contains("local-path (default)") && classes.contains("rancher.io/local-path") && classes.contains("WaitForFirstConsumer"), "\(classes)")

        try cluster.apply("""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
            """)
        // No pod yet: the claim waits for its first consumer.
        #expect(try cluster.jsonpath("pvc", "data", ".status.phase") == "Pending")
        #expect(try eventually(30) { try cluster.events(of: "data").contains("WaitForFirstConsumer: waiting for first consumer to be created before binding") })

        func pod(_ name: String, _ script: String, readOnly: Bool = false) -> String {
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: \(name)}
            spec:
              terminationGracePeriodSeconds: 1
              restartPolicy: Never
              securityContext: {runAsUser: 1000}
              containers: [{name: c, image: busybox:1.35, command: [sh, -c, '\(script)'], volumeMounts: [{name: d, mountPath: /data}]}]
              volumes: [{name: d, persistentVolumeClaim: {claimName: data, readOnly: \(readOnly)}}]
            """
        }
        try cluster.apply(pod("writer", "echo kept > /data/file && cat /data/file"))
        #expect(try eventually(90) { try cluster.jsonpath("pod", "writer", ".status.phase") == "Succeeded" }, "\(master.describe(["describe", "pod", "writer"]))")
        #expect(try cluster.jsonpath("pvc", "data", ".status.phase") == "Bound")
        let volume = try cluster.jsonpath("pvc", "data", ".spec.volumeName")
        let uid = try cluster.jsonpath("pvc", "data", ".metadata.uid")
        #expect(volume == "pvc-" + uid)
        #expect(try cluster.jsonpath("pvc", "data", ".metadata.annotations.volume\\.kubernetes\\.io/selected-node") == "real-1")
        let path = try cluster.jsonpath("pv", volume, ".spec.hostPath.path")
        #expect(path == master.dataDir + "/storage/\(volume)_default_data")
        #expect(try cluster.jsonpath("pv", volume, ".spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]") == "real-1")
        #expect(try cluster.jsonpath("pv", volume, ".spec.claimRef.name") == "data")
        #expect(try String(contentsOfFile: path + "/file", encoding: .utf8) == "kept\n", "the container wrote to the node's directory as a non-root user")
        let columns = try master.ok(["get", "pvc", "data"])
        #expect(columns.contains("Bound") && columns.contains(volume) && columns.contains("64Mi") && columns.contains("RWO") && columns.contains("local-path"), "\(columns)")
        let volumeColumns = try master.ok(["get", "pv"])
        #expect(volumeColumns.contains("Delete") && volumeColumns.contains("default/data"), "\(volumeColumns)")
        #expect(try cluster.events(of: "data").contains("ProvisioningSucceeded: Successfully provisioned volume \(volume)"))

        // A new pod finds the data; a read-only claim cannot write.
        try cluster.apply(pod("reader", "cat /data/file; touch /data/new 2>/dev/null || echo refused; sleep 3600", readOnly: true))
        #expect(try eventually(60) { try master.kubectl(["logs", "reader"]).output == "kept\nrefused\n" }, "\(master.describe(["logs", "reader"]))")
        #expect(!FileManager.default.fileExists(atPath: path + "/new"))

        // In use: deleting the claim leaves it Terminating; once its pods are gone it goes, and
        // its volume and directory with it.
        _ = try master.ok(["delete", "pvc", "data", "--wait=false"])
        Thread.sleep(forTimeInterval: 2)
        #expect(try master.ok(["get", "pvc", "data"]).contains("Terminating"))
        #expect(FileManager.default.fileExists(atPath: path + "/file"))
        _ = try master.ok(["delete", "pod", "reader", "writer", "--wait=true"], timeout: 60)
        #expect(try eventually(60) { try master.kubectl(["get", "pv", volume]).status != 0 }, "\(master.describe(["get", "pv", "-o", "yaml"]))")
        #expect(try master.kubectl(["get", "pvc", "data"]).status != 0)
        #expect(!FileManager.default.fileExists(atPath: path), "the node removed the volume's directory")

        // A claim no node can satisfy: the pod waits with the scheduler's reason.
        try cluster.apply("""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: shared}
            spec: {accessModes: [ReadWriteMany], resources: {requests: {storage: 1Gi}}}
            """)
        try cluster.apply(pod("shared-user", "true").replacingOccurrences(of: "claimName: data", with: "claimName: shared"))
        #expect(try eventually(30) {
            try cluster.events(of: "shared").contains("ProvisioningFailed: NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes")
        })
        #expect(try cluster.jsonpath("pod", "shared-user", ".status.phase") == "Pending")
    }

    @Test("startup, readiness and liveness probes (tcpSocket, httpGet, exec, grpc) drive started, ready and restarts; postStart and preStop hooks run")
    func probesAndHooks() throws {
        let cluster = try RealCluster()
        defer { cluster.stop() }
        let master = cluster.master
        let shared = try cluster.hostDirectory("hooks")
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: probed}
            spec:
              terminationGracePeriodSeconds: 5
              containers:
              - name: web
                image: busybox:1.35
                command: ["sh", "-c", "mkdir -p /www; touch /tmp/alive; (sleep 3; echo ok > /www/ready) & exec httpd -f -p 8080 -h /www"]
                ports: [{name: http, containerPort: 8080}]
                startupProbe: {tcpSocket: {port: http}, periodSeconds: 1, failureThreshold: 30}
                readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1}
                livenessProbe: {exec: {command: ["cat", "/tmp/alive"]}, periodSeconds: 1, failureThreshold: 2}
                lifecycle:
                  postStart: {exec: {command: ["sh", "-c", "echo post > /tmp/poststart"]}}
                  preStop: {exec: {command: ["sh", "-c", "echo stopping > /out/prestop"]}}
                volumeMounts: [{name: out, mountPath: /out}]
              volumes: [{name: out, hostPath: {path: "\(shared)", type: Directory}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: never-starts}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: c
                image: busybox:1.35
                command: ["sleep", "3600"]
                startupProbe: {exec: {command: ["false"]}, periodSeconds: 1, failureThreshold: 2}
                readinessProbe: {grpc: {port: 9555}, periodSeconds: 1}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: hook-fails}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: c
                image: busybox:1.35
                command: ["sleep", "3600"]
                lifecycle:
                  postStart: {exec: {command: ["sh", "-c", "echo hook-broke; exit 2"]}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: grpc-probed}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: c
                image: busybox:1.35
                command: ["sleep", "3600"]
                readinessProbe: {grpc: {port: 9555}, periodSeconds: 1}
            """)
        func ready(_ pod: String) throws -> String { try cluster.jsonpath("pod", pod, ".status.conditions[?(@.type==\"Ready\")].status") }
        #expect(try eventually(60) { try ready("probed") == "True" }, "\(master.describe(["describe", "pod", "probed"]))")
        #expect(try cluster.jsonpath("pod", "probed", ".status.containerStatuses[0].started") == "true")
        #expect(try master.ok(["exec", "probed", "--", "cat", "/tmp/poststart"], timeout: 60) == "post\n")

        // Readiness follows the probe both ways, without a restart.
        _ = try master.ok(["exec", "probed", "--", "rm", "/www/ready"], timeout: 60)
        #expect(try eventually(30) { try ready("probed") == "False" })
        _ = try master.ok(["exec", "probed", "--", "sh", "-c", "echo ok > /www/ready"], timeout: 60)
        #expect(try eventually(30) { try ready("probed") == "True" })
        #expect(try cluster.jsonpath("pod", "probed", ".status.containerStatuses[0].restartCount") == "0")

        // A failing liveness probe restarts the container.
        _ = try master.ok(["exec", "probed", "--", "rm", "/tmp/alive"], timeout: 60)
        #expect(try eventually(60) { (Int(try cluster.jsonpath("pod", "probed", ".status.containerStatuses[0].restartCount")) ?? 0) >= 1 })
        let events = try cluster.events(of: "probed")
        #expect(events.contains("Unhealthy: Liveness probe failed: cat: can't open '/tmp/alive'"), "\(events)")
        #expect(events.contains("Killing: Container web failed liveness probe, will be restarted"), "\(events)")
        #expect(events.contains("Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404"), "\(events)")
        #expect(try eventually(60) { try ready("probed") == "True" }, "the restarted container becomes ready again")

        // A startup probe that never succeeds restarts the container; liveness and readiness wait for it.
        #expect(try eventually(60) { (Int(try cluster.jsonpath("pod", "never-starts", ".status.containerStatuses[0].restartCount")) ?? 0) >= 1 })
        #expect(try cluster.jsonpath("pod", "never-starts", ".status.containerStatuses[0].started") == "false")
        #expect(try ready("never-starts") == "False")
        let neverEvents = try cluster.events(of: "never-starts")
        #expect(neverEvents.contains("Killing: Container c failed startup probe, will be restarted"), "\(neverEvents)")
        #expect(!neverEvents.contains("Readiness probe failed"), "readiness waits for the startup probe: \(neverEvents)")

        // A failing postStart hook kills the container; a gRPC probe with nothing listening fails.
        #expect(try ready("grpc-probed") == "False")
        let hookEvents = try cluster.events(of: "hook-fails")
        #expect(hookEvents.contains("FailedPostStartHook: PostStartHook failed: hook-broke"), "\(hookEvents)")
        #expect(hookEvents.contains("Killing: FailedPostStartHook"), "\(hookEvents)")
        #expect(try eventually(60) {
            try cluster.events(of: "grpc-probed").contains("Unhealthy: Readiness probe failed:")
        })

        // preStop runs before the container is stopped.
        _ = try master.ok(["delete", "pod", "probed", "--wait=true"], timeout: 90)
        #expect((try? String(contentsOfFile: shared + "/prestop", encoding: .utf8)) == "stopping\n")
    }

    @Test("kubectl exec (stdin, tty, exit codes), cp, attach and port-forward through the master; the Python client's WebSocket exec and port-forward; refusals")
    func streams() throws {
        let cluster = try RealCluster()
        defer { cluster.stop() }
        let master = cluster.master
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              containers:
              - {name: httpd, image: busybox:1.35, command: ["sh", "-c", "mkdir -p /www; echo hello-forwarded > /www/index.html; exec httpd -f -p 8080 -h /www"]}
              - name: reader
                image: busybox:1.35
                stdin: true
                command: ["sh", "-c", "while read line; do echo got:$line; done"]
            """)
        #expect(try eventually(60) { try cluster.jsonpath("pod", "web", ".status.phase") == "Running" })

        // exec: stdout and stderr apart, the exit code carried through, stdin, a terminal.
        let exec = try master.kubectl(["exec", "web", "-c", "httpd", "--", "sh", "-c", "echo out; echo err >&2; exit 3"], timeout: 60)
        #expect(exec.status == 3 && exec.output == "out\n" && exec.error.contains("err\n"), "\(exec)")
        let stdin = try run("/bin/sh", ["-c", "printf 'one\\ntwo\\n' | kubectl --kubeconfig \(master.kubeconfig) exec -i web -c httpd -- wc -l"], timeout: 60)
        #expect(stdin.status == 0 && stdin.output.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(stdin)")
        let tty = try run(
            "/usr/bin/script", ["-qec", "kubectl --kubeconfig \(master.kubeconfig) exec -it web -c httpd -- sh -c 'tty; exit 4'", "/dev/null"], timeout: 60)
        #expect(tty.status == 4 && tty.output.contains("/dev/pts/"), "\(tty)")

        // cp both ways (tar over exec).
        let local = cluster.root + "/copied.txt"
        try "copied through exec\n".write(toFile: local, atomically: true, encoding: .utf8)
        _ = try master.ok(["cp", local, "web:/tmp/in.txt", "-c", "httpd"], timeout: 60)
        #expect(try master.ok(["exec", "web", "-c", "httpd", "--", "cat", "/tmp/in.txt"], timeout: 60) == "copied through exec\n")
        _ = try master.ok(["cp", "web:/tmp/in.txt", cluster.root + "/back.txt", "-c", "httpd"], timeout: 60)
        #expect(try String(contentsOfFile: cluster.root + "/back.txt", encoding: .utf8) == "copied through exec\n")

        // attach to a container's stdin.
        let attach = try run(
            "/bin/sh", ["-c", "(echo first; sleep 1; echo second; sleep 1) | kubectl --kubeconfig \(master.kubeconfig) attach -i web -c reader"], timeout: 60)
        #expect(attach.status == 0 && attach.output.contains("got:first\ngot:second"), "\(attach)")

        // port-forward on a free local port.
        let forward = try ChildProcess(
            "/usr/bin/env", ["kubectl", "--kubeconfig", master.kubeconfig, "port-forward", "--address", "127.0.0.1", "pod/web", ":8080"],
            outputPath: cluster.root + "/port-forward.log")
        defer { forward.kill() }
        var localPort = ""
        #expect(eventually(30) {
            guard let line = forward.output.split(separator: "\n").first(where: { $0.hasPrefix("Forwarding from 127.0.0.1:") }) else { return false }
            localPort = String(line.dropFirst("Forwarding from 127.0.0.1:".count).prefix { $0.isNumber })
            return true
        }, "\(forward.output)")
        let page = try run("/usr/bin/curl", ["-s", "--max-time", "20", "http://127.0.0.1:\(localPort)/"], timeout: 30)
        #expect(page.output == "hello-forwarded\n", "\(page) \(forward.output)")

        // The Python client speaks WebSocket (v4.channel.k8s.io) only.
        let python = repositoryRoot().appendingPathComponent(".build-python/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/install-deps.sh (make test does) to install the client")
        let script = repositoryRoot().appendingPathComponent("Tests/Python/stream_check.py").path
        let client = try run(python, [script, master.kubeconfig, "web"], timeout: 120)
        #expect(client.output.split(separator: "\n") == [
            "exec 'py-out\\npy-err\\n'", "returncode 7", "stdin 'via-stdin\\n'", "resize True", "portforward hello-forwarded",
        ], "\(client.output) \(client.error)")

        // Refusals, as kube-apiserver words them.
        let noUpgrade = try master.kubectl(["get", "--raw", "/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true&container=httpd"])
        #expect(noUpgrade.status != 0 && noUpgrade.error.contains("Upgrade request required"), "\(noUpgrade.error)")
        let badContainer = try master.kubectl(["exec", "web", "-c", "nope", "--", "ls"], timeout: 60)
        #expect(badContainer.status != 0 && badContainer.error.contains("container nope is not valid for pod web"), "\(badContainer.error)")
        _ = try master.ok(["create", "role", "pod-reader", "--verb=get,list", "--resource=pods"])
        _ = try master.ok(["create", "rolebinding", "pod-reader", "--role=pod-reader", "--user=reader"])
        let forbidden = try master.kubectl(["--as=reader", "exec", "web", "-c", "httpd", "--", "ls"], timeout: 60)
        #expect(forbidden.status != 0 && forbidden.error.contains("cannot create resource \"pods/exec\""), "\(forbidden.error)")

        // nodes/proxy reaches the kubelet API: health, the pods it was given, the pods it runs.
        #expect(try master.ok(["get", "--raw", "/api/v1/nodes/real-1/proxy/healthz"]) == "ok")
        let given = try master.ok(["get", "--raw", "/api/v1/nodes/real-1/proxy/pods"])
        #expect(given.contains("\"kind\":\"PodList\"") && given.contains("\"name\":\"web\""), "\(given)")
        let runningPods = try master.ok(["get", "--raw", "/api/v1/nodes/real-1/proxy/runningpods/"])
        #expect(runningPods.contains("\"name\":\"web\"") && runningPods.contains("\"name\":\"httpd\"") && runningPods.contains("\"name\":\"reader\""), "\(runningPods)")
        let missing = try master.kubectl(["get", "--raw", "/api/v1/nodes/real-1/proxy/nothing-here"])
        #expect(missing.status != 0 && missing.error.contains("NotFound"), "\(missing.error)")
        let proxyForbidden = try master.kubectl(["--as=reader", "get", "--raw", "/api/v1/nodes/real-1/proxy/pods"])
        #expect(proxyForbidden.status != 0 && proxyForbidden.error.contains("cannot get resource \"nodes/proxy\""), "\(proxyForbidden.error)")

        // An open exec does not hold the master up: it stops within its shutdown grace period.
        let long = try ChildProcess(
            "/usr/bin/env", ["kubectl", "--kubeconfig", master.kubeconfig, "exec", "web", "-c", "httpd", "--", "sleep", "600"],
            outputPath: cluster.root + "/long-exec.log")
        defer { long.kill() }
        #expect(try eventually(30) { try master.ok(["exec", "web", "-c", "httpd", "--", "ps"], timeout: 30).contains("sleep 600") })
        #expect(master.stop(timeout: 30) != nil, "the master exited with an exec open")
        #expect(long.wait(timeout: 30) != nil, "the exec ended with the master")
    }
}

extension MasterProcess {
    /// kubectl's output for `arguments`, or the error, for a failure message.
    func describe(_ arguments: [String]) -> String {
        guard let result = try? kubectl(arguments) else { return "kubectl \(arguments.joined(separator: " ")) did not run" }
        return result.output + result.error
    }
}
