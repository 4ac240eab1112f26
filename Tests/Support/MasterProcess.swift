public import Foundation

/// A daas-master started for a test, and kubectl pointed at it.
public final class MasterProcess: Sendable {
    /// The master's data directory.
    public let dataDir: String
    /// The admin kubeconfig the master wrote.
    public let kubeconfig: String
    /// The master process; its output file is ``logPath``.
    public let child: ChildProcess

    private init(dataDir: String, kubeconfig: String, child: ChildProcess) {
        self.dataDir = dataDir
        self.kubeconfig = kubeconfig
        self.child = child
    }

    /// Where the master's output goes.
    public var logPath: String { child.outputPath }

    /// Starts daas-master on a free loopback port and waits (at most 60 s) until it prints its
    /// KUBECONFIG line.
    public static func start(dataDir: String, arguments: [String] = []) throws -> MasterProcess {
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let logPath = dataDir + "/../\(URL(fileURLWithPath: dataDir).lastPathComponent)-master.log"
        let child = try ChildProcess(
            productsDirectory.appendingPathComponent("daas-master").path, ["--data-dir", dataDir, "--listen", "127.0.0.1:0"] + arguments,
            outputPath: logPath)
        let deadline = Date() + 60
        while Date() < deadline {
            let text = child.output
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("daas-master: export KUBECONFIG=") }) {
                return MasterProcess(dataDir: dataDir, kubeconfig: String(line.dropFirst("daas-master: export KUBECONFIG=".count)), child: child)
            }
            if !child.isRunning {
                throw StartFailure(description: "daas-master exited with status \(child.wait(timeout: 1) ?? -1): \(text)")
            }
            usleep(50_000)
        }
        child.kill()
        throw StartFailure(description: "daas-master did not become ready within 60 s")
    }

    /// Why a master did not start.
    public struct StartFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The API server URL, as the admin kubeconfig names it.
    public var server: String {
        let text = (try? String(contentsOfFile: kubeconfig, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.contains("server:") }.flatMap { $0.split(separator: " ").last }.map(String.init) ?? ""
    }

    /// Runs kubectl against this master, at most `timeout` seconds.
    public func kubectl(_ arguments: [String], timeout: Double = 120) throws -> CommandResult {
        try run("/usr/bin/env", ["kubectl", "--kubeconfig", kubeconfig] + arguments, timeout: timeout)
    }

    /// Runs kubectl and returns its output; a non-zero exit throws (failing the test) with the
    /// command and its standard error.
    @discardableResult
    public func ok(_ arguments: [String], timeout: Double = 120) throws -> String {
        let result = try kubectl(arguments, timeout: timeout)
        guard result.status == 0 else {
            throw CommandFailure(description: "kubectl \(arguments.joined(separator: " ")) exited \(result.status): \(result.error)")
        }
        return result.output
    }

    /// Starts kubectl without waiting; its output goes to the returned child's file.
    public func startKubectl(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess("/usr/bin/env", ["kubectl", "--kubeconfig", kubeconfig] + arguments, outputPath: dataDir + "/../kubectl-\(UUID().uuidString).out")
    }

    /// Sends SIGTERM and waits up to `timeout` seconds; returns the exit status, or `nil` when
    /// the master had to be killed.
    @discardableResult
    public func stop(timeout: Double = 30) -> Int32? {
        child.signal(SIGTERM)
        return child.wait(timeout: timeout)
    }

    deinit { stop() }
}

/// Polls `body` every 200 ms until it returns true or `seconds` pass; returns its last answer.
/// For waits on something asynchronous (a TTL, a heartbeat), never for timing assertions.
public func eventually(_ seconds: Double, _ body: () throws -> Bool) rethrows -> Bool {
    let deadline = Date() + seconds
    while Date() < deadline {
        if try body() { return true }
        usleep(200_000)
    }
    return try body()
}

extension MasterProcess {
    /// Creates a Sui key in `keystore` and stakes 10 SUI for it on this master's dev ledger (a
    /// node's minimum); returns the key's address. Throws ``CommandFailure`` with the command's
    /// output when a step fails.
    public func stakedKeystore(_ keystore: String) throws -> String {
        let ledger = try String(contentsOfFile: dataDir + "/sui-dev-ledger.url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try DaaSTestSupport.stakedKeystore(keystore, ledger: ledger, secretFile: dataDir + "/sui-dev-ledger.secret")
    }
}

/// Creates a key in `keystore` and stakes it with 10 SUI on the dev ledger at `ledger` (whose admin
/// secret is in `secretFile`); returns its address.
public func stakedKeystore(_ keystore: String, ledger: String, secretFile: String) throws -> String {
    func daasctl(_ arguments: [String]) throws -> String {
        let result = try runProduct("daasctl", arguments)
        guard result.status == 0 else { throw CommandFailure(description: "daasctl \(arguments.joined(separator: " ")): \(result.output) \(result.error)") }
        return result.output
    }
    _ = try daasctl(["key", "new", "--keystore", keystore])
    guard let address = try daasctl(["key", "show", "--keystore", keystore])
        .split(whereSeparator: { $0 == " " || $0 == "\n" }).first(where: { $0.hasPrefix("0x") && $0.count == 66 })
    else { throw CommandFailure(description: "daasctl key show printed no address") }
    _ = try daasctl(["stake", "add", "--ledger", ledger, "--secret-file", secretFile, "--address", String(address), "--amount", "10000000000"])
    return String(address)
}

/// Starts a master with its data under `root`, runs `body`, then stops the master and removes `root`.
public func withMaster(root: String, arguments: [String] = [], _ body: (MasterProcess) throws -> Void) throws {
    defer { try? FileManager.default.removeItem(atPath: root) }
    let master = try MasterProcess.start(dataDir: root + "/data", arguments: arguments)
    defer { master.stop() }
    try body(master)
}

/// Writes `text` to `<directory>/<name>` and returns that path.
public func writeFile(_ text: String, in directory: String, named name: String) throws -> String {
    let path = directory + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
