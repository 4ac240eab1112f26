public import Foundation
import Testing

/// A master and a `daas-worker --simulate N` process whose nodes (`sim-0`...) registered and are
/// Ready: the cluster the workload and status tests run kubectl against.
public struct SimulatedCluster: Sendable {
    public let master: MasterProcess
    public let worker: ChildProcess
    /// Touching this file makes the simulated nodes stop heartbeating (they turn NotReady).
    public let stoppedFile: String

    /// Starts the master under `root/data` and `nodes` simulated nodes staked with 10 SUI.
    public static func start(root: String, nodes: Int = 3, extra: [String] = [], masterArguments: [String] = []) throws -> SimulatedCluster {
        let master = try MasterProcess.start(dataDir: root + "/data", arguments: masterArguments)
        let keystore = root + "/node.keystore"
        _ = try master.stakedKeystore(keystore)
        let stoppedFile = root + "/stopped"
        FileManager.default.createFile(atPath: stoppedFile, contents: nil)
        let worker = try ChildProcess(
            productsDirectory.appendingPathComponent("daas-worker").path,
            ["--master", master.server, "--root", master.dataDir + "/attest/root.pem", "--keystore", keystore, "--node-name", "sim",
             "--simulate", String(nodes), "--heartbeat-interval", "1", "--simulate-stopped-file", stoppedFile] + extra,
            outputPath: root + "/worker.log")
        let cluster = SimulatedCluster(master: master, worker: worker, stoppedFile: stoppedFile)
        let ready = try eventually(60) {
            try cluster.kubectl(["get", "nodes", "--no-headers"]).output.split(separator: "\n").filter { $0.contains(" Ready ") }.count == nodes
        }
        #expect(ready, "\(worker.output.suffix(2000))")
        return cluster
    }

    public func kubectl(_ arguments: [String], timeout: Double = 120) throws -> CommandResult { try master.kubectl(arguments, timeout: timeout) }

    /// Runs kubectl, expecting success; returns its output.
    @discardableResult
    public func ok(_ arguments: [String], timeout: Double = 120) throws -> String {
        let result = try kubectl(arguments, timeout: timeout)
        #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")): \(result.error)")
        return result.output
    }

    /// Stops the worker (SIGTERM) and the master.
    public func stop() {
        worker.signal(SIGTERM)
        _ = worker.wait(timeout: 30)
        master.stop()
    }
}
