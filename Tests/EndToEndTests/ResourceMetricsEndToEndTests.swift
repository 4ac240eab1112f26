import DaaSTestSupport
import Foundation
import Testing

/// `metrics.k8s.io` from node agents' usage reports: `kubectl top` unchanged against simulated
/// nodes (whose pods use what their annotations say), the Python client, and the report endpoint's
/// refusals.
@Suite("Resource metrics and kubectl top", .blockingWaits)
struct ResourceMetricsEndToEndTests {
    static let repository = repositoryRoot()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-top-\(UUID().uuidString)").path

    /// The rows of kubectl's table output, split on runs of spaces, without the header.
    static func rows(_ output: String) -> [[String]] {
        output.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
    }

    @Test("kubectl top nodes and top pods (by name, --containers, -A, -l) show the simulated usage; metrics.k8s.io is in discovery; missing metrics are 404")
    func top() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let cluster = try SimulatedCluster.start(root: root, nodes: 2, extra: ["--stats-interval", "1"])
        defer { cluster.stop() }
        // Before any pod: the nodes' own usage (50m, 256Mi each).
        #expect(eventually(60) { Self.rows((try? cluster.kubectl(["top", "nodes"]))?.output ?? "").count == 2 })
        let nodes = try cluster.ok(["top", "nodes"])
        #expect(nodes.split(separator: "\n").first?.split(separator: " ") == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"], "\(nodes)")
        for row in Self.rows(nodes) {
            #expect(row.count == 5 && row[0].hasPrefix("sim-") && row[1] == "50m" && row[3] == "256Mi", "\(row) \(nodes)")
            // 50m of 4 cores; 256Mi of 8Gi.
            #expect(row[2] == "1%" && row[4] == "3%", "\(nodes)")
        }

