import DaaSTestSupport
import Foundation
import Testing

/// Drives the built executables the way an operator does.
@Suite("daas-master and daasctl store, end to end")
struct MasterStoreEndToEndTests {
    let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("daas-e2e-\(UUID().uuidString)").path

    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
    }

    @Test("first start creates an encrypted store and a 0600 key file, and says what is not built")
    func firstStart() throws {
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let result = try runProduct("daas-master", ["--data-dir", dataDir])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("encrypted store ready at \(dataDir)/store (revision 1, 0 keys"))
        #expect(result.output.contains("API server is not built yet"))
        #expect(try mode(dataDir + "/store.key") == 0o600)
        #expect(try mode(dataDir + "/store/data.mdb") == 0o600)
        #expect(try mode(dataDir + "/store") == 0o700)
    }

    @Test("daasctl store rotate-key replaces the data key, and the master opens with the new one")
    func rotateKey() throws {
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        #expect(try runProduct("daas-master", ["--data-dir", dataDir]).status == 0)
        let before = try runProduct("daasctl", ["store", "status", "--data-dir", dataDir])
        #expect(before.status == 0 && before.output.contains("revision: 1\nkeys: 0\n"))
        let rotated = try runProduct("daasctl", ["store", "rotate-key", "--data-dir", dataDir])
        #expect(rotated.status == 0, "\(rotated.error)")
        let after = try runProduct("daasctl", ["store", "status", "--data-dir", dataDir])
        let keyLine = { (text: String) in text.split(separator: "\n").first { $0.hasPrefix("active data key:") } }
        #expect(keyLine(after.output) != nil && keyLine(after.output) != keyLine(before.output))
        #expect(rotated.output.contains(String(keyLine(after.output)?.split(separator: " ").last ?? "none")))
        #expect(try runProduct("daas-master", ["--data-dir", dataDir]).status == 0)
        #expect(try mode(dataDir + "/store.key") == 0o600)
    }

    @Test("a wrong key file stops the master with a one-line error")
    func wrongKey() throws {
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        #expect(try runProduct("daas-master", ["--data-dir", dataDir]).status == 0)
        let otherKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        try (otherKey + "\n").write(toFile: dataDir + "/store.key", atomically: true, encoding: .utf8)
        chmod(dataDir + "/store.key", 0o600)
        let result = try runProduct("daas-master", ["--data-dir", dataDir])
        #expect(result.status != 0)
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: cannot open the store: the store at"))
        #expect(result.error.contains("is sealed with key"))
    }

    @Test("daas-worker says plainly that it is not built yet")
    func workerNotBuilt() throws {
        let result = try runProduct("daas-worker", [])
        #expect(result.status != 0)
        #expect(result.error == "Error: the node agent is not built yet (README status table)\n")
    }
}
