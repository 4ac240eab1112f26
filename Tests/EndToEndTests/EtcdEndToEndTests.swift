import DaaSTestSupport
import Foundation
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
}
