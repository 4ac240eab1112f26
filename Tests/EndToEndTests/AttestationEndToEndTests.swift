import DaaSTestSupport
import Foundation
import Testing

/// The master attests itself; daasctl verifies that the attestation binds the TLS connection.
@Suite("daas-master attestation and daasctl attest verify --master", .blockingWaits)
struct AttestationEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-attest-\(UUID().uuidString)").path

    @Test("a fresh document binds the master's TLS key and CA; a wrong PCR or root is refused")
    func verifyMaster() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let server = master.server
        let measured = try runProduct("daasctl", ["attest", "measure", productsDirectory.appendingPathComponent("daas-master").path])
        let pcr0 = try #require(measured.output.split(separator: "\n").last?.split(separator: " ").last)
        let devRoot = master.dataDir + "/attest/root.pem"

        let verified = try runProduct("daasctl", ["attest", "verify", "--master", String(server), "--root", devRoot, "--pcr", "0=\(pcr0)"])
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.contains("TLS key and CA bound by the attestation") && verified.output.contains("module_id: daas-dev"))
        #expect(verified.output.contains("(matches expected)"))

        let wrongPCR = try runProduct("daasctl", ["attest", "verify", "--master", String(server), "--root", devRoot, "--pcr", "0=00ff"])
        #expect(wrongPCR.status != 0 && wrongPCR.error.contains("policy.pcr_mismatch"))
        let wrongRoot = try runProduct("daasctl", ["attest", "verify", "--master", String(server), "--pcr", "0=\(pcr0)"])
        #expect(wrongRoot.status != 0 && wrongRoot.error.contains("chain.untrusted_root"))

        // The AWS root alone would accept any enclave: PCR0 is required, before anything is fetched.
        let anyEnclave = try runProduct("daasctl", ["attest", "verify", "--master", String(server)])
        #expect(anyEnclave.status == 1 && anyEnclave.error.contains("master.pcr0_required") && anyEnclave.error.contains("--pcr 0="), "\(anyEnclave.error)")
        let keystore = root + "/pin.keystore"
        #expect(try runProduct("daasctl", ["key", "new", "--keystore", keystore]).status == 0)
        let noPCR = try runProduct("daasctl", ["kubeconfig", "--master", String(server), "--keystore", keystore, "--output", root + "/x.kubeconfig"])
        #expect(noPCR.status == 1 && noPCR.error.contains("master.pcr0_required"), "\(noPCR.error)")

        // Pins: the right cluster id and CA hash pass; another cluster id or CA hash is refused.
        let clusterID = try #require(verified.output.split(separator: "\n").first { $0.hasPrefix("master: ") }?.split(separator: " ")
            .drop { $0 != "id" }.dropFirst().first.map { String($0.dropLast()) })
        let caHash = try #require(verified.output.split(separator: "\n").first { $0.hasPrefix("master: ") }?.split(separator: " ").last.map(String.init))
        let pinned = try runProduct("daasctl", ["attest", "verify", "--master", String(server), "--root", devRoot, "--cluster-id", clusterID, "--ca-sha256", caHash])
        #expect(pinned.status == 0, "\(pinned.error)")
        let otherCluster = try runProduct("daasctl", ["attest", "verify", "--master", String(server), "--root", devRoot, "--cluster-id", "someone-else"])
        #expect(otherCluster.status == 1 && otherCluster.error.contains("master.cluster_mismatch"), "\(otherCluster.error)")
        let otherCA = try runProduct("daasctl", ["attest", "verify", "--master", String(server), "--root", devRoot, "--ca-sha256", String(repeating: "ab", count: 32)])
        #expect(otherCA.status == 1 && otherCA.error.contains("master.ca_mismatch"), "\(otherCA.error)")
        let badPin = try runProduct("daasctl", ["attest", "verify", "--master", String(server), "--root", devRoot, "--ca-sha256", "xyz"])
        #expect(badPin.status == 1 && badPin.error.contains("master.trust_invalid"), "\(badPin.error)")
        for file in ["attest/root.key", "attest/intermediate.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: master.dataDir + "/" + file)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600, "\(file)")
        }
    }

    /// Starts `Tests/Python/tls_impostor.py` with a fresh self-signed key; returns it and its port.
    func impostor(_ arguments: [String]) throws -> (ChildProcess, Int) {
        let key = root + "/impostor.key", cert = root + "/impostor.crt"
        let made = try run("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                            "-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", key, "-out", cert])
        #expect(made.status == 0, "\(made.error)")
        let script = repositoryRoot().appendingPathComponent("Tests/Python/tls_impostor.py").path
        let child = try ChildProcess("/usr/bin/env", ["python3", script, arguments[0], cert, key] + arguments.dropFirst(), outputPath: root + "/impostor-\(UUID().uuidString).out")
        var port = 0
        _ = eventually(10) {
            port = Int(child.output.split(separator: "\n").first ?? "") ?? 0
            return port > 0
        }
        if port == 0 { Issue.record("tls_impostor.py did not start: \(child.output)") }
        return (child, port)
    }

    @Test("a man in the middle with another TLS key, and a replayed document, are refused before any token is sent")
    func impostors() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let server = master.server
        let port = String(server.split(separator: ":").last!)
        let devRoot = master.dataDir + "/attest/root.pem"

        let (proxy, proxyPort) = try impostor(["proxy", "127.0.0.1", port])
        defer { proxy.kill() }
        let relayed = try runProduct("daasctl", ["attest", "verify", "--master", "https://127.0.0.1:\(proxyPort)", "--root", devRoot])
        #expect(relayed.status != 0)
        #expect(relayed.error.contains("is not the attested public_key (a man in the middle, or another server)"), "\(relayed.error)")
        let kubeconfig = root + "/mitm.kubeconfig"
        let keystore = root + "/k.keystore"
        #expect(try runProduct("daasctl", ["key", "new", "--keystore", keystore]).status == 0)
        let refused = try runProduct("daasctl", ["kubeconfig", "--master", "https://127.0.0.1:\(proxyPort)", "--root", devRoot, "--keystore", keystore, "--output", kubeconfig])
        #expect(refused.status != 0 && refused.error.contains("man in the middle"))
        #expect(!FileManager.default.fileExists(atPath: kubeconfig), "nothing is written for an impostor")

        // An old document, fetched once with another nonce, served again by someone else.
        let document = root + "/old.cbor"
        let fetched = try run("/usr/bin/env", ["curl", "-sf", "--cacert", master.dataDir + "/pki/ca.crt", "-o", document,
                                               "\(server)/daas/v1/attestation?nonce=" + String(repeating: "ab", count: 32)])
        #expect(fetched.status == 0)
        let (replay, replayPort) = try impostor(["replay", document])
        defer { replay.kill() }
        let replayed = try runProduct("daasctl", ["attest", "verify", "--master", "https://127.0.0.1:\(replayPort)", "--root", devRoot])
        #expect(replayed.status != 0 && replayed.error.contains("policy.nonce_mismatch"), "\(replayed.error)")
    }

    @Test("a hostile server's malformed HTTP answers end daasctl and daas-worker with one line, never a crash", arguments: [
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nxyz", "HTTP/1.1 200 OK\r\nContent-Length\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nab",
        "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nab", "\r\n\r\n", "HTTP/1.1\r\n\r\n", "HTTP/1.1 2\u{301}00 OK\r\n\r\n", "garbage without a header end",
        "HTTP/1.1 200 OK\r\n:\r\n::::\r\n\r\n\u{0}\u{ff}",
    ])
    func hostileAnswers(response: String) throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let file = root + "/response.bin"
        try Data(response.utf8).write(to: URL(fileURLWithPath: file))
        let keystore = root + "/k.keystore"
        #expect(try runProduct("daasctl", ["key", "new", "--keystore", keystore]).status == 0)
        let (server, port) = try impostor(["raw", file])
        defer { server.kill() }
        let trust = ["--master", "https://127.0.0.1:\(port)", "--pcr", "0=" + String(repeating: "00", count: 48)]
        let verified = try runProduct("daasctl", ["attest", "verify"] + trust, timeout: 60)
        #expect(verified.status == 1, "a clean refusal, not a signal: \(verified.status) \(verified.error)")
        #expect(verified.error.split(separator: "\n").count == 1 && verified.error.contains("master attestation refused"), "\(verified.error)")
        let worker = try runProduct("daas-worker", trust + ["--node-name", "w", "--keystore", keystore], timeout: 60)
        #expect(worker.status == 1 && worker.error.contains("master attestation refused"), "\(worker.status) \(worker.error)")
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
