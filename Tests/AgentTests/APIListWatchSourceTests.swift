import DaaSTestSupport
import Foundation
import KubeInformers
import KubeTypes
import Logging
import Synchronization
import Testing

@testable import Agent

/// The node agent's informers are KubeInformers' `SharedInformer` over HTTPS: the same code the
/// master's controllers run over the registry, here against a started master.
@Suite("Informer over HTTPS")
struct APIListWatchSourceTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-informer-\(UUID().uuidString)").path

    @Test("lists, then delivers adds, updates (old and new) and deletes from the watch; a refused list is retried")
    func followsConfigMaps() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        func ok(_ arguments: [String]) throws -> String { try master.ok(arguments).trimmingCharacters(in: .whitespacesAndNewlines) }
        _ = try ok(["create", "serviceaccount", "watcher"])
        _ = try ok(["create", "configmap", "before", "--from-literal=k=1"])
        let token = try ok(["create", "token", "watcher"])
        let ca = try String(contentsOfFile: master.dataDir + "/pki/ca.crt", encoding: .utf8)
        let connection = try APIConnection(server: master.server, caCertificatePEM: ca, credentials: { token })
        let source = APIListWatchSource(connection: connection, path: "/api/v1/namespaces/default/configmaps")
        let informer = SharedInformer(source: source, logger: Logger(label: "test"))
        let events = Mutex<[String]>([])
        informer.addHandler { event in
            let name = event.object[path: ["metadata", "name"]]?.stringValue ?? "?"
            let line: String
            switch event {
            case .added: line = "added \(name)"
            case .updated(let old, let new): line = "updated \(name) \(old["data"]?["k"]?.stringValue ?? "-")->\(new["data"]?["k"]?.stringValue ?? "-")"
            case .deleted: line = "deleted \(name)"
            }
            events.withLock { $0.append(line) }
        }
        let running = Task { await informer.run() }
        defer { running.cancel() }
        func seen(_ line: String) async -> Bool {
            for _ in 0..<200 {
                if events.withLock({ $0.contains(line) }) { return true }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return false
        }
        // RBAC refuses the list at first: the informer keeps retrying until a binding allows it.
        try await Task.sleep(for: .milliseconds(300))
        #expect(!informer.hasSynced)
        _ = try ok(["create", "rolebinding", "watcher-view", "--clusterrole=view", "--serviceaccount=default:watcher"])
        #expect(await seen("added before"), "\(events.withLock { $0 })")
        #expect(informer.hasSynced)
        _ = try ok(["create", "configmap", "later", "--from-literal=k=1"])
        #expect(await seen("added later"))
        _ = try ok(["patch", "configmap", "later", "-p", #"{"data":{"k":"2"}}"#])
        #expect(await seen("updated later 1->2"), "\(events.withLock { $0 })")
        #expect(informer.get("default/later")?["data"]?["k"] == "2")
        _ = try ok(["delete", "configmap", "later"])
        #expect(await seen("deleted later"))
        #expect(informer.get("default/later") == nil && informer.get("default/before") != nil)
        await connection.shutdown()
    }
}
