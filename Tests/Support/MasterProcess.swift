public import Foundation

/// A daas-master started for a test, and kubectl pointed at it.
public final class MasterProcess: @unchecked Sendable {
    // Immutable after start; `process` is only read or signalled.
    /// The master's data directory.
    public let dataDir: String
    /// The admin kubeconfig the master wrote.
    public let kubeconfig: String
    /// Where the master's output goes.
    public let logPath: String
    private let process: Process

    private init(dataDir: String, kubeconfig: String, logPath: String, process: Process) {
        self.dataDir = dataDir
        self.kubeconfig = kubeconfig
        self.logPath = logPath
        self.process = process
    }

    /// Starts daas-master on a free loopback port and waits until it prints its KUBECONFIG line.
    public static func start(dataDir: String, arguments: [String] = []) throws -> MasterProcess {
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let logPath = dataDir + "/../\(URL(fileURLWithPath: dataDir).lastPathComponent)-master.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent("daas-master")
        process.arguments = ["--data-dir", dataDir, "--listen", "127.0.0.1:0"] + arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date() + 60
        while Date() < deadline {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("daas-master: export KUBECONFIG=") }) {
                return MasterProcess(
                    dataDir: dataDir, kubeconfig: String(line.dropFirst("daas-master: export KUBECONFIG=".count)),
                    logPath: logPath, process: process)
            }
            if !process.isRunning {
                throw StartFailure(description: "daas-master exited with status \(process.terminationStatus): \(text)")
            }
            usleep(50_000)
        }
        process.terminate()
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

    /// Runs kubectl against this master.
    public func kubectl(_ arguments: [String]) throws -> CommandResult {
        try run("/usr/bin/env", ["kubectl", "--kubeconfig", kubeconfig] + arguments)
    }

    /// Starts kubectl without waiting, its output going to the returned file.
    public func startKubectl(_ arguments: [String]) throws -> (Process, String) {
        let output = dataDir + "/../kubectl-\(UUID().uuidString).out"
        FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["kubectl", "--kubeconfig", kubeconfig] + arguments
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, output)
    }

    /// Sends SIGTERM and waits; returns the exit status.
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit { stop() }
}

/// Runs `executable` with `arguments` and waits for it; output is collected through files, so a
/// chatty child can never block on a full pipe.
public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    FileManager.default.createFile(atPath: base + ".out", contents: nil)
    FileManager.default.createFile(atPath: base + ".err", contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
    try process.run()
    process.waitUntilExit()
    return CommandResult(
        output: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
        error: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "",
        status: process.terminationStatus)
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
