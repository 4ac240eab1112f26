import DaaSTestSupport
import Foundation
import Testing

/// `/metrics`, `/livez` and `/readyz` of daas-master, as kubectl and Prometheus read them.
@Suite("Metrics and health checks")
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
                "watchers True",
                "store True True True True",
            ], "\(parsed.output)")
            // Only who may read /metrics does (system:monitoring, cluster-admin).
            let denied = try master.kubectl(["get", "--raw", "/metrics", "--as=someone"])
            #expect(denied.status == 1 && denied.error.contains("Forbidden"), "\(denied.error)")
            #expect(try master.kubectl(["get", "--raw", "/metrics", "--as=prometheus", "--as-group=system:monitoring"]).status == 0)
        }
    }

    @Test("/livez and /readyz answer as kube-apiserver: ok, ?verbose, ?exclude, one check by path")
    func health() throws {
        try withMaster(root: root) { (master: MasterProcess) throws in
            #expect(try master.ok(["get", "--raw", "/livez"]) == "ok")
            #expect(try master.ok(["get", "--raw", "/livez?verbose"]) == "[+]ping ok\n[+]log ok\n[+]etcd ok\nlivez check passed\n")
            #expect(eventually(30) { ((try? master.ok(["get", "--raw", "/readyz"])) ?? "") == "ok" })
            #expect(try master.ok(["get", "--raw", "/readyz?verbose"]) == "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]informer-sync ok\n[+]shutdown ok\nreadyz check passed\n")
            #expect(try master.ok(["get", "--raw", "/readyz?verbose&exclude=etcd"]).contains("[+]etcd excluded: ok\n"))
            #expect(try master.ok(["get", "--raw", "/readyz/informer-sync"]) == "ok")
            #expect(try master.kubectl(["get", "--raw", "/livez/informer-sync"]).status == 1)
            #expect(try master.ok(["get", "--raw", "/healthz"]) == "ok")
        }
    }
}
