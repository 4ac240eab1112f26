import Foundation

/// Runs a host tool the agent needs (`ip`, `mount`, `umount`) with a deadline, capturing its
/// error output for the message when it fails.
enum HostCommand {
    /// Runs `executable arguments`; throws when it cannot start, exits non-zero, or outlives
    /// `timeout` (then it is killed).
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws(AgentError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw AgentError(.runtime, "cannot run \(executable): \(error)")
        }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                process.waitUntilExit()
                throw AgentError(.runtime, "\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: output.prefix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw AgentError(.runtime, "\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(message)")
        }
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
