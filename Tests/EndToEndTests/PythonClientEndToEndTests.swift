import DaaSTestSupport
import Foundation
import Testing

/// The Python `kubernetes` client, a second real client, against daas-master.
@Suite("Python kubernetes client against daas-master")
struct PythonClientEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-python-\(UUID().uuidString)").path
    static let repository = repositoryRoot()

    @Test("creates, lists, watches, patches and deletes through its generated API")
    func generatedClient() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let python = Self.repository.appendingPathComponent(".build-python/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/install-deps.sh (make test does) to install the client")
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let script = Self.repository.appendingPathComponent("Tests/Python/kubernetes_client_check.py").path
        let result = try run(python, [script, master.kubeconfig])
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines == [
            "created settings True",
            "listed ['settings'] True",
            "patched green True",
            "watched [('MODIFIED', 'settings', 'green'), ('DELETED', 'settings', 'green')]",
            "read after delete 404 Not Found",
            "deployment web 2 1",
            "token 2 600 True",
            "evicted True",
        ])
    }

    @Test("an informer (list at resourceVersion 0, watch with bookmarks, relist) against the watch cache")
    func informer() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let python = Self.repository.appendingPathComponent(".build-python/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/install-deps.sh (make test does) to install the client")
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let script = Self.repository.appendingPathComponent("Tests/Python/informer_check.py").path
        let result = try run(python, [script, master.kubeconfig])
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines == [
            "listed from the cache ['cm0', 'cm1', 'cm2'] True",
            "watched [('MODIFIED', 'cm0'), ('DELETED', 'cm1'), ('ADDED', 'cm3')]",
            "store ['cm0', 'cm2', 'cm3'] 1",
            "relisted ['cm0', 'cm2', 'cm3'] 1",
            "resumed [('DELETED', 'cm2')]",
        ])
    }

    @Test("server-side apply (create_from_yaml apply=True, the dynamic client, conflicts, force) and a JSON patch body")
    func apply() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let python = Self.repository.appendingPathComponent(".build-python/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/install-deps.sh (make test does) to install the client")
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let script = Self.repository.appendingPathComponent("Tests/Python/apply_check.py").path
        let result = try run(python, [script, master.kubeconfig, root])
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines == [
            "applied ['settings', 'web']",
            "managers [('python-client', 'Apply')]",
            "apply status 201 200",
            "conflict 409 Conflict Apply failed with 1 conflict: conflict with \"python-client\": .data.color ['.data.color']",
            "forced red",
            "json patch {'color': 'green', 'shape': 'round'}",
            "test op 422",
            "no manager 422 PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
        ])
    }

    @Test("a CRD from create_from_yaml, then its custom resources through the dynamic client")
    func customResources() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let python = Self.repository.appendingPathComponent(".build-python/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/install-deps.sh (make test does) to install the client")
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let script = Self.repository.appendingPathComponent("Tests/Python/custom_resource_check.py").path
        let crd = Self.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures/crds/widgets.example.com.yaml").path
        let result = try run(python, [script, master.kubeconfig, crd])
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines == [
            "established Widget ['v1']",
            "created py large 1",
            "listed ['py']",
            "patched green",
            "status 4",
            "invalid 422",
            "remaining []",
        ])
    }
}
