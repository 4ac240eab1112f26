import DaaSTestSupport
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Full HTTP requests (request line, headers, query strings, bodies, content types) against a
/// started `daas-master` (the binary beside this one), over TLS, half the connections with the
/// admin client certificate (the authenticated surface) and half without (what anyone reaches).
/// Several connections run at once; a request the server cannot answer (an
/// incomplete body) within 100 ms ends its connection, as an impatient client would. At the end the master
/// must still answer `/healthz` and then stop cleanly on SIGTERM.
final class HTTPTarget: FuzzTarget, @unchecked Sendable {
    // `master`, `directory`, `host`, `port` and the TLS contexts are set once in start().
    let name = "http"
    let connections: Int
    private var master: ChildProcess?
    private var directory = ""
    private var host = "127.0.0.1"
    private var port = 0
    private var withCertificate: NIOSSLContext?
    private var anonymous: NIOSSLContext?
    /// Requests answered with a complete response, and connections opened.
    let answered = Counter()
    let connected = Counter()

    init(connections: Int = 64) { self.connections = connections }

    var maxInputSize: Int { 16 << 10 }

    var dictionary: [[UInt8]] {
        [
            "\r\n", "\r\n\r\n", ": ", "Content-Length: ", "Transfer-Encoding: chunked\r\n", "Content-Type: application/json\r\n",
            "Content-Type: application/yaml\r\n", "Content-Type: application/vnd.kubernetes.protobuf\r\n", "Content-Type: application/strategic-merge-patch+json\r\n",
            "Authorization: Bearer seal.v1.", "Accept: application/json;as=Table;v=v1;g=meta.k8s.io\r\n", "Impersonate-User: ", "Impersonate-Group: ",
            "?watch=true", "&dryRun=All", "&fieldSelector=metadata.name%3D", "&labelSelector=", "&limit=", "&continue=", "&resourceVersion=",
            "&resourceVersionMatch=Exact", "&timeoutSeconds=", "&sendInitialEvents=true", "%2F", "%00", "/..", "/api/v1/namespaces/", "/apis/apps/v1/",
            "/status", "/scale", "/binding", "/daas/v1/attestation?nonce=", "Expect: 100-continue\r\n", "Connection: close\r\n", "0\r\n\r\n",
        ].map(\.bytes)
    }

