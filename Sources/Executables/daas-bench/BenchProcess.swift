import DaaSTestSupport
import Foundation
import Synchronization

/// A server process the benchmark starts and stops: daas-master, daas-worker, or etcd as the
/// reference. Started with posix_spawn (`ChildProcess`; Foundation's `Process.run` can crash the
/// parent on Linux, swift-corelibs-foundation #5472); stopped with SIGTERM, and killed when the
/// benchmark lets go of it or is itself stopped by SIGINT or SIGTERM.
final class BenchProcess {
    let child: ChildProcess
    let logPath: String
    let executable: String

    /// Starts `executable` with its output in `logPath`.
    init(executable: String, arguments: [String], logPath: String) throws {
        self.logPath = logPath
        self.executable = executable
        BenchProcess.stopChildrenOnSignals()
        child = try ChildProcess(executable, arguments, outputPath: logPath)
        _ = BenchProcess.running.withLock { $0.insert(child.pid) }
    }

    /// Whether the process still runs.
    var isRunning: Bool { child.isRunning }

    /// Waits up to 60 s for a log line containing `marker`.
    func waitFor(_ marker: String) throws -> String {
        let deadline = Date() + 60
        while Date() < deadline {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains(marker) }) { return String(line) }
            guard child.isRunning else { throw BenchError("\(executable) exited: \(text.suffix(500))") }
            usleep(50_000)
        }
        throw BenchError("\(executable) did not print \"\(marker)\" within 60 s")
    }

    /// Resident memory in MiB, from /proc.
    var residentMiB: Double { Self.residentMiB(pid: child.pid) }

    /// VmRSS of process `pid` in MiB (0 when unreadable). The line is `VmRSS:\t 123 kB`, with the
    /// tab alone before a number of eight digits or more.
    static func residentMiB(pid: Int32) -> Double {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Double(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "0") ?? 0) / 1024
    }

    /// SIGTERM, then up to 60 s for a clean exit (SIGKILL after that).
    func stop() {
        child.signal(SIGTERM)
        child.wait(timeout: 60)
        BenchProcess.running.withLock { _ = $0.remove(child.pid) }
    }

    deinit { stop() }

    /// The servers running now, stopped if the benchmark is interrupted.
    private static let running = Mutex<Set<Int32>>([])
    private static let signalSources = Mutex<[any DispatchSourceSignal]>([])

    /// On SIGINT or SIGTERM (Ctrl-C, `timeout`), the benchmark stops its servers before it exits,
    /// so none is left running.
    private static func stopChildrenOnSignals() {
        signalSources.withLock { sources in
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    let pids = running.withLock { $0 }
                    for pid in pids { kill(pid, SIGTERM) }
                    let deadline = Date() + 10
                    while Date() < deadline, pids.contains(where: { kill($0, 0) == 0 }) { usleep(50_000) }
                    for pid in pids { kill(pid, SIGKILL) }
                    exit(128 + number)
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}
