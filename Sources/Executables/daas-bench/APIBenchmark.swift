import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// `daas-bench api`: the API server over HTTPS with keep-alive, against etcd on the same create load.
struct APIBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "ConfigMap creates (32 clients), GET latency, LIST of 10,000 pods, watch latency, RSS; etcd as the reference."
    )

    @Option(help: "Concurrent clients for the create load.") var clients = 32
    @Option(help: "ConfigMaps to create.") var creates = 6_400
    @Option(help: "GETs to time.") var gets = 2_000
    @Option(help: "Pods to create for the LIST and memory figures.") var pods = 10_000
    @Option(help: "List in pages of this many pods, as kubectl's --chunk-size (0: one response; large lists need pages).") var listChunkSize = 0
    @Option(help: "Watchers for the delivery-latency test.") var watchers = 100
    @Option(help: "Changes each watcher receives.") var watchEvents = 100
    @Option(help: "The daas-master executable (default: next to this one).") var master: String?
    @Option(help: "The etcd executable for the reference (Debian's etcd-server).") var etcd = "/usr/bin/etcd"
    @Option(help: "The master's store: lmdb (embedded) or etcd (a one-member etcd on loopback, beside the reference).") var store = "lmdb"

    func run() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-bench-api-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            try await measure(root: root)
        } catch {
            // What the servers said before it failed (their logs go with the temporary directory).
            for log in ["master.log", "store-etcd.log"] {
                let lines = ((try? String(contentsOfFile: root + "/" + log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(15)
                if !lines.isEmpty { FileHandle.standardError.write(Data("--- last lines of \(log):\n\(lines.joined(separator: "\n"))\n".utf8)) }
            }
            throw error
        }
    }

    private func measure(root: String) async throws {
        let executable = master ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("daas-master").path
        print("workload: \(clients) HTTPS keep-alive clients; \(creates) ConfigMap creates; \(gets) GETs; LIST of \(pods) pods; \(watchers) watchers x \(watchEvents) changes; cores: \(ProcessInfo.processInfo.activeProcessorCount)")
        print("server: \(executable) (durable encrypted store); reference: \(etcd) on loopback, puts of the same JSON through its v3 HTTP gateway")

        guard store == "lmdb" || store == "etcd" else { throw BenchError("--store must be lmdb or etcd") }
        print("store: \(store)\(store == "etcd" ? " (a one-member etcd on loopback, \(etcd); values sealed by the master)" : "")")
        var storeArguments: [String] = []
        var storeServer: BenchProcess?
        if store == "etcd" {
            let server = try BenchProcess(
                executable: etcd,
                arguments: ["--data-dir", root + "/store-etcd", "--listen-client-urls", "http://127.0.0.1:23890", "--advertise-client-urls", "http://127.0.0.1:23890",
                            "--listen-peer-urls", "http://127.0.0.1:23900", "--initial-advertise-peer-urls", "http://127.0.0.1:23900",
                            "--initial-cluster", "default=http://127.0.0.1:23900", "--name", "default"],
                logPath: root + "/store-etcd.log")
            _ = try server.waitFor("ready to serve client requests")
            storeServer = server
            storeArguments = ["--store", "etcd", "--etcd-endpoints", "http://127.0.0.1:23890"]
        }
        defer { storeServer?.stop() }
        let server = try BenchProcess(
            executable: executable, arguments: ["--data-dir", root + "/master", "--listen", "127.0.0.1:0", "--log-level", "warning"] + storeArguments,
            logPath: root + "/master.log")
        defer { server.stop() }
        let url = String(try server.waitFor("serving the Kubernetes API at").split(separator: " ").first { $0.hasPrefix("https://") } ?? "")
        let api = try ClusterBenchmark.adminClient(url: url, pki: root + "/master/pki/", connections: clients + watchers + 8)
        let client = api.client

        progress("creating the namespace")
        try await api.send(.POST, "/api/v1/namespaces", ["metadata": ["name": "bench"]])
        progress("creates")
        // Creates, 32 clients.
        let body: @Sendable (String) -> [String: Any] = { name in ["metadata": ["name": name, "labels": ["bench": "yes"]], "data": ["key": String(repeating: "v", count: 200)]] }
        let createSeconds = try await timed {
            try await concurrently(clients, creates) { index in try await api.send(.POST, "/api/v1/namespaces/bench/configmaps", body("cm-\(index)")) }
        }
        let createRate = Double(creates) / createSeconds

        progress("gets")
        var getLatencies: [Double] = []
        for index in 0..<gets {
            getLatencies.append(try await timed { try await api.send(.GET, "/api/v1/namespaces/bench/configmaps/cm-\(index % creates)") } * 1e3)
        }

        progress("pods")
        try await concurrently(clients, pods) { index in
            try await api.send(.POST, "/api/v1/namespaces/bench/pods", [
                "metadata": ["name": "pod-\(index)", "labels": ["app": "bench"]],
                "spec": ["containers": [["name": "c", "image": "nginx:1.27", "resources": ["requests": ["cpu": "100m", "memory": "128Mi"]]]]],
            ])
        }
        var listJSON: [Double] = []
        var listTable: [Double] = []
        for _ in 0..<5 {
            listJSON.append(try await timed { try await api.list("/api/v1/namespaces/bench/pods", chunk: listChunkSize) } * 1e3)
            listTable.append(try await timed {
                try await api.list("/api/v1/namespaces/bench/pods", chunk: listChunkSize, accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
            } * 1e3)
        }
        let rss = server.residentMiB

        progress("watch")
        let watchLatencies = try await watchLatency(api)
        try await client.shutdown()
        server.stop()

        print(String(format: "creates: %.0f ConfigMaps/s with %d clients (target >= 3000)", createRate, clients))
        print(String(format: "GET: p50 %.2f ms, p99 %.2f ms (target p99 < 5 ms)", percentile(getLatencies, 0.5), percentile(getLatencies, 0.99)))
        print(String(format: "LIST %d pods%@: %.0f ms as JSON, %.0f ms as Table (median of 5; target < 300 ms)", pods,
                     listChunkSize > 0 ? " in pages of \(listChunkSize)" : "", percentile(listJSON, 0.5), percentile(listTable, 0.5)))
        print(String(format: "watch delivery to %d watchers: p50 %.2f ms, p99 %.2f ms", watchers, percentile(watchLatencies, 0.5), percentile(watchLatencies, 0.99)))
        print(String(format: "master resident memory with %d pods and %d ConfigMaps: %.0f MiB (target < 300 MB)", pods, creates, rss))

        // The cost of metrics (on the embedded store): creates on fresh masters with and without
        // them, alternated.
        if store == "lmdb" {
            var withMetrics: [Double] = []
            var withoutMetrics: [Double] = []
            for round in 0..<2 {
                for enabled in [true, false] {
                    progress("creates \(enabled ? "with" : "without") metrics, round \(round + 1)")
                    let rate = try await measureCreates(executable: executable, root: root + "/metrics-\(round)-\(enabled)", metrics: enabled, body: body)
                    if enabled { withMetrics.append(rate) } else { withoutMetrics.append(rate) }
                }
            }
            let (on, off) = (withMetrics.max() ?? 0, withoutMetrics.max() ?? 0)
            print(String(format: "metrics overhead: creates %.0f/s with metrics, %.0f/s with --disable-metrics (best of 2 each); ratio %.3f, cost %.1f%% (target < 5%%)",
                         on, off, on / off, (1 - on / off) * 100))
        }

        guard FileManager.default.isExecutableFile(atPath: etcd) else {
            print("reference: \(etcd) is not installed (apt-get install etcd-server); no etcd ratio in this run")
            return
        }
        let etcdRate = try await etcdCreates(root: root, body: body)
        print(String(format: "etcd puts of the same JSON with %d clients: %.0f/s; creates ratio (ours/etcd) %.2f", clients, etcdRate, createRate / etcdRate))
    }

    /// Creates/s of `creates` ConfigMaps by `clients` clients against a fresh master.
    func measureCreates(executable: String, root: String, metrics: Bool, body: @escaping @Sendable (String) -> [String: Any]) async throws -> Double {
        let server = try BenchProcess(
            executable: executable,
            arguments: ["--data-dir", root, "--listen", "127.0.0.1:0", "--log-level", "warning", metrics ? "--enable-metrics" : "--disable-metrics"],
            logPath: root + ".log")
        defer { server.stop() }
        let url = String(try server.waitFor("serving the Kubernetes API at").split(separator: " ").first { $0.hasPrefix("https://") } ?? "")
        let api = try ClusterBenchmark.adminClient(url: url, pki: root + "/pki/", connections: clients + 8)
        try await api.send(.POST, "/api/v1/namespaces", ["metadata": ["name": "bench"]])
        let seconds = try await timed {
            try await concurrently(clients, creates) { index in try await api.send(.POST, "/api/v1/namespaces/bench/configmaps", body("cm-\(index)")) }
        }
        try await api.client.shutdown()
        return Double(creates) / seconds
    }

    /// Time from just before an update until each watcher holds the change.
    func watchLatency(_ api: API) async throws -> [Double] {
        try await api.send(.POST, "/api/v1/namespaces/bench/configmaps", ["metadata": ["name": "watched"], "data": ["t": "0"]])
        let sent = SendTimes(count: watchEvents)
        return try await withThrowingTaskGroup(of: [Double].self) { group in
            let ready = Counter()
            for _ in 0..<watchers {
                group.addTask {
                    var latencies: [Double] = []
                    // The server ends the watch after timeoutSeconds, which releases the connection.
                    let timeout = watchEvents / 20 + 8
                    var request = HTTPClientRequest(
                        url: api.base + "/api/v1/namespaces/bench/configmaps?watch=true&fieldSelector=metadata.name%3Dwatched&resourceVersion=0&timeoutSeconds=\(timeout)")
                    request.method = .GET
                    let response = try await api.client.execute(request, timeout: .seconds(300))
                    var pending = [UInt8]()
                    var first = true
                    await ready.increment()
                    for try await chunk in response.body {
                        pending += chunk.readableBytesView
                        while let newline = pending.firstIndex(of: 0x0A) {
                            let line = String(decoding: pending[..<newline], as: UTF8.self)
                            pending.removeSubrange(...newline)
                            if first {
                                first = false  // the ADDED event for the existing object
                                continue
                            }
                            guard let range = line.range(of: "\"t\":\""), let end = line[range.upperBound...].firstIndex(of: "\""),
                                let index = Int(line[range.upperBound..<end]), index > 0
                            else { continue }
                            let now = DispatchTime.now().uptimeNanoseconds
                            latencies.append(Double(now - (await sent.get(index - 1))) / 1e6)
                        }
                    }
                    return latencies
                }
            }
            while await ready.value < watchers { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(200))
            for index in 0..<watchEvents {
                await sent.set(index, DispatchTime.now().uptimeNanoseconds)
                try await api.send(.PATCH, "/api/v1/namespaces/bench/configmaps/watched", ["data": ["t": String(index + 1)]], contentType: "application/merge-patch+json")
                try await Task.sleep(for: .milliseconds(10))
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }
        }
    }

    /// The same create load against etcd: each client puts the same JSON under its own keys.
    func etcdCreates(root: String, body: @escaping @Sendable (String) -> [String: Any]) async throws -> Double {
        let etcdServer = try BenchProcess(
            executable: etcd,
            arguments: ["--data-dir", root + "/etcd", "--listen-client-urls", "http://127.0.0.1:23790", "--advertise-client-urls", "http://127.0.0.1:23790",
                        "--listen-peer-urls", "http://127.0.0.1:23800", "--initial-advertise-peer-urls", "http://127.0.0.1:23800",
                        "--initial-cluster", "default=http://127.0.0.1:23800", "--name", "default"],
            logPath: root + "/etcd.log")
        defer { etcdServer.stop() }
        _ = try etcdServer.waitFor("ready to serve client requests")
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }
        let seconds = try await timed {
            try await concurrently(clients, creates) { index in
                let key = Data("/registry/configmaps/bench/cm-\(index)".utf8).base64EncodedString()
                let value = try JSONSerialization.data(withJSONObject: body("cm-\(index)")).base64EncodedString()
                var request = HTTPClientRequest(url: "http://127.0.0.1:23790/v3/kv/put")
                request.method = .POST
                request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["key": key, "value": value])))
                let response = try await client.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1 << 20)
                guard response.status == .ok else { throw BenchError("etcd put failed: \(response.status)") }
            }
        }
        return Double(creates) / seconds
    }
}

