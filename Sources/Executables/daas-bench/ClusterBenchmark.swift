import ArgumentParser
import AsyncHTTPClient
import DaaSTestSupport
import EncStore
import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// `daas-bench cluster`: a master with thousands of simulated nodes; pods created through the
/// API, timed to bound and to Running; the master's memory with many stored pods; and the cost of
/// watch fan-out to node watchers, with and without the watch cache.
struct ClusterBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Pods/s bound and Running with simulated nodes, master RSS with stored pods, watch fan-out to node watchers."
    )

    @Option(help: "Simulated nodes.") var nodes = 5_000
    @Option(help: "Pods created through the API and timed to bound and Running.") var pods = 10_000
    @Option(help: "Pods stored in all (the rest Pending for another scheduler) for the memory figure.") var storedPods = 150_000
    @Option(help: "Concurrent API clients creating pods.") var clients = 32
    @Option(help: "Node watchers in the fan-out measurement.") var watchers = 5_000
    @Option(help: "Pod writes in the fan-out measurement (the store-path reference gets a hundredth).") var fanOutWrites = 20_000
    @Option(help: "The directory holding daas-master, daas-worker and daasctl (default: next to this one).") var products: String?

    func run() async throws {
        let directory = products ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-bench-cluster-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        report("workload: \(nodes) simulated nodes (daas-worker --simulate, 4 CPU / 32Gi / 110 pods each); \(pods) pods (100m / 500Mi) created through HTTPS by \(clients) clients; \(storedPods) pods stored for the memory figure; \(watchers) node watchers x \(fanOutWrites) pod writes for fan-out; cores: \(ProcessInfo.processInfo.activeProcessorCount)")
        report("reference: upstream kube-scheduler published figures, NOT measured here: scheduler_perf CI floor for SchedulingBasic 5000 nodes / 10000 pods is 270-680 pods/s; fan-out reference: the same watchers each reading the store (watch cache off), measured here")

        let fanOut = try await measureFanOut()

        try await Self.withMaster(directory: directory, root: root, connections: clients + 8) { api, url, master in
            try await measure(api: api, url: url, directory: directory, root: root, master: master, fanOut: fanOut)
        }
    }

    /// Registers the simulated nodes, creates and follows the pods, and prints every figure.
    func measure(api: API, url: String, directory: String, root: String, master: BenchProcess, fanOut: (cached: FanOutRun, store: FanOutRun)) async throws {
        let keystore = try Self.stakedKeystore(directory: directory, root: root)

        progress("registering \(nodes) simulated nodes")
        let registrationStart = ContinuousClock.now
        let worker = try BenchProcess(
            executable: directory + "/daas-worker",
            arguments: ["--master", url, "--root", root + "/master/attest/root.pem", "--keystore", keystore, "--node-name", "sim", "--simulate", String(nodes),
                        "--simulate-cpu", "4", "--simulate-memory", "32Gi", "--simulate-pods", "110", "--log-level", "warning"],
            logPath: root + "/worker.log")
        defer { worker.stop() }
        while try await Self.readyNodes(api) < nodes {
            guard worker.isRunning else { throw BenchError("daas-worker exited: \(((try? String(contentsOfFile: root + "/worker.log", encoding: .utf8)) ?? "").suffix(800))") }
            guard ContinuousClock.now - registrationStart < .seconds(600) else { throw BenchError("nodes not Ready within 600 s") }
            try await Task.sleep(for: .seconds(1))
        }
        let registration = seconds(ContinuousClock.now - registrationStart)
        report(String(format: "nodes: %d registered and Ready in %.1f s (%.0f nodes/s), each with its own Seal token; master RSS %.0f MiB", nodes, registration, Double(nodes) / registration, master.residentMiB))

        try await api.send(.POST, "/api/v1/namespaces", ["metadata": ["name": "bench"]])
        let tracker = PodTracker()
        let watch = Task { try await tracker.follow(api) }
        defer { watch.cancel() }
        try await Task.sleep(for: .milliseconds(500))

        progress("creating \(pods) pods")
        let start = ContinuousClock.now
        try await concurrently(clients, pods) { index in
            tracker.created("pod-\(index)")
            try await api.send(.POST, "/api/v1/namespaces/bench/pods", [
                "metadata": ["name": "pod-\(index)", "labels": ["app": "bench"]],
                "spec": ["containers": [["name": "c", "image": "registry.k8s.io/pause:3.10", "resources": ["requests": ["cpu": "100m", "memory": "500Mi"]]]]],
            ])
        }
        let created = seconds(ContinuousClock.now - start)
        while tracker.counts.running < pods {
            guard ContinuousClock.now - start < .seconds(900) else { throw BenchError("only \(tracker.counts) of \(pods) pods after 900 s") }
            try await Task.sleep(for: .milliseconds(100))
        }
        let (boundAt, runningAt) = tracker.finishTimes(since: start)
        let bound = Double(pods) / boundAt
        report(String(format: "pods: %d created in %.1f s (%.0f/s); all bound after %.1f s = %.0f pods/s; all Running after %.1f s = %.0f pods/s", pods, created, Double(pods) / created, boundAt, bound, runningAt, Double(pods) / runningAt))
        let latency = tracker.latencies()
        report(String(format: "  create-to-bound latency p50 %.0f ms, p99 %.0f ms; create-to-Running p50 %.0f ms, p99 %.0f ms", percentile(latency.bound, 0.5), percentile(latency.bound, 0.99), percentile(latency.running, 0.5), percentile(latency.running, 0.99)))
        report(String(format: "  vs upstream CI floor (published): %.1fx-%.1fx of 270-680 pods/s; target >= 1000 pods/s bound: %@", bound / 680, bound / 270, bound >= 1000 ? "met" : "NOT met"))

        let extra = max(0, storedPods - pods)
        progress("storing \(extra) more pods (Pending for another scheduler)")
        let storeStart = ContinuousClock.now
        try await concurrently(clients, extra) { index in
            try await api.send(.POST, "/api/v1/namespaces/bench/pods", [
                "metadata": ["name": "stored-\(index)", "labels": ["app": "stored"]],
                "spec": ["schedulerName": "elsewhere", "containers": [["name": "c", "image": "registry.k8s.io/pause:3.10", "resources": ["requests": ["cpu": "100m", "memory": "500Mi"]]]]],
            ])
        }
        let storing = seconds(ContinuousClock.now - storeStart)
        try await Task.sleep(for: .seconds(5))
        let rss = master.residentMiB
        report(String(format: "memory: master RSS %.0f MiB with %d nodes and %d stored pods (created at %.0f/s); target < 2048 MiB: %@", rss, nodes, pods + extra, Double(extra) / max(storing, 0.001), rss < 2048 ? "met" : "NOT met"))

        report(String(format: "fan-out: %d node watchers (spec.nodeName=) + 1 all-pods watcher, pod writes in-process on the in-memory store", watchers))
        report(String(format: "  watch cache: %d writes delivered in %.2f s = %.0f writes/s, %.1f µs per write", fanOut.cached.writes, fanOut.cached.seconds, Double(fanOut.cached.writes) / fanOut.cached.seconds, fanOut.cached.seconds / Double(fanOut.cached.writes) * 1e6))
        report(String(format: "  reference, each watcher reads the store: %d writes delivered in %.2f s = %.0f writes/s, %.1f µs per write", fanOut.store.writes, fanOut.store.seconds, Double(fanOut.store.writes) / fanOut.store.seconds, fanOut.store.seconds / Double(fanOut.store.writes) * 1e6))
        report(String(format: "  ratio (per-write cost, store path / cache): %.1fx", (fanOut.store.seconds / Double(fanOut.store.writes)) / (fanOut.cached.seconds / Double(fanOut.cached.writes))))
    }

    // MARK: Fan-out

    struct FanOutRun { var writes: Int; var seconds: Double }

    /// Pod creations spread over `watchers` nodes, each node watched by its own field-selected
    /// watcher, plus one watcher of every pod; timed until every watcher has every event.
    func measureFanOut() async throws -> (cached: FanOutRun, store: FanOutRun) {
        progress("fan-out with the watch cache")
        let cached = try await fanOut(writes: fanOutWrites, cache: WatchCacheConfiguration())
        progress("fan-out reading the store per watcher (reference)")
        let store = try await fanOut(writes: max(1, fanOutWrites / 100), cache: nil)
        return (cached, store)
    }

    func fanOut(writes: Int, cache: WatchCacheConfiguration?) async throws -> FanOutRun {
        let objects = ObjectStore(store: MVCCStore.inMemory(configuration: StoreConfiguration(watchBufferSize: writes + 100)), watchCache: cache)
        let registry = objects.registry
        let pods = registry.lookup(group: "", version: "v1", plural: "pods")!
        _ = try await objects.create(registry.lookup(group: "", version: "v1", plural: "namespaces")!, namespace: nil, body: ["metadata": ["name": "bench"]])
        // No controllers run here: the pods' ServiceAccount is created by hand.
        _ = try await objects.create(registry.lookup(group: "", version: "v1", plural: "serviceaccounts")!, namespace: "bench", body: ["metadata": ["name": "default"]])
        let received = DeliveryCount()
        let expected = writes * 2  // each write reaches its node's watcher and the all-pods watcher
        var streams: [AsyncThrowingStream<WatchFrame, any Error>] = []
        for index in 0..<watchers {
            var options = ObjectStore.WatchOptions()
            options.list.fieldSelector = try FieldSelector(parsing: "spec.nodeName=node-\(index)")
            streams.append(try await objects.watch(pods, namespace: nil, options: options))
        }
        streams.append(try await objects.watch(pods, namespace: nil, options: ObjectStore.WatchOptions()))
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for stream in streams {
                group.addTask {
                    for try await frame in stream where frame.type != "BOOKMARK" {
                        _ = frame.encodedLine  // what a server writes: encoded once per event with the cache
                        if received.value.add(1, ordering: .relaxed).newValue >= expected { return }
                    }
                }
            }
            for index in 0..<writes {
                _ = try await objects.create(pods, namespace: "bench", body: [
                    "metadata": ["name": .string("p-\(index)")],
                    "spec": ["nodeName": .string("node-\(index % watchers)"), "containers": [["name": "c", "image": "registry.k8s.io/pause:3.10"]]],
                ])
            }
            while received.value.load(ordering: .relaxed) < expected { try await Task.sleep(for: .milliseconds(2)) }
            group.cancelAll()
        }
        return FanOutRun(writes: writes, seconds: seconds(ContinuousClock.now - start))
    }

    // MARK: Helpers

    /// Starts daas-master under `root/master`, runs `body` with an admin client of at most
    /// `connections` connections, the server URL and the process, then shuts the client down
    /// (the master stops with the returned scope).
    static func withMaster(directory: String, root: String, connections: Int, _ body: (API, String, BenchProcess) async throws -> Void) async throws {
        let master = try BenchProcess(
            executable: directory + "/daas-master", arguments: ["--data-dir", root + "/master", "--listen", "127.0.0.1:0", "--log-level", "warning"],
            logPath: root + "/master.log")
        defer { master.stop() }
        let url = String(try master.waitFor("serving the Kubernetes API at").split(separator: " ").first { $0.hasPrefix("https://") } ?? "")
        let api = try adminClient(url: url, pki: root + "/master/pki/", connections: connections)
        do {
            try await body(api, url, master)
        } catch {
            try? await api.client.shutdown()
            throw error
        }
        try await api.client.shutdown()
    }

    static func adminClient(url: String, pki: String, connections: Int) throws -> API {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki + "ca.crt"))
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(pki + "admin.crt").map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: pki + "admin.key", format: .pem))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.httpVersion = .http1Only
        return API(client: HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration), base: url)
    }

    /// A node key (`<root>/node.keystore`) staked on the master's dev ledger, as an operator
    /// would set it up; returns the keystore path.
    static func stakedKeystore(directory: String, root: String) throws -> String {
        let keystore = root + "/node.keystore"
        try run(directory + "/daasctl", ["key", "new", "--keystore", keystore])
        let address = try run(directory + "/daasctl", ["key", "show", "--keystore", keystore])
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("0x") && $0.count == 66 }.map(String.init) ?? ""
        let ledger = try String(contentsOfFile: root + "/master/sui-dev-ledger.url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try run(directory + "/daasctl", ["stake", "add", "--ledger", ledger, "--secret-file", root + "/master/sui-dev-ledger.secret", "--address", address, "--amount", "10000000000"])
        return keystore
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let result = try DaaSTestSupport.run(executable, arguments, timeout: 120)
        guard result.status == 0 else { throw BenchError("\(executable) \(arguments.first ?? ""): \((result.output + result.error).prefix(300))") }
        return result.output + result.error
    }

    /// Nodes whose Ready condition is True, from a list at resourceVersion 0.
    static func readyNodes(_ api: API) async throws -> Int {
        let list = try await api.json(.GET, "/api/v1/nodes?resourceVersion=0")
        return (list["items"] as? [[String: Any]] ?? []).filter { node in
            ((node["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []).contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" }
        }.count
    }
}

/// Events delivered, over every watcher.
final class DeliveryCount: Sendable {
    let value = Atomic<Int>(0)
}

/// Follows pods through one watch: when each was created (by the benchmark), bound and Running.
final class PodTracker: Sendable {
    private struct State {
        var created: [String: ContinuousClock.Instant] = [:]
        var bound: [String: ContinuousClock.Instant] = [:]
        var running: [String: ContinuousClock.Instant] = [:]
    }

    private let state = Mutex(State())

    func created(_ name: String) { state.withLock { $0.created[name] = .now } }

    var counts: (bound: Int, running: Int) { state.withLock { ($0.bound.count, $0.running.count) } }

    /// Seconds from `start` until the last pod was bound, and until the last was Running.
    func finishTimes(since start: ContinuousClock.Instant) -> (Double, Double) {
        state.withLock { state in
            (seconds((state.bound.values.max() ?? start) - start), seconds((state.running.values.max() ?? start) - start))
        }
    }

    /// Milliseconds from create to bound and to Running, per pod.
    func latencies() -> (bound: [Double], running: [Double]) {
        state.withLock { state in
            func since(_ times: [String: ContinuousClock.Instant]) -> [Double] {
                times.compactMap { name, time in state.created[name].map { milliseconds(time - $0) } }
            }
            return (since(state.bound), since(state.running))
        }
    }

    /// Watches the benchmark's pods until cancelled.
    func follow(_ api: API) async throws {
        var request = HTTPClientRequest(url: api.base + "/api/v1/namespaces/bench/pods?watch=true&labelSelector=app%3Dbench&resourceVersion=0")
        request.method = .GET
        let response = try await api.client.execute(request, timeout: .seconds(3600))
        var pending = [UInt8]()
        for try await chunk in response.body {
            pending += chunk.readableBytesView
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = Data(pending[..<newline])
                pending.removeSubrange(...newline)
                guard let event = try? JSONSerialization.jsonObject(with: line) as? [String: Any], let pod = event["object"] as? [String: Any],
                    let name = (pod["metadata"] as? [String: Any])?["name"] as? String
                else { continue }
                let now = ContinuousClock.now
                let boundNow = (pod["spec"] as? [String: Any])?["nodeName"] as? String != nil
                let runningNow = (pod["status"] as? [String: Any])?["phase"] as? String == "Running"
                state.withLock { state in
                    if boundNow, state.bound[name] == nil { state.bound[name] = now }
                    if runningNow, state.running[name] == nil { state.running[name] = now }
                }
            }
        }
    }
}

extension API {
    /// A GET (or other request) whose JSON answer is returned.
    func json(_ method: HTTPMethod, _ path: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        let response = try await client.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 1 << 30)
        guard response.status == .ok else { throw BenchError("\(method) \(path): \(response.status.code)") }
        return (try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
    }
}

/// Writes one figure line to standard output at once (unbuffered), so every figure measured
/// reaches the log even when a later phase fails.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
