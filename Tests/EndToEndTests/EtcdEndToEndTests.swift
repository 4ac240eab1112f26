import DaaSTestSupport
import Foundation
import Logging
import SuiClient
import SuiDevLedger
import Synchronization
import Testing

/// daas-master on etcd (`--store etcd`): masters sharing one etcd, values sealed before they
/// reach it.
@Suite("Masters on etcd", .blockingWaits)
struct EtcdEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-etcd-\(UUID().uuidString)").path

    @Test("two masters on one etcd: what is written through one is read and watched through the other; etcd holds only sealed values")
    func twoMasters() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let etcd = try EtcdProcess()
        defer { etcd.stop() }
        try etcd.waitUntilHealthy()
        // Both masters seal with the same data key; leader election keeps one set of controllers.
        let shared = ["--store", "etcd", "--etcd-endpoints", etcd.clientURL, "--key-file", root + "/store.key", "--leader-elect", "true"]
        let first = try MasterProcess.start(dataDir: root + "/a", arguments: shared)
        defer { first.stop() }
        let second = try MasterProcess.start(dataDir: root + "/b", arguments: shared)
        defer { second.stop() }

        // One cluster identity: the second master adopted the first's id and CA from etcd, so the
        // first's admin kubeconfig and service-account tokens work against the second.
        let ids = try ["a", "b"].map { try String(contentsOfFile: root + "/\($0)/cluster-id", encoding: .utf8) }
        #expect(ids[0] == ids[1] && !ids[0].isEmpty)
        #expect(try first.ok(["--server", second.server, "get", "namespace", "default", "-o", "name"]) == "namespace/default\n")
        let token = try first.ok(["create", "token", "default"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let whoami = try run("/usr/bin/env", [
            "kubectl", "--kubeconfig", "/dev/null", "--server", second.server, "--certificate-authority", root + "/b/pki/ca.crt", "--token", token,
            "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}",
        ])
        #expect(whoami.output == "system:serviceaccount:default:default", "\(whoami.error)")

        let watcher = try second.startKubectl(["get", "configmaps", "--watch", "-o", "name"])
        defer { watcher.kill() }
        _ = try first.ok(["create", "configmap", "shared", "--from-literal=password=hunter2-\(UUID().uuidString.prefix(8))"])
        #expect(try second.ok(["get", "configmap", "shared", "-o", "jsonpath={.data.password}"]).hasPrefix("hunter2-"))
        #expect(eventually(30) { watcher.output.contains("configmap/shared") }, "\(watcher.output)")
        _ = try second.ok(["label", "configmap", "shared", "from=second"])
        #expect(try first.ok(["get", "configmap", "shared", "-o", "jsonpath={.metadata.labels.from}"]) == "second")

        // A workload through one master is run by whichever holds the controller lease.
        _ = try first.ok(["create", "deployment", "web", "--image=nginx", "--replicas=2"])
        #expect(eventually(60) { ((try? second.ok(["get", "pods", "-l", "app=web", "-o", "name"])) ?? "").split(separator: "\n").count == 2 })

        // What etcd holds: keys under /daas/ in clear, values sealed (the JSON gateway answers base64).
        let range = try run("/usr/bin/curl", [
            "-s", "--max-time", "10", "-X", "POST", etcd.clientURL + "/v3/kv/range",
            "-d", #"{"key":"\#(Data("/daas/".utf8).base64EncodedString())","range_end":"\#(Data("/daas0".utf8).base64EncodedString())"}"#,
        ], timeout: 20)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(range.output.utf8)) as? [String: Any], "\(range.output.prefix(500))")
        let kvs = answer["kvs"] as? [[String: Any]] ?? []
        let keys = kvs.compactMap { ($0["key"] as? String).flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } }
        let values = kvs.compactMap { ($0["value"] as? String).flatMap { Data(base64Encoded: $0) } }
        #expect(keys.contains { $0.hasPrefix("/daas/") && $0.contains("configmaps") && $0.hasSuffix("/shared") }, "\(keys.prefix(20))")
        #expect(!values.isEmpty && values.allSatisfy { value in value.first == 1 && value.range(of: Data("hunter2".utf8)) == nil && value.range(of: Data("\"kind\"".utf8)) == nil })

        // The status view names the backend and etcd's database size.
        let status = try runProduct("daasctl", ["status", "--kubeconfig", second.kubeconfig])
        #expect(status.output.split(separator: "\n").contains { $0.hasPrefix("STORE        etcd, revision ") && $0.hasSuffix(" on disk") && !$0.contains("unknown") },
                "\(status.output) \(status.error)")

        // A master that cannot reach etcd says so in one line and exits.
        let refused = try runProduct("daas-master", ["--data-dir", root + "/c", "--listen", "127.0.0.1:0", "--store", "etcd", "--etcd-endpoints", "http://127.0.0.1:1"], timeout: 60)
        #expect(refused.status != 0 && refused.error.contains("cannot use etcd at http://127.0.0.1:1"), "\(refused.output) \(refused.error)")
    }

    @Test("a master on etcd over TLS with a client certificate; without the certificate it is refused in one line")
    func tlsEtcd() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let etcd = try EtcdProcess.withTLS()
        defer { etcd.stop() }
        try etcd.waitUntilHealthy()
        let tls = try #require(etcd.tls)
        let master = try MasterProcess.start(dataDir: root + "/t", arguments: [
            "--store", "etcd", "--etcd-endpoints", etcd.clientURL, "--etcd-cafile", tls.ca, "--etcd-certfile", tls.clientCertificate,
            "--etcd-keyfile", tls.clientKey,
        ])
        defer { master.stop() }
        _ = try master.ok(["create", "configmap", "over-tls", "--from-literal=k=v"])
        #expect(try master.ok(["get", "configmap", "over-tls", "-o", "jsonpath={.data.k}"]) == "v")
        let refused = try runProduct("daas-master", [
            "--data-dir", root + "/u", "--listen", "127.0.0.1:0", "--store", "etcd", "--etcd-endpoints", etcd.clientURL, "--etcd-cafile", tls.ca,
        ], timeout: 60)
        // Logs go to standard error too; the reason is its last line.
        let reason = refused.error.split(separator: "\n").last ?? ""
        #expect(refused.status != 0 && reason.contains("cannot use etcd at \(etcd.clientURL)") && reason.contains("client certificate"), "\(refused.error)")
    }

    @Test("daasctl store migrate copies a stopped LMDB master into etcd: objects, cluster id and CA carry over; a second copy is refused")
    func migrate() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dataDir = root + "/m"
        let before = try MasterProcess.start(dataDir: dataDir)
        _ = try before.ok(["create", "configmap", "kept", "--from-literal=k=v"])
        _ = try before.ok(["create", "secret", "generic", "hidden", "--from-literal=password=hunter2"])
        let clusterID = try String(contentsOfFile: dataDir + "/cluster-id", encoding: .utf8)
        let oldKubeconfig = try String(contentsOfFile: before.kubeconfig, encoding: .utf8)
        #expect(before.stop() == 0)

        let etcd = try EtcdProcess()
        defer { etcd.stop() }
        try etcd.waitUntilHealthy()
        let target = "etcd://" + etcd.clientURL.dropFirst("http://".count)
        let copied = try runProduct("daasctl", ["store", "migrate", "--data-dir", dataDir, "--to", target], timeout: 120)
        #expect(copied.status == 0 && copied.output.hasPrefix("copied "), "\(copied.output) \(copied.error)")
        let again = try runProduct("daasctl", ["store", "migrate", "--data-dir", dataDir, "--to", target], timeout: 120)
        #expect(again.status != 0 && again.error.contains("etcd already holds"), "\(again.output) \(again.error)")

        let after = try MasterProcess.start(dataDir: dataDir, arguments: ["--store", "etcd", "--etcd-endpoints", etcd.clientURL])
        defer { after.stop() }
        #expect(try after.ok(["get", "configmap", "kept", "-o", "jsonpath={.data.k}"]) == "v")
        #expect(try after.ok(["get", "secret", "hidden", "-o", "jsonpath={.data.password}"]) == Data("hunter2".utf8).base64EncodedString())
        #expect(try String(contentsOfFile: dataDir + "/cluster-id", encoding: .utf8) == clusterID)
        // A kubeconfig issued before the move still works: same CA, same cluster.
        let old = root + "/old.kubeconfig"
        try oldKubeconfig.write(toFile: old, atomically: true, encoding: .utf8)
        let reused = try run("/usr/bin/env", ["kubectl", "--kubeconfig", old, "--server", after.server, "get", "configmap", "kept", "-o", "name"])
        #expect(reused.output == "configmap/kept\n", "\(reused.error)")
    }

    @Test("kill -9 of the leader master under load: the other takes the leases and runs the controllers; the worker and kubectl move over through the load balancer; every acknowledged write survives")
    func leaderFailover() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/b", withIntermediateDirectories: true)
        let etcd = try EtcdProcess()
        defer { etcd.stop() }
        try etcd.waitUntilHealthy()
        // One Sui ledger both masters read (a master's own dev ledger would die with it).
        let secretFile = root + "/ledger.secret"
        var quiet = Logger(label: "ledger")
        quiet.logLevel = .critical
        let server = SuiDevLedgerServer(
            ledger: try SuiDevLedger(stateFile: nil, logger: quiet),
            configuration: .init(host: "127.0.0.1", port: 0, adminSecret: try SuiDevLedgerSecret.loadOrCreate(path: secretFile)),
            logger: quiet, onListening: { port in try? "http://127.0.0.1:\(port)".write(toFile: secretFile + ".url", atomically: true, encoding: .utf8) })
        let ledgerTask = Task { try await server.run() }
        defer { ledgerTask.cancel() }
        var ledger = ""
        #expect(eventually(30) {
            ledger = (try? String(contentsOfFile: secretFile + ".url", encoding: .utf8)) ?? ""
            return !ledger.isEmpty
        })

        let lease = ["--leader-elect-lease-duration", "4", "--leader-elect-renew-deadline", "3", "--leader-elect-retry-period", "1"]
        let shared = ["--store", "etcd", "--etcd-endpoints", etcd.clientURL, "--key-file", root + "/store.key", "--leader-elect", "true", "--sui-rpc", ledger] + lease
        let first = try MasterProcess.start(dataDir: root + "/a", arguments: shared)
        defer { first.child.kill() }
        func holder(_ master: MasterProcess) -> String {
            (try? master.ok(["get", "lease", "-n", "kube-system", "kube-controller-manager", "-o", "jsonpath={.spec.holderIdentity}"], timeout: 20)) ?? ""
        }
        var leader = ""
        #expect(eventually(60) {
            leader = holder(first)
            return !leader.isEmpty
        }, "the first master takes the controller lease")
        // Dev attestation: both masters sign with one dev root (as Nitro masters share AWS's root).
        try FileManager.default.copyItem(atPath: root + "/a/attest", toPath: root + "/b/attest")
        let second = try MasterProcess.start(dataDir: root + "/b", arguments: shared)
        defer { second.stop() }

        // kubectl through `daasctl lb`, the worker through its own balancer over both masters.
        let balancer = try ChildProcess(
            productsDirectory.appendingPathComponent("daasctl").path,
            ["lb", "--master", first.server, "--master", second.server, "--listen", "127.0.0.1:0"], outputPath: root + "/lb.log")
        defer { balancer.kill() }
        var balanced = ""
        #expect(eventually(30) {
            balanced = balancer.output.split(separator: "\n").first { $0.hasPrefix("daasctl: load balancer at ") }
                .flatMap { $0.split(separator: " ").dropFirst(4).first }.map(String.init) ?? ""
            return !balanced.isEmpty
        }, "\(balancer.output)")
        let kubeconfig = root + "/lb.kubeconfig"
        try (try String(contentsOfFile: first.kubeconfig, encoding: .utf8)).replacingOccurrences(of: first.server, with: balanced)
            .write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        @Sendable func kubectl(_ arguments: [String]) throws -> CommandResult { try run("/usr/bin/env", ["kubectl", "--kubeconfig", kubeconfig] + arguments, timeout: 60) }
        let keystore = root + "/node.keystore"
        _ = try stakedKeystore(keystore, ledger: ledger, secretFile: secretFile)
        let worker = try ChildProcess(
            productsDirectory.appendingPathComponent("daas-worker").path,
            ["--master", first.server, "--master", second.server, "--root", root + "/a/attest/root.pem", "--keystore", keystore, "--node-name", "ha",
             "--simulate", "2", "--heartbeat-interval", "1", "--stats-interval", "1"],
            outputPath: root + "/worker.log")
        defer {
            worker.signal(SIGTERM)
            _ = worker.wait(timeout: 30)
        }
        #expect(eventually(90) { ((try? kubectl(["get", "nodes", "--no-headers"]))?.output ?? "").split(separator: "\n").filter { $0.contains(" Ready ") }.count == 2 },
                "\(worker.output.suffix(2000))")
        // The worker reports its usage to one master; both serve it (shared through etcd).
        for master in [first, second] {
            #expect(eventually(60) { ((try? master.kubectl(["top", "nodes", "--no-headers"]))?.output ?? "").split(separator: "\n").count == 2 },
                    "kubectl top nodes through \(master.server)")
        }
        #expect(try kubectl(["create", "deployment", "web", "--image=nginx", "--replicas=2"]).status == 0)
        func running() -> Int {
            ((try? kubectl(["get", "pods", "-l", "app=web", "--field-selector", "status.phase=Running", "--no-headers"]))?.output ?? "")
                .split(separator: "\n").count
        }
        #expect(eventually(90) { running() == 2 })

        // Load: creates through the balancer until told to stop; every acknowledged name is kept.
        let load = LoadRecorder()
        let writer = Thread {
            var index = 0
            while !load.stopped {
                index += 1
                let name = "load-\(index)"
                if let result = try? kubectl(["create", "configmap", name]), result.status == 0 { load.acknowledged(name) } else { load.failed() }
            }
            load.finish()
        }
        writer.start()
        #expect(eventually(60) { load.count >= 5 })
        first.child.signal(SIGKILL)
        let killed = Date()

        // The standby takes the controller lease (within about one lease duration) and runs them.
        var takeover = 0.0
        #expect(eventually(60) {
            let now = holder(second)
            takeover = Date().timeIntervalSince(killed)
            return !now.isEmpty && now != leader
        }, "the second master takes the controller lease")
        print("leader failover: the second master held the controller lease \(String(format: "%.1f", takeover)) s after kill -9 (lease duration 4 s)")
        #expect(eventually(60) { (try? kubectl(["scale", "deployment", "web", "--replicas=4"]))?.status == 0 })
        #expect(eventually(90) { running() == 4 }, "controllers and scheduler on the second master")
        // The worker's nodes keep heartbeating through their balancer.
        #expect(eventually(60) {
            let renewed = (try? second.ok(["get", "lease", "-n", "kube-node-lease", "ha-0", "-o", "jsonpath={.spec.renewTime}"])) ?? ""
            return (try? Date(renewed, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
                .map { $0 > killed + 2 } ?? false
        })
        #expect(eventually(60) { load.countAfter(killed) >= 3 }, "writes go on through the balancer")

        load.stop()
        #expect(load.waitFinished(timeout: 120))
        let stored = Set(try second.ok(["get", "configmaps", "-o", "name"]).split(separator: "\n").map { String($0.dropFirst("configmap/".count)) })
        let missing = load.names.filter { !stored.contains($0) }
        print("leader failover: \(load.count) creates acknowledged (\(load.countAfter(killed)) after the kill), \(load.failures) refused or cut off; \(missing.count) acknowledged but missing")
        #expect(missing.isEmpty, "\(missing)")
    }
}

/// What a load thread recorded: the names whose create was acknowledged, and when.
private final class LoadRecorder: Sendable {
    private let state = Mutex<(names: [String], times: [Date], failures: Int, stop: Bool, finished: Bool)>(([], [], 0, false, false))
    var stopped: Bool { state.withLock { $0.stop } }
    var count: Int { state.withLock { $0.names.count } }
    var failures: Int { state.withLock { $0.failures } }
    var names: [String] { state.withLock { $0.names } }
    func countAfter(_ date: Date) -> Int { state.withLock { $0.times.filter { $0 > date }.count } }
    func acknowledged(_ name: String) { state.withLock { $0.names.append(name); $0.times.append(Date()) } }
    func failed() { state.withLock { $0.failures += 1 } }
    func stop() { state.withLock { $0.stop = true } }
    func finish() { state.withLock { $0.finished = true } }
    func waitFinished(timeout: Double) -> Bool { eventually(timeout) { state.withLock { $0.finished } } }
}
