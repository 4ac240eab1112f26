import DaaSTestSupport
import Foundation
import Testing

/// The master attests itself; daasctl verifies that the attestation binds the TLS connection.
@Suite("daas-master attestation and daasctl attest verify --master")
struct AttestationEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-attest-\(UUID().uuidString)").path

    @Test("a fresh document binds the master's TLS key and CA; a wrong PCR or root is refused")
    func verifyMaster() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let server = try String(contentsOfFile: master.kubeconfig, encoding: .utf8).split(separator: "\n")
            .first { $0.contains("server:") }!.split(separator: " ").last!
        let measured = try runProduct("daasctl", ["attest", "measure", productsDirectory.appendingPathComponent("daas-master").path])
        let pcr0 = try #require(measured.output.split(separator: "\n").last?.split(separator: " ").last)
        let devRoot = master.dataDir + "/attest/root.pem"

        let verified = try runProduct("daasctl", ["attest", "verify", "--master", String(server), "--root", devRoot, "--pcr", "0=\(pcr0)"])
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.contains("TLS key and CA bound by the attestation") && verified.output.contains("module_id: daas-dev"))
        #expect(verified.output.contains("(matches expected)"))

        let wrongPCR = try runProduct("daasctl", ["attest", "verify", "--master", String(server), "--root", devRoot, "--pcr", "0=00ff"])
        #expect(wrongPCR.status != 0 && wrongPCR.error.contains("policy.pcr_mismatch"))
        let wrongRoot = try runProduct("daasctl", ["attest", "verify", "--master", String(server)])
        #expect(wrongRoot.status != 0 && wrongRoot.error.contains("chain.untrusted_root"))
        for file in ["attest/root.key", "attest/intermediate.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: master.dataDir + "/" + file)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600, "\(file)")
        }
    }

    @Test("without --attestation nitro hardware the master stops with a clear message")
    func nitroMissing() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try runProduct("daas-master", ["--data-dir", root + "/data", "--listen", "127.0.0.1:0", "--attestation", "nitro"])
        #expect(result.status != 0)
        let line = result.error.split(separator: "\n").last ?? ""
        #expect(line.hasPrefix("Error: cannot start nitro attestation: nsm.device_unavailable") && line.contains("/dev/nsm"), "\(result.error)")
    }
}
