import Foundation
import Synchronization

/// A child started with `posix_spawn` directly.
///
/// Foundation's `Process.run()` on Linux (Swift 6.3) can crash the parent: it scans
/// `/proc/self/fd` with a `dirent` copy that reads past glibc's buffer (fixed upstream in
/// swift-corelibs-foundation #5472). A test process holds many descriptors and starts hundreds
/// of children, so the suite hit it; this starts children without that scan. Every descriptor
/// this project opens is close-on-exec, so the child gets only stdin, stdout and stderr.
final class SpawnedProcess: Sendable {
    /// How the child ended.
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// The child's process id.
    let pid: pid_t
    private let termination = Mutex<Termination?>(nil)

    /// Starts `executable` with `arguments` and exactly `environment`; stdin reads /dev/null,
    /// stdout and stderr append to the given files (which must exist).
    init(_ executable: String, _ arguments: [String], environment: [String: String], stdout: String, stderr: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_APPEND, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with no blocked signals and default handlers, whatever the test
        // runner set up (swift-service-lifecycle ignores SIGTERM in-process, for example).
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw CommandFailure(description: "cannot start \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// How the child ended, or nil while it runs (reaps it once it has ended).
    var ended: Termination? {
        termination.withLock { state in
            if state == nil { state = Self.reap(pid, options: WNOHANG) }
            return state
        }
    }

    /// Sends SIGKILL if the child still runs, and reaps it.
    func kill() {
        termination.withLock { state in
            if state == nil { state = Self.reap(pid, options: WNOHANG) }
            guard state == nil else { return }
            Foundation.kill(pid, SIGKILL)
            state = Self.reap(pid, options: 0)
        }
    }

    private static func reap(_ pid: pid_t, options: Int32) -> Termination? {
        var status: Int32 = 0
        var rc: pid_t
        repeat { rc = waitpid(pid, &status, options) } while rc < 0 && errno == EINTR
        guard rc == pid else { return rc < 0 ? .exited(-1) : nil }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (they are macros).
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }
}

/// A child could not be started.
public struct CommandFailure: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
