import DaaSTestSupport
import Foundation
import Testing

/// `/metrics`, `/livez` and `/readyz` of daas-master, as kubectl and Prometheus read them.
@Suite("Metrics and health checks", .blockingWaits)
struct ObservabilityEndToEndTests {
    static let repository = repositoryRoot()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-observability-\(UUID().uuidString)").path

    @Test("/metrics counts kubectl's requests with kube-apiserver's names and labels, in text Prometheus parses; RBAC guards it")
    func metrics() throws {
        let python = Self.repository.appendingPathComponent(".build-python/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/install-deps.sh (make test does) to install the client")
        try withMaster(root: root) { (master: MasterProcess) throws in
            _ = try master.ok(["create", "configmap", "a", "--from-literal=k=v"])
            _ = try master.ok(["create", "configmap", "b", "--from-literal=k=v"])
            _ = try master.ok(["get", "configmaps"])
            #expect(try master.kubectl(["get", "configmap", "missing"]).status == 1)
            let manifest = try writeFile("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n", in: root, named: "c.yaml")
            _ = try master.ok(["apply", "--server-side", "-f", manifest])
            // Work for the controllers and the scheduler (no nodes: the pods are unschedulable),
            // an attestation document, and a Seal token the master refuses.
            _ = try master.ok(["create", "deployment", "web", "--image=nginx", "--replicas=2"])
            _ = try master.ok(["get", "--raw", "/daas/v1/attestation?nonce=00112233445566778899"])
            let refused = try master.kubectl([
                "--kubeconfig=/dev/null", "--server=\(master.server)", "--certificate-authority=\(master.dataDir)/pki/ca.crt",
                "--token=seal.v1.bm90LWpzb24.AAAA", "get", "--raw", "/api",
            ])
            #expect(refused.status == 1 && refused.error.contains("Unauthorized"), "\(refused.error)")
            // One open watch, counted per kind.
            let watcher = try master.startKubectl(["get", "configmaps", "--watch"])
            defer { watcher.kill() }
            #expect(eventually(30) {
                let text = (try? master.ok(["get", "--raw", "/metrics"])) ?? ""
                return text.contains("scheduler_schedule_attempts_total{")
                    && text.contains(#"apiserver_registered_watchers{group="",version="v1",kind="ConfigMap"} 1.0"#)
            })
            let text = try master.ok(["get", "--raw", "/metrics"])
            #expect(text.contains("# TYPE apiserver_request_total counter"))
            let scraped = try writeFile(text, in: root, named: "metrics.txt")
            let parsed = try run(python, [Self.repository.appendingPathComponent("Tests/Python/metrics_check.py").path, scraped])
            #expect(parsed.status == 0, "\(parsed.error)")
            #expect(parsed.output.split(separator: "\n").map(String.init) == [
                "types counter histogram",
                "created configmaps True",
                "listed configmaps True",
                "got missing True",
                "applied True",
                "durations True True",
                "stored configmaps True",
                "inflight ['mutating', 'readOnly']",
                "watchers 1.0",
                "store True True True True",
                "workqueue True True True",
                "scheduler True True ['active', 'backoff', 'gated', 'unschedulable']",
                "attestation True True",
                "seal True True",
                "process True True",
            ], "\(parsed.output)")
            // Only who may read /metrics does (system:monitoring, cluster-admin).
            let denied = try master.kubectl(["get", "--raw", "/metrics", "--as=someone"])
            #expect(denied.status == 1 && denied.error.contains("Forbidden"), "\(denied.error)")
            #expect(try master.kubectl(["get", "--raw", "/metrics", "--as=prometheus", "--as-group=system:monitoring"]).status == 0)
        }
    }

    @Test("--disable-metrics: /metrics is 404 (the no-op backend records nothing); the status document is still served")
    func disabledMetrics() throws {
        try withMaster(root: root, arguments: ["--disable-metrics"]) { (master: MasterProcess) throws in
            let scraped = try master.kubectl(["get", "--raw", "/metrics"])
            #expect(scraped.status == 1 && scraped.error.contains("NotFound"), "\(scraped.error)")
            #expect(try master.ok(["get", "--raw", "/daas/v1/status"]).contains("\"kind\":\"MasterStatus\""))
        }
    }

    @Test("/livez and /readyz answer as kube-apiserver: ok, ?verbose, ?exclude, one check by path")
    func health() throws {
        try withMaster(root: root) { (master: MasterProcess) throws in
            #expect(try master.ok(["get", "--raw", "/livez"]) == "ok")
            #expect(try master.ok(["get", "--raw", "/livez?verbose"]) == "[+]ping ok\n[+]log ok\n[+]etcd ok\nlivez check passed\n")
            #expect(eventually(30) { ((try? master.ok(["get", "--raw", "/readyz"])) ?? "") == "ok" })
            #expect(eventually(30) {
                ((try? master.ok(["get", "--raw", "/readyz?verbose"])) ?? "")
                    == "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]informer-sync ok\n[+]scheduler ok\n[+]sui-reader ok\n[+]attestation ok\n[+]shutdown ok\nreadyz check passed\n"
            })
            #expect(try master.ok(["get", "--raw", "/readyz/sui-reader"]) == "ok")
            #expect(try master.ok(["get", "--raw", "/readyz/attestation"]) == "ok")
            #expect(try master.ok(["get", "--raw", "/readyz?verbose&exclude=etcd"]).contains("[+]etcd excluded: ok\n"))
            #expect(try master.ok(["get", "--raw", "/readyz/informer-sync"]) == "ok")
            #expect(try master.kubectl(["get", "--raw", "/livez/informer-sync"]).status == 1)
            #expect(try master.ok(["get", "--raw", "/healthz"]) == "ok")
        }
    }

    @Test("daasctl status: the master, nodes with their stake, pods by phase, Seal and recent warnings on one screen; --watch redraws; refusals")
    func status() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try SimulatedCluster.start(root: root, nodes: 2)
        defer { cluster.stop() }
        let master = cluster.master
        try cluster.ok(["create", "deployment", "web", "--image=nginx", "--replicas=3"])
        #expect(try cluster.ok(["rollout", "status", "deployment/web", "--timeout=60s"]).contains("successfully rolled out"))
        // A pod no node fits: a FailedScheduling warning, and one pod Pending.
        try cluster.ok(["run", "nowhere", "--image=nginx", "--overrides={\"spec\":{\"nodeSelector\":{\"disk\":\"none\"}}}"])
        #expect(eventually(30) { ((try? cluster.ok(["get", "events", "--field-selector", "reason=FailedScheduling", "-o", "name"])) ?? "").contains("nowhere") })
        // The stake recorder annotates each node with its address's stake (10 SUI).
        #expect(eventually(30) { ((try? cluster.ok(["get", "nodes", "-o", "jsonpath={.items[*].metadata.annotations.daas\\.io/stake-mist}"])) ?? "") == "10000000000 10000000000" })

        let shown = try runProduct("daasctl", ["status", "--kubeconfig", master.kubeconfig])
        #expect(shown.status == 0, "\(shown.error)")
        let lines = shown.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("MASTER       \(master.server)  daas ") == true, "\(shown.output)")
        // The PCR0 shown is the one the master's documents carry: a verification pinning it passes.
        let pcr0 = lines.first { $0.hasPrefix("ATTESTATION  dev  PCR0 ") }.map { String($0.dropFirst("ATTESTATION  dev  PCR0 ".count)) } ?? ""
        #expect(pcr0.utf8.count == 96, "\(shown.output)")
        let pinned = try runProduct("daasctl", ["attest", "verify", "--master", master.server, "--root", master.dataDir + "/attest/root.pem", "--pcr", "0=" + pcr0])
        #expect(pinned.status == 0, "\(pinned.output) \(pinned.error)")
        #expect(lines.contains { $0.hasPrefix("UPTIME       ") && $0.contains("(since 20") }, "\(shown.output)")
        #expect(lines.contains { $0.hasPrefix("STORE        lmdb, revision ") && $0.hasSuffix(" on disk") && !$0.contains("unknown") }, "\(shown.output)")
        #expect(lines.contains("NODES        2 (2 ready)"), "\(shown.output)")
        for node in ["sim-0", "sim-1"] {
            let row = lines.first { $0.hasPrefix("  \(node) ") }?.split(separator: " ").map(String.init) ?? []
            #expect(row.count == 5 && row[1] == "True" && row[3].hasPrefix("0x") && row[4] == "10", "\(shown.output)")
        }
        let podsPerNode = lines.filter { $0.hasPrefix("  sim-") }.compactMap { Int($0.split(separator: " ")[2]) }.reduce(0, +)
        #expect(podsPerNode == 3, "\(shown.output)")
        #expect(lines.contains("PODS         4: 1 Pending, 3 Running"), "\(shown.output)")
        #expect(lines.contains { $0.hasPrefix("SEAL         1 active address(es) (0 user, 1 node); revoked: 0 token(s), 0 address(es)") }, "\(shown.output)")
        #expect(lines.contains("             minimum stake: user 1 SUI, node 10 SUI"), "\(shown.output)")
        #expect(lines.contains { $0.contains("default/pod/nowhere") && $0.contains("FailedScheduling") }, "\(shown.output)")

        // --watch redraws until interrupted.
        let watching = try ChildProcess(productsDirectory.appendingPathComponent("daasctl").path, ["status", "--kubeconfig", master.kubeconfig, "--watch", "--interval", "1"])
        #expect(eventually(30) { watching.output.components(separatedBy: "MASTER       ").count >= 3 }, "\(watching.output)")
        watching.signal(SIGINT)
        #expect(watching.wait(timeout: 10) != nil)

        // Refusals: one line and a non-zero exit.
        let missing = try runProduct("daasctl", ["status", "--kubeconfig", root + "/missing"])
        #expect(missing.status == 1 && missing.error.hasPrefix("Error: cannot read") && missing.error.split(separator: "\n").count == 1, "\(missing.error)")
        let interval = try runProduct("daasctl", ["status", "--kubeconfig", master.kubeconfig, "--watch", "--interval", "0"])
        #expect(interval.status != 0 && interval.error.contains("--interval must be between 1 and 3600"), "\(interval.error)")
        try cluster.ok(["create", "serviceaccount", "viewer"])
        try cluster.ok(["create", "clusterrolebinding", "viewer", "--clusterrole=view", "--serviceaccount=default:viewer"])
        let token = try cluster.ok(["create", "token", "viewer"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let viewerConfig = root + "/viewer.kubeconfig"
        let ca = try Data(contentsOf: URL(fileURLWithPath: master.dataDir + "/pki/ca.crt")).base64EncodedString()
        _ = try writeFile("""
            apiVersion: v1
            kind: Config
            current-context: v
            clusters: [{name: c, cluster: {server: "\(master.server)", certificate-authority-data: \(ca)}}]
            users: [{name: u, user: {token: \(token)}}]
            contexts: [{name: v, context: {cluster: c, user: u}}]
            """, in: root, named: "viewer.kubeconfig")
        let forbidden = try runProduct("daasctl", ["status", "--kubeconfig", viewerConfig])
        #expect(forbidden.status == 1 && forbidden.error.contains("GET /daas/v1/status: the API server answered 403"), "\(forbidden.error)")
    }
}
