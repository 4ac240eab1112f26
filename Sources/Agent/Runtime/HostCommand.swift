import Foundation
import Subprocess
import SystemPackage

/// Runs a host tool the agent needs (`ip`, `mount`, `umount`) with a deadline (swift-subprocess:
/// the child is reaped, and killed if it outlives the deadline), keeping its error output for the
/// message when it fails.
enum HostCommand {
    /// Runs `executable arguments`; throws when it cannot start, exits non-zero, or outlives `timeout`.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws(AgentError) {
        let command = "\(executable) \(arguments.joined(separator: " "))"
        let outcome: ExecutionResult<StringOutput<UTF8>>?
        do {
            outcome = try await withDeadline(timeout) {
                let result = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), output: .discarded, error: .string(limit: 4096))
                return ExecutionResult(terminationStatus: result.terminationStatus, standardError: result.standardError)
            }
        } catch {
            throw AgentError(.runtime, "cannot run \(command): \(error)")
        }
        guard let outcome else { throw AgentError(.runtime, "\(command) did not finish within \(timeout)") }
        guard outcome.terminationStatus.isSuccess else {
            let message = (outcome.standardError ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            throw AgentError(.runtime, "\(command) failed (\(outcome.terminationStatus)): \(message.prefix(400))")
        }
    }

    /// Runs `executable arguments` and returns what it wrote to standard output (at most 1 MiB).
    static func output(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws(AgentError) -> String {
        let command = "\(executable) \(arguments.joined(separator: " "))"
        let result: (TerminationStatus, String?)?
        do {
            result = try await withDeadline(timeout) {
                let result = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), output: .string(limit: 1 << 20), error: .discarded)
                return (result.terminationStatus, result.standardOutput)
            }
        } catch {
            throw AgentError(.runtime, "cannot run \(command): \(error)")
        }
        guard let result else { throw AgentError(.runtime, "\(command) did not finish within \(timeout)") }
        guard result.0.isSuccess else { throw AgentError(.runtime, "\(command) failed (\(result.0))") }
        return result.1 ?? ""
    }

    /// `body`'s result, or nil once `timeout` passes first (`body` is then cancelled: swift-subprocess
    /// kills and reaps the child).
    private static func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// A finished command: how it ended and what it wrote to standard error.
    struct ExecutionResult<Output>: Sendable {
        var terminationStatus: TerminationStatus
        var standardError: String?
    }

    /// The absolute path of `name`: itself when it contains a slash, else the first match on PATH.
    static func locate(_ name: String) throws(AgentError) -> String {
        if name.contains("/") { return name }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        throw AgentError(.runtime, "\(name) is not on PATH (apt-get install containerd runc containernetworking-plugins)")
    }
}
