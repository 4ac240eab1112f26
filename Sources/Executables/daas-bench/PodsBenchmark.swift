import ArgumentParser
import AsyncHTTPClient
import DaaSTestSupport
import Foundation
import NIOHTTP1

/// `daas-bench pods`: pod startup latency on one real worker (containerd, runc, CNI bridge) with
/// the image present: create to Running for each pod through the master, the worker's and
/// containerd's memory, and the runtime's own floor (`ctr run` of the same image) in the same run.
struct PodsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pods",
        abstract: "Pod startup latency (create to Running) on one real worker, agent RSS, against the upstream 5 s SLO and ctr's own floor."
    )

    @Option(help: "Pods created and timed to Running, in each phase (paced, then burst); both phases fit the node's 110 pods.") var pods = 50
    @Option(help: "Pods per second created in the paced phase (the latency figure).") var rate = 2.0
    @Option(help: "Concurrent API clients creating pods in the burst phase (the throughput figure).") var clients = 4
    @Option(help: "The registry the worker pulls busybox from (scripts/local-registry.sh).") var registry = "http://127.0.0.1:5000"
    @Option(help: "The directory holding daas-master, daas-worker and daasctl (default: next to this one).") var products: String?

    func run() async throws {
        guard getuid() == 0 else { throw BenchError("daas-bench pods runs containers: it needs root (and containerd, runc, the CNI plugins)") }
        let directory = products ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-bench-pods-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        report("workload: one real worker (daas-worker --manage-containerd: containerd 1.6, runc, CNI bridge); busybox:1.35 `sleep 3600` pods, image present, BestEffort, through HTTPS: \(pods) created at \(rate) pods/s (latency), then \(pods) more at once by \(clients) clients (throughput); cores: \(ProcessInfo.processInfo.activeProcessorCount)")
        report("reference: the upstream pod startup SLO (p99 <= 5 s, image present; not measured here) and the issue's target p99 < 1 s; runtime floor: `ctr run --rm` of the same image on the worker's containerd, measured here")

        try await ClusterBenchmark.withMaster(directory: directory, root: root, connections: clients + 4) { api, url, master in
            try await measure(api: api, url: url, directory: directory, root: root, master: master)
        }
    }

    func measure(api: API, url: String, directory: String, root: String, master: BenchProcess) async throws {
        let keystore = try ClusterBenchmark.stakedKeystore(directory: directory, root: root)
        progress("starting a real worker")
        let workerData = root + "/worker"
        let worker = try BenchProcess(
            executable: directory + "/daas-worker",
            arguments: [
                "--master", url, "--root", root + "/master/attest/root.pem", "--keystore", keystore, "--node-name", "bench-real", "--manage-containerd",
                "--data-dir", workerData, "--kubelet-port", "0", "--heartbeat-interval", "2", "--log-level", "warning",
                "--registry-mirror", "docker.io=\(registry)", "--registry-mirror", "registry.k8s.io=\(registry)",
            ],
            logPath: root + "/worker.log")
        defer { worker.stop() }
        let started = ContinuousClock.now
        while try await ClusterBenchmark.readyNodes(api) < 1 {
            guard worker.isRunning else { throw BenchError("daas-worker exited: \(((try? String(contentsOfFile: root + "/worker.log", encoding: .utf8)) ?? "").suffix(800))") }
            guard ContinuousClock.now - started < .seconds(120) else { throw BenchError("the worker was not Ready within 120 s") }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await api.send(.POST, "/api/v1/namespaces", ["metadata": ["name": "bench"]])
        // Waits for the namespace's default ServiceAccount, then pulls the image with one pod.
        try await Task.sleep(for: .seconds(2))
        let tracker = PodTracker()
        let watch = Task { try await tracker.follow(api) }
        defer { watch.cancel() }
        @Sendable func pod(_ name: String) -> [String: Any] {
            [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": name, "labels": ["app": "bench"]],
                "spec": [
                    "terminationGracePeriodSeconds": 1, "automountServiceAccountToken": false,
                    "containers": [["name": "c", "image": "busybox:1.35", "imagePullPolicy": "IfNotPresent", "command": ["sleep", "3600"]]],
                ],
            ]
        }
        tracker.created("warm")
        try await api.send(.POST, "/api/v1/namespaces/bench/pods", pod("warm"))
        while tracker.counts.running < 1 {
            guard ContinuousClock.now - started < .seconds(300) else { throw BenchError("the warm-up pod did not run") }
            try await Task.sleep(for: .milliseconds(100))
        }
        progress("creating \(pods) pods at \(rate) pods/s")
        let paced = ContinuousClock.now
        for index in 0..<pods {
            let name = "a\(index)"
            tracker.created(name)
            try await api.send(.POST, "/api/v1/namespaces/bench/pods", pod(name))
            let next = paced + .milliseconds(Int64(Double(index + 1) * 1000 / max(rate, 0.01)))
            if next > .now { try await Task.sleep(until: next) }
        }
        try await waitRunning(tracker, pods + 1, since: paced)
        let latencies = tracker.latencies().running.sorted()
        let p50 = percentile(latencies, 0.50) / 1000, p99 = percentile(latencies, 0.99) / 1000, worst = (latencies.last ?? 0) / 1000
        report(String(format: "latency at %.1f pods/s: create->Running p50 %.3f s, p99 %.3f s, max %.3f s (%d pods)", rate, p50, p99, worst, pods))

        progress("creating \(pods) pods at once")
        let start = ContinuousClock.now
        try await concurrently(clients, pods) { index in
            let name = "b\(index)"
            tracker.created(name)
            try await api.send(.POST, "/api/v1/namespaces/bench/pods", pod(name))
        }
        try await waitRunning(tracker, 2 * pods + 1, since: start)
        let total = seconds(ContinuousClock.now - start)
        let burst = tracker.latencies().running.sorted().suffix(pods)
        report(String(format: "burst: %d pods Running in %.1f s (%.1f pods/s); create->Running p50 %.3f s, max %.3f s (queueing behind the node's throughput)", pods, total, Double(pods) / total, percentile(Array(burst), 0.5) / 1000, (burst.last ?? 0) / 1000))
        let containerd = Self.containerdResidentMiB(worker: worker.child.pid)
        report(String(format: "memory with %d pods: daas-worker RSS %.0f MiB, its containerd RSS %.0f MiB; master RSS %.0f MiB", 2 * pods + 1, worker.residentMiB, containerd, master.residentMiB))
        let floor = try Self.ctrFloor(socket: workerData + "/containerd/containerd.sock", runs: 10)
        report(String(format: "floor: `ctr run --rm busybox:1.35 true` median %.3f s over 10 runs (no CNI, no API)", floor))
        report(String(format: "ratio: p99 / SLO 5 s = %.2f (target < 0.20, i.e. p99 < 1 s: %@); p50 / ctr floor = %.1f", p99 / 5, p99 < 1 ? "met" : "NOT met", p50 / max(floor, 0.001)))

        progress("deleting \(2 * pods + 1) pods")
        let deleting = ContinuousClock.now
        try await api.send(.DELETE, "/api/v1/namespaces/bench/pods?labelSelector=app%3Dbench")
        while true {
            let list = try await api.json(.GET, "/api/v1/namespaces/bench/pods")
            if (list["items"] as? [Any] ?? []).isEmpty { break }
            guard ContinuousClock.now - deleting < .seconds(600) else { throw BenchError("pods not deleted within 600 s") }
            try await Task.sleep(for: .milliseconds(200))
        }
        report(String(format: "teardown: %d pods stopped (grace 1 s) and confirmed deleted in %.1f s", 2 * pods + 1, seconds(ContinuousClock.now - deleting)))
    }

    /// Waits until `count` pods of the tracker run (600 s at most).
    func waitRunning(_ tracker: PodTracker, _ count: Int, since start: ContinuousClock.Instant) async throws {
        while tracker.counts.running < count {
            guard ContinuousClock.now - start < .seconds(600) else { throw BenchError("only \(tracker.counts.running) of \(count) pods Running within 600 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Resident memory of the worker's containerd (a child of one of its threads), in MiB.
    static func containerdResidentMiB(worker: Int32) -> Double {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(worker)/task")) ?? []
        let children = tasks.map { (try? String(contentsOfFile: "/proc/\(worker)/task/\($0)/children", encoding: .utf8)) ?? "" }.joined(separator: " ")
        for pid in children.split(separator: " ") {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            guard status.contains("Name:\tcontainerd\n"), let id = Int32(pid) else { continue }
            return BenchProcess.residentMiB(pid: id)
        }
        return 0
    }

    /// The median seconds of `ctr run --rm` of the image (already pulled) on the worker's containerd.
    static func ctrFloor(socket: String, runs: Int) throws -> Double {
        var samples: [Double] = []
        for run in 0..<runs {
            let start = ContinuousClock.now
            let result = try DaaSTestSupport.run(
                "/usr/bin/ctr", ["-a", socket, "-n", "k8s.io", "run", "--rm", "docker.io/library/busybox:1.35", "daas-bench-floor-\(run)", "true"], timeout: 60)
            guard result.status == 0 else { throw BenchError("ctr run: \(result.error.prefix(300))") }
            samples.append(seconds(ContinuousClock.now - start))
        }
        return percentile(samples.sorted(), 0.5)
    }
}
