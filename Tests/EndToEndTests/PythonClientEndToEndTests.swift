import DaaSTestSupport
import Foundation
import Testing

/// The Python `kubernetes` client, a second real client, against daas-master.
@Suite("Python kubernetes client against daas-master", .blockingWaits)
struct PythonClientEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-python-\(UUID().uuidString)").path
    static let repository = repositoryRoot()

    /// Runs `Tests/Python/<script> KUBECONFIG <arguments>` against a fresh master and returns the
    /// lines it printed; a non-zero exit is recorded with its output.
    func check(_ script: String, _ arguments: [String]) throws -> [String] {
        let python = Self.repository.appendingPathComponent(".build-python/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/install-deps.sh (make test does) to install the client")
        var lines: [String] = []
        try withMaster(root: root) { master in
            let path = Self.repository.appendingPathComponent("Tests/Python/\(script)").path
            let result = try run(python, [path, master.kubeconfig] + arguments)
            #expect(result.status == 0, "\(result.output)\n\(result.error)")
            lines = result.output.split(separator: "\n").map(String.init)
        }
        return lines
    }

    @Test("creates, lists, watches, patches and deletes through its generated API")
    func generatedClient() throws {
        let lines = try check("kubernetes_client_check.py", [])
        #expect(lines == [
            "created settings True",
            "listed ['settings'] True",
            "patched green True",
            "watched [('MODIFIED', 'settings', 'green'), ('DELETED', 'settings', 'green')]",
            "read after delete 404 Not Found",
            "deployment web 2 1",
            "token 2 600 True",
            "evicted True",
            "hpa 1 60 4",
            "invalid hpa 422 Unprocessable Entity",
        ])
    }

    @Test("an informer (list at resourceVersion 0, watch with bookmarks, relist) against the watch cache")
    func informer() throws {
        let lines = try check("informer_check.py", [])
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
        let lines = try check("apply_check.py", [root])
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
        let lines = try check("custom_resource_check.py", [Self.repository.appendingPathComponent("Tests/EndToEndTests/Fixtures/crds/widgets.example.com.yaml").path])
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
