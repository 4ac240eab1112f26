import DaaSTestSupport
import Foundation
import Testing

/// daas-worker joins only an attested master, with a node Seal token, and keeps its Lease fresh.
@Suite("daas-worker join", .blockingWaits)
struct WorkerEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-worker-\(UUID().uuidString)").path

    /// Starts daas-worker with `arguments`; its output goes to the child's file.
    func startWorker(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(productsDirectory.appendingPathComponent("daas-worker").path, arguments, outputPath: root + "/worker-\(UUID().uuidString).log")
    }

    @Test("an attested join registers the Node (NotReady: no pods yet) and renews its Lease; SIGTERM stops it cleanly")
    func join() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let keystore = root + "/worker.keystore"
        let address = try master.stakedKeystore(keystore)
        let measured = try runProduct("daasctl", ["attest", "measure", productsDirectory.appendingPathComponent("daas-master").path])
        let pcr0 = try #require(measured.output.split(separator: "\n").last?.split(separator: " ").last)
        let common = ["--master", master.server, "--root", master.dataDir + "/attest/root.pem", "--keystore", keystore]

        let worker = try startWorker(common + ["--node-name", "worker-a", "--pcr", "0=\(pcr0)", "--heartbeat-interval", "1"])
        let registered = try eventually(30) {
            try master.kubectl(["get", "node", "worker-a", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}"]).output == "ContainerRuntimeNotReady"
        }
        #expect(registered, "\(worker.output)")
        let nodes = try master.kubectl(["get", "nodes"])
        #expect(nodes.output.contains("worker-a") && nodes.output.contains("NotReady") && nodes.output.contains("v1.32.0-daas"))
        func renewTime() throws -> String {
            try master.kubectl(["get", "lease", "worker-a", "-n", "kube-node-lease", "-o", "jsonpath={.spec.renewTime}"]).output
        }
        let first = try renewTime()
        #expect(!first.isEmpty)
        #expect(try eventually(15) { try renewTime() != first }, "the Lease is renewed")
        #expect(try master.kubectl(["get", "lease", "worker-a", "-n", "kube-node-lease", "-o", "jsonpath={.metadata.ownerReferences[0].kind}"]).output == "Node")
        #expect(try master.kubectl(["get", "node", "worker-a", "-o", "jsonpath={.metadata.annotations.daas\\.io/sui-address}"]).output == address)

        // Another staked key cannot take over the name: the Node is bound to the first address.
        let impostorKeystore = root + "/impostor.keystore"
        _ = try master.stakedKeystore(impostorKeystore)
        let impostor = try runProduct(
            "daas-worker", ["--master", master.server, "--root", master.dataDir + "/attest/root.pem", "--keystore", impostorKeystore, "--node-name", "worker-a", "--pcr", "0=\(pcr0)"],
            timeout: 60)
        #expect(impostor.status != 0 && impostor.error.contains("403"), "\(impostor.error)")
        #expect(try master.kubectl(["get", "node", "worker-a", "-o", "jsonpath={.metadata.annotations.daas\\.io/sui-address}"]).output == address)

        worker.signal(SIGTERM)
        #expect(worker.wait(timeout: 30) == 0, "\(worker.output)")
    }

    @Test("SIGTERM stops a worker simulating 300 nodes within seconds, in the middle of its 10 s heartbeat sleep")
    func promptShutdown() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let keystore = root + "/worker.keystore"
        _ = try master.stakedKeystore(keystore)
        let worker = try startWorker(["--master", master.server, "--root", master.dataDir + "/attest/root.pem", "--keystore", keystore, "--node-name", "many", "--simulate", "300"])
        #expect(try eventually(60) { try master.kubectl(["get", "nodes", "--no-headers"]).output.split(separator: "\n").count == 300 }, "\(worker.output.suffix(2000))")
        // Before: 300 agents stopped one after another, each at the end of its 10 s sleep.
        worker.signal(SIGTERM)
        #expect(worker.wait(timeout: 30) == 0, "\(worker.output.suffix(2000))")
    }

    @Test("a wrong PCR0, another root or an unstaked key: the worker stops with one clear line and registers nothing")
    func refused() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let keystore = root + "/worker.keystore"
        #expect(try runProduct("daasctl", ["key", "new", "--keystore", keystore]).status == 0)
        let common = ["--master", master.server, "--keystore", keystore, "--node-name", "worker-b"]

        let wrongPCR = try runProduct("daas-worker", common + ["--root", master.dataDir + "/attest/root.pem", "--pcr", "0=00ff"])
        #expect(wrongPCR.status != 0 && wrongPCR.error.contains("master attestation refused: policy.pcr_mismatch"), "\(wrongPCR.error)")
        let wrongRoot = try runProduct("daas-worker", common + ["--pcr", "0=00ff"])
        #expect(wrongRoot.status != 0 && wrongRoot.error.contains("chain.untrusted_root"), "\(wrongRoot.error)")
        let anyEnclave = try runProduct("daas-worker", common)
        #expect(anyEnclave.status == 1 && anyEnclave.error.contains("master.pcr0_required"), "\(anyEnclave.error)")
        let unstaked = try runProduct("daas-worker", common + ["--root", master.dataDir + "/attest/root.pem"])
        #expect(unstaked.status != 0 && unstaked.error.contains("register node: the API server answered 401"), "\(unstaked.error)")
        #expect(try master.kubectl(["get", "node", "worker-b"]).error.contains("NotFound"))
    }
}
