public import Foundation

/// A child process a test starts: its output goes to a file (so a chatty child never blocks on a
/// full pipe), every wait has a deadline, and a child still running when the test lets go of it
/// is killed, so a regression that makes a child hang fails the test instead of hanging the suite.
public final class ChildProcess: Sendable {
    private let process: SpawnedProcess
    /// The file that receives the child's standard output and standard error.
    public let outputPath: String

    /// Starts `executable` with `arguments`; both output streams go to `outputPath` (a new
    /// temporary file when `nil`).
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], outputPath: String? = nil) throws {
        let path = outputPath ?? FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).out").path
        FileManager.default.createFile(atPath: path, contents: nil)
        self.outputPath = path
        process = try SpawnedProcess(
            executable, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdout: path, stderr: path)
    }

    /// The process id.
    public var pid: Int32 { process.pid }
    /// Whether the child has not exited yet.
    public var isRunning: Bool { process.ended == nil }
    /// Everything the child has written so far.
    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits up to `timeout` seconds for the child to exit; returns its exit status, or `nil`
    /// (after killing it with SIGKILL) when it was still running at the deadline.
    @discardableResult
    public func wait(timeout: Double) -> Int32? {
        let deadline = Date() + timeout
        while process.ended == nil, Date() < deadline { usleep(10_000) }
        switch process.ended {
        case .exited(let status): return status
        case .signalled(let signal): return signal
        case nil:
            kill()
            return nil
        }
    }

    /// Sends `signal` to the child if it is still running.
    public func signal(_ signal: Int32) {
        if process.ended == nil { Foundation.kill(process.pid, signal) }
    }

    /// Kills the child with SIGKILL and reaps it.
    public func kill() {
        process.kill()
    }

    /// Whether the child was ended by a signal rather than exiting.
    public var endedBySignal: Bool {
        if case .signalled = process.ended { return true }
        return false
    }

    deinit { kill() }
}

/// What a finished command printed and how it exited.
public struct CommandResult: Sendable {
    /// Standard output.
    public var output: String
    /// Standard error.
    public var error: String
    /// The exit status.
    public var status: Int32
}

/// A child that did not finish within its deadline (it has been killed).
public struct CommandTimeout: Error, CustomStringConvertible {
    public var description: String
}

/// Runs `executable` with `arguments` and waits for it, at most `timeout` seconds; a child still
/// running then is killed and ``CommandTimeout`` thrown. Output is collected through files.
public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) throws -> CommandResult {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)").path
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    FileManager.default.createFile(atPath: base + ".out", contents: nil)
    FileManager.default.createFile(atPath: base + ".err", contents: nil)
    let process = try SpawnedProcess(
        executable, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdout: base + ".out", stderr: base + ".err")
    let deadline = Date() + timeout
    while process.ended == nil, Date() < deadline { usleep(5_000) }
    if process.ended == nil {
        process.kill()
        let output = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        let error = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        let command = ([executable] + arguments).joined(separator: " ")
        throw CommandTimeout(description: "\(command.prefix(300)) did not finish within \(Int(timeout)) s; output: \(output.suffix(2000)) \(error.suffix(2000))")
    }
    let output = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    let error = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
    let status: Int32 = switch process.ended {
    case .exited(let code): code
    case .signalled(let signal): 128 + signal
    case nil: -1
    }
    return CommandResult(output: output, error: error, status: status)
}

/// Runs the built product `name` with `arguments`, at most `timeout` seconds.
public func runProduct(_ name: String, _ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) throws -> CommandResult {
    try run(productsDirectory.appendingPathComponent(name).path, arguments, environment: environment, timeout: timeout)
}
