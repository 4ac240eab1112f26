import Foundation

/// A server process the benchmark starts and stops: daas-master, or etcd as the reference.
final class BenchProcess {
    let process = Process()
    let logPath: String

    /// Starts `executable` and waits until its log contains `readyMarker`; returns the matching line.
    init(executable: String, arguments: [String], logPath: String) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Waits up to 60 s for a log line containing `marker`.
    func waitFor(_ marker: String) throws -> String {
        let deadline = Date() + 60
        while Date() < deadline {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains(marker) }) { return String(line) }
            guard process.isRunning else { throw BenchError("\(process.executableURL?.path ?? "") exited: \(text.suffix(500))") }
            usleep(50_000)
        }
        throw BenchError("\(process.executableURL?.path ?? "") did not print \"\(marker)\" within 60 s")
    }

    /// Resident memory in MiB, from /proc.
    var residentMiB: Double {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}