/// Reports which phase the benchmark is in, on standard error.
func progress(_ phase: String) {
    FileHandle.standardError.write(Data("daas-bench: \(phase)\n".utf8))
}

/// A tiny HTTPS client for the API server.
struct API: Sendable {
    let client: HTTPClient
    let base: String

    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil, accept: String = "application/json", contentType: String = "application/json") async throws -> Int {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 256 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw BenchError("\(method) \(path): \(response.status.code) \(String(buffer: bytes).prefix(300))")
        }
        return bytes.readableBytes
    }
}

extension API {
    /// GETs a list, following `metadata.continue` through pages of `chunk` items (0: one response).
    func list(_ path: String, chunk: Int, accept: String = "application/json") async throws {
        guard chunk > 0 else {
            try await send(.GET, path, accept: accept)
            return
        }
        var token = ""
        repeat {
            var request = HTTPClientRequest(url: base + path + "?limit=\(chunk)" + (token.isEmpty ? "" : "&continue=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")))
            request.headers.add(name: "Accept", value: accept)
            let response = try await client.execute(request, timeout: .seconds(60))
            let bytes = try await response.body.collect(upTo: 256 << 20)
            guard response.status == .ok, let object = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any] else {
                throw BenchError("GET \(path): \(response.status.code) \(String(buffer: bytes).prefix(300))")
            }
            token = (object["metadata"] as? [String: Any])?["continue"] as? String ?? ""
        } while !token.isEmpty
    }
}

/// Runs `body(0..<count)` on `workers` concurrent tasks.
func concurrently(_ workers: Int, _ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<workers {
            group.addTask {
                for index in stride(from: worker, to: count, by: workers) { try await body(index) }
            }
        }
        try await group.waitForAll()
    }
}

/// Seconds `body` took.
func timed(_ body: () async throws -> Void) async throws -> Double {
    let start = ContinuousClock.now
    try await body()
    return seconds(ContinuousClock.now - start)
}

actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}