    func seeds() throws -> [[UInt8]] {
        func request(_ method: String, _ path: String, _ body: String? = nil, type: String = "application/json", extra: String = "") -> [UInt8] {
            var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: daas-fuzz\r\n\(extra)"
            if let body { text += "Content-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)" } else { text += "\r\n" }
            return text.bytes
        }
        let configMap = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fuzz","labels":{"a":"b"}},"data":{"k":"v"}}"#
        let pod = #"{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"p-"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"busybox","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]}}"#
        let service = #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"},"spec":{"type":"NodePort","ports":[{"port":80,"targetPort":"http"}]}}"#
        var seeds = [
            request("GET", "/api/v1/namespaces"), request("GET", "/api/v1/namespaces/default/configmaps?limit=1&labelSelector=a%3Db"),
            request("GET", "/apis/apps/v1/deployments?watch=true&timeoutSeconds=1&allowWatchBookmarks=true"),
            request("GET", "/api/v1/pods", extra: "Accept: application/json;as=Table;v=v1;g=meta.k8s.io\r\n"),
            request("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", configMap),
            request("POST", "/api/v1/namespaces/default/configmaps?dryRun=All&fieldManager=fuzz", configMap),
            request("POST", "/api/v1/namespaces/default/pods", pod), request("POST", "/api/v1/namespaces/default/services", service),
            request("PUT", "/api/v1/namespaces/default/configmaps/fuzz", configMap),
            request("PATCH", "/api/v1/namespaces/default/configmaps/fuzz", #"{"data":{"k":null,"x":"y"}}"#, type: "application/merge-patch+json"),
            request("PATCH", "/api/v1/namespaces/default/configmaps/fuzz", #"{"metadata":{"$patch":"replace"},"data":{"$retainKeys":["k"]}}"#, type: "application/strategic-merge-patch+json"),
            request("DELETE", "/api/v1/namespaces/default/configmaps/fuzz", #"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background","dryRun":["All"]}"#),
            request("DELETE", "/api/v1/namespaces/default/configmaps?dryRun=All&labelSelector=a"),
            request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", #"{"spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}"#),
            request("POST", "/api/v1/namespaces/default/configmaps", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\ndata: {a: &x b, c: *x}\n", type: "application/yaml"),
            request("GET", "/daas/v1/attestation?nonce=" + String(repeating: "ab", count: 32)), request("GET", "/openapi/v3/api/v1"), request("GET", "/version"),
            request("GET", "/api/v1/namespaces", extra: "Authorization: Bearer seal.v1.eyJkb20iOiJrM3MtZGFhcy9zZWFsL3YxIn0.AA\r\n"),
            request("GET", "/api/v1/namespaces", extra: "Impersonate-User: bob\r\nImpersonate-Group: devs\r\n"),
            "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\(String(configMap.utf8.count, radix: 16))\r\n\(configMap)\r\n0\r\n\r\n".bytes,
        ]
        seeds += Seeds.protobuf().map { body in
            "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.kubernetes.protobuf\r\nContent-Length: \(body.count)\r\n\r\n".bytes + body
        }
        return seeds
    }

    func start() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("daas-fuzz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("daas-master").path
        let log = directory + "/master.log"
        // posix_spawn, not Foundation's Process (whose run() can crash the parent on Linux).
        let process = try ChildProcess(executable, ["--data-dir", directory + "/data", "--listen", "127.0.0.1:0", "--log-level", "critical"], outputPath: log)
        master = process
        CrashRecorder.childToKill = process.pid
        do {
            try await connectToMaster(log: log, executable: executable)
        } catch {
            process.signal(SIGTERM)
            process.wait(timeout: 30)
            throw error
        }
    }

    /// Waits for the master's ready line, then prepares the TLS contexts.
    private func connectToMaster(log: String, executable: String) async throws {
        guard let process = master else { return }
        let deadline = Date() + 60
        while Date() < deadline, process.isRunning {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("daas-master: serving the Kubernetes API at https://") }),
                let url = line.split(separator: " ").first(where: { $0.hasPrefix("https://") }), let colon = url.lastIndex(of: ":"),
                let port = Int(url[url.index(after: colon)...])
            {
                self.port = port
                break
            }
            usleep(50_000)
        }
        guard port > 0 else { throw Failure(description: "daas-master did not start (\(executable)); see \(log)") }
        let pki = directory + "/data/pki/"
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(pki + "ca.crt")
        tls.certificateVerification = .noHostnameVerification
        anonymous = try NIOSSLContext(configuration: tls)
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(pki + "admin.crt").map { .certificate($0) }
        let key = try String(contentsOfFile: pki + "admin.key", encoding: .utf8)
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
        withCertificate = try NIOSSLContext(configuration: tls)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func run(_ input: [UInt8]) async {}

    /// Runs `connections` workers, each with its own mutator stream, until the budget is spent.
    func drive(mutator: Mutator, budget: FuzzBudget) async -> Int {
        let sent = Counter()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<connections {
                var own = mutator
                own.random = SplitMix64(seed: mutator.random.state &+ UInt64(worker) &* 0x9E37_79B9_7F4A_7C15)
                let start = own
                group.addTask { await self.worker(index: worker, mutator: start, budget: budget, sent: sent) }
            }
        }
        return sent.value.load(ordering: .relaxed)
    }

    /// A count shared by the workers.
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private func worker(index: Int, mutator: Mutator, budget: FuzzBudget, sent: Counter) async {
        var mutator = mutator
        var useCertificate = index % 2 == 0
        var failures = 0
        while budget.allows(sent.value.load(ordering: .relaxed)), master?.isRunning == true {
            useCertificate.toggle()
            guard let context = useCertificate ? withCertificate : anonymous else { return }
            do {
                let channel = try await connect(context)
                connected.value.add(1, ordering: .relaxed)
                failures = 0
                try await channel.executeThenClose { inbound, outbound in
                    var iterator = inbound.makeAsyncIterator()
                    var pending: [UInt8] = []
                    while budget.allows(sent.value.load(ordering: .relaxed)) {
                        let input = mutator.next()
                        CrashRecorder.record(input)
                        sent.value.add(1, ordering: .relaxed)
                        try await outbound.write(ByteBuffer(bytes: input))
                        let head = input.starts(with: "HEAD".bytes)
                        while true {
                            if let length = HTTPResponseSplitter.completeLength(pending, head: head) {
                                pending.removeFirst(length)
                                answered.value.add(1, ordering: .relaxed)
                                break
                            }
                            guard let chunk = try await iterator.next() else { return }  // closed: reconnect
                            pending += chunk.readableBytesView
                            if pending.count > 4 << 20 { return }
                        }
                    }
                }
            } catch {
                failures += 1
                if failures > 50 { return }  // the server is gone; finish() reports it
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    private func connect(_ context: NIOSSLContext) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .milliseconds(100)))
                    try channel.pipeline.syncOperations.addHandler(CloseOnIdle())
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// The master must still answer and must stop cleanly.
    func finish() async -> String? {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard let master else { return "daas-master never started" }
        CrashRecorder.childToKill = 0
        guard master.isRunning else {
            let status = master.wait(timeout: 1).map { String($0) } ?? "?"
            return "daas-master died (\(master.endedBySignal ? "signal" : "status") \(status)): \(master.output.suffix(2000))"
        }
        let health = try? await healthz()
        master.signal(SIGTERM)
        // wait(timeout:) kills a child still running at the deadline.
        guard let status = master.wait(timeout: 30) else { return "daas-master did not stop within 30 s of SIGTERM" }
        guard health == true else { return "daas-master no longer answered /healthz" }
        guard status == 0, !master.endedBySignal else { return "daas-master exited \(status) on SIGTERM" }
        return nil
    }

    private func healthz() async throws -> Bool {
        guard let context = anonymous else { return false }
        let channel = try await connect(context)
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
            var bytes: [UInt8] = []
            for try await chunk in inbound { bytes += chunk.readableBytesView }
            return String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200")
        }
    }

    /// Closes a connection that received nothing for the read timeout.
    final class CloseOnIdle: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
        }
    }
}

/// Finds where the first complete HTTP/1.1 response ends in received bytes: its head, then a
/// Content-Length body, a chunked body, or none (HEAD, 1xx, 204, 304).
enum HTTPResponseSplitter {
    static func completeLength(_ bytes: [UInt8], head: Bool) -> Int? {
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }) else {
            return nil
        }
        let headText = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        let lines = headText.split(separator: "\r\n")
        let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        let bodyStart = end + 4
        if (100..<200).contains(status) { return bodyStart }
        if head || status == 204 || status == 304 { return bodyStart }
        if lines.contains(where: { $0.hasPrefix("transfer-encoding:") && $0.contains("chunked") }) {
            var index = bodyStart
            while true {
                guard let lineEnd = (index..<max(index, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { return nil }
                let size = Int(String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? "", radix: 16) ?? 0
                index = lineEnd + 2
                if size == 0 { return bytes.count >= index + 2 ? index + 2 : nil }
                let (next, overflow) = index.addingReportingOverflow(size)
                guard !overflow, next + 2 <= bytes.count else { return nil }
                index = next + 2
            }
        }
        let length = lines.first(where: { $0.hasPrefix("content-length:") }).flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return bytes.count >= bodyStart + length ? bodyStart + length : nil
    }
}
