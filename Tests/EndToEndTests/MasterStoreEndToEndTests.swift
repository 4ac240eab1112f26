import DaaSTestSupport
import Foundation
import Testing

/// Drives the built executables the way an operator does.
@Suite("daas-master and daasctl store, end to end", .blockingWaits)
struct MasterStoreEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-e2e-\(UUID().uuidString)").path
    var dataDir: String { root + "/data" }

    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
    }

    @Test("first start creates the encrypted store, certificates and kubeconfig with private files 0600")
    func firstStart() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: dataDir)
        #expect(master.kubeconfig == dataDir + "/admin.kubeconfig")
        for file in ["store.key", "pki/ca.key", "pki/server.key", "pki/admin.key", "admin.kubeconfig", "store/data.mdb"] {
            #expect(try mode(dataDir + "/" + file) == 0o600, "\(file)")
        }
        #expect(try mode(dataDir + "/store") == 0o700)
        #expect(try mode(dataDir + "/sui-dev-ledger.secret") == 0o600)
        #expect(master.child.output.contains("development mode: not for production"), "the dev attester and dev ledger are announced")
        #expect(master.stop() == 0, "SIGTERM stops the master cleanly")
    }

    @Test("data survives a restart, and daasctl store rotate-key re-seals it while the master is stopped")
    func restartAndRotate() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        var master = try MasterProcess.start(dataDir: dataDir)
        #expect(try master.kubectl(["create", "configmap", "keep", "--from-literal=k=v"]).status == 0)
        master.stop()

        let before = try runProduct("daasctl", ["store", "status", "--data-dir", dataDir])
        #expect(before.status == 0 && before.output.contains("active data key:"))
        let rotated = try runProduct("daasctl", ["store", "rotate-key", "--data-dir", dataDir])
        #expect(rotated.status == 0, "\(rotated.error)")
        let after = try runProduct("daasctl", ["store", "status", "--data-dir", dataDir])
        let keyLine = { (text: String) in text.split(separator: "\n").first { $0.hasPrefix("active data key:") } }
        #expect(keyLine(after.output) != nil && keyLine(after.output) != keyLine(before.output))

        master = try MasterProcess.start(dataDir: dataDir)
        let value = try master.kubectl(["get", "configmap", "keep", "-o", "jsonpath={.data.k}"])
        #expect(value.output == "v", "\(value.error)")
        master.stop()
    }

    @Test("a second master or daasctl store on a running master's data directory is refused in one line naming both")
    func exclusiveDataDirectory() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: dataDir)
        let kubeconfig = try String(contentsOfFile: master.kubeconfig, encoding: .utf8)
        let second = try runProduct("daas-master", ["--data-dir", dataDir, "--listen", "127.0.0.1:0"], timeout: 60)
        #expect(second.status == 1)
        let lines = second.error.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(dataDir) && lines[0].contains("pid \(master.child.pid)") && lines[0].contains("daas-master"), "\(second.error)")
        #expect(try String(contentsOfFile: master.kubeconfig, encoding: .utf8) == kubeconfig, "the running master's kubeconfig is untouched")
        for command in [["store", "status"], ["store", "rotate-key"]] {
            let refused = try runProduct("daasctl", command + ["--data-dir", dataDir], timeout: 60)
            #expect(refused.status == 1 && refused.error.contains("in use by another process (pid \(master.child.pid)"), "\(refused.error)")
        }
        #expect(try master.kubectl(["get", "namespaces"]).status == 0, "the first master keeps serving")
        #expect(master.stop() == 0)
        #expect(try runProduct("daasctl", ["store", "status", "--data-dir", dataDir]).status == 0, "the lock ends with its holder")
    }

    @Test("a wrong key file stops the master with a one-line error")
    func wrongKey() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try MasterProcess.start(dataDir: dataDir).stop()
        let otherKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        try (otherKey + "\n").write(toFile: dataDir + "/store.key", atomically: true, encoding: .utf8)
        chmod(dataDir + "/store.key", 0o600)
        let result = try runProduct("daas-master", ["--data-dir", dataDir, "--listen", "127.0.0.1:0"])
        #expect(result.status != 0)
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: cannot open the store: the store at"))
        #expect(result.error.contains("is sealed with key"))
    }
}