        let manifest = try writeFile("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: busy}
            spec:
              replicas: 2
              selector: {matchLabels: {app: busy}}
              template:
                metadata:
                  labels: {app: busy}
                  annotations: {daas.io/simulated-cpu: 250m, daas.io/simulated-memory: 64Mi}
                spec:
                  containers:
                  - {name: main, image: nginx, resources: {requests: {cpu: 100m, memory: 32Mi}}}
                  - {name: side, image: nginx}
            """, in: root, named: "busy.yaml")
        _ = try cluster.ok(["apply", "-f", manifest])
        _ = try cluster.ok(["create", "namespace", "other"])
        let idle = try writeFile("""
            apiVersion: v1
            kind: Pod
            metadata: {name: idle, namespace: other}
            spec:
              containers:
              - {name: main, image: nginx, resources: {requests: {cpu: 20m, memory: 16Mi}}}
            """, in: root, named: "idle.yaml")
        _ = try cluster.ok(["apply", "-f", idle])
        #expect(eventually(60) { Self.rows((try? cluster.kubectl(["top", "pods", "-l", "app=busy"]))?.output ?? "").count == 2 })
        let pods = Self.rows(try cluster.ok(["top", "pods", "-l", "app=busy"]))
        // Two containers at 250m and 64Mi each.
        #expect(pods.allSatisfy { $0.count == 3 && $0[0].hasPrefix("busy-") && $0[1] == "500m" && $0[2] == "128Mi" }, "\(pods)")
        let containers = Self.rows(try cluster.ok(["top", "pods", "-l", "app=busy", "--containers"]))
        #expect(containers.count == 4 && containers.allSatisfy { $0.count == 4 && $0[2] == "250m" && $0[3] == "64Mi" }, "\(containers)")
        #expect(Set(containers.map { $0[1] }) == ["main", "side"])
        let podName = try #require(pods.first?.first)
        #expect(Self.rows(try cluster.ok(["top", "pod", podName])).first?.first == podName)
        // Every namespace, the idle pod at its requests.
        #expect(eventually(60) {
            Self.rows((try? cluster.kubectl(["top", "pods", "-A"]))?.output ?? "").contains { $0 == ["other", "idle", "20m", "16Mi"] }
        })
        // A node's usage now includes its pods' (so it is above its own 50m).
        let busiest = Self.rows(try cluster.ok(["top", "nodes", "--sort-by=cpu"])).first ?? []
        #expect(busiest.count == 5 && (Int(busiest[1].dropLast()) ?? 0) > 50, "\(busiest)")

        // The API itself: discovery, the list object, and 404 for a pod without metrics.
        #expect(try cluster.ok(["api-versions"]).split(separator: "\n").contains("metrics.k8s.io/v1beta1"))
        let list = try cluster.ok(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [String: Any])
        #expect(object["kind"] as? String == "PodMetricsList")
        let first = try #require((object["items"] as? [[String: Any]])?.first)
        #expect(first["window"] as? String != nil && first["timestamp"] as? String != nil)
        _ = try cluster.ok(["create", "configmap", "no-pod"])
        let missing = try cluster.kubectl(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nothing-here"])
        #expect(missing.status != 0 && missing.error.contains(#"pods "nothing-here" not found"#), "\(missing.error)")
        let noMetrics = try cluster.kubectl(["top", "pod", "idle", "-n", "default"])
        #expect(noMetrics.status != 0 && noMetrics.error.contains("not found"), "\(noMetrics.error)")
    }

    @Test("only a node may report usage, only its own, in the Summary API shape")
    func reportRefusals() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try withMaster(root: root) { master in
            let ca = master.dataDir + "/pki/ca.crt"
            func identity(_ user: String, group: String) throws -> (cert: String, key: String) {
                let config = root + "/\(user.replacingOccurrences(of: ":", with: "-")).kubeconfig"
                #expect(try runProduct("daasctl", ["pki", "user", user, "--group", group, "--data-dir", master.dataDir, "--server", master.server, "-o", config]).status == 0)
                let text = try String(contentsOfFile: config, encoding: .utf8)
                func field(_ name: String) -> String {
                    let line = text.split(separator: "\n").first { $0.contains(name + ":") } ?? ""
                    return String(decoding: Data(base64Encoded: String(line.split(separator: " ").last ?? "")) ?? Data(), as: UTF8.self)
                }
                // No ':' in the names: curl reads "file:passphrase".
                let base = user.replacingOccurrences(of: ":", with: "-")
                let cert = try writeFile(field("client-certificate-data"), in: root, named: base + ".crt")
                let key = try writeFile(field("client-key-data"), in: root, named: base + ".key")
                return (cert, key)
            }
            func post(_ body: String, as who: (cert: String, key: String)) throws -> String {
                let result = try run("/usr/bin/curl", [
                    "-sS", "--max-time", "20", "-o", root + "/answer", "-w", "%{http_code}", "--cacert", ca, "--cert", who.cert, "--key", who.key,
                    "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body, master.server + "/daas/v1/stats/summary",
                ], timeout: 30)
                return result.output + result.error
            }
            let now = ISO8601DateFormatter().string(from: Date())
            func summary(_ node: String) -> String {
                #"{"node":{"nodeName":"\#(node)","cpu":{"time":"\#(now)","usageCoreNanoSeconds":1000},"memory":{"time":"\#(now)","workingSetBytes":2048}},"pods":[]}"#
            }
            let node = try identity("system:node:n1", group: "system:nodes")
            let user = try identity("alice", group: "devs")
            let accepted = try post(summary("n1"), as: node)
            #expect(accepted == "204", "\(accepted) \((try? String(contentsOfFile: root + "/answer", encoding: .utf8)) ?? "")")
            #expect(try post(summary("n2"), as: node) == "403", "another node's usage")
            #expect(try post(summary("n1"), as: user) == "403", "not a node")
            #expect(try post(#"{"node":{"nodeName":"n1","cpu":{"usageCoreNanoSeconds":-5}}}"#, as: node) == "400")
            #expect(try post(String(repeating: "[", count: 10_000), as: node) == "400")
            #expect(try post("not json", as: node) == "400")
        }
    }
}
