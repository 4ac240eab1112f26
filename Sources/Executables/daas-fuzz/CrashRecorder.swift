#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Keeps a copy of the input being fed, and on a crash signal (a Swift trap is SIGILL or
/// SIGTRAP; memory errors SIGSEGV/SIGBUS) writes it to the crash file before the process dies,
/// so the failure can be replayed from the file as well as from the seed.
enum CrashRecorder {
    private nonisolated(unsafe) static var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 1)
    private nonisolated(unsafe) static var length = 0
    private nonisolated(unsafe) static var descriptor: Int32 = -1
    /// A child process (the http target's master) to kill when the harness dies.
    nonisolated(unsafe) static var childToKill: Int32 = 0

    /// Opens `path` for the crash input and installs the signal handlers.
    static func install(path: String) {
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
            _ = Glibc.signal(signal) { number in
                if CrashRecorder.descriptor >= 0, let base = CrashRecorder.buffer.baseAddress {
                    _ = write(CrashRecorder.descriptor, base, CrashRecorder.length)
                    _ = fsync(CrashRecorder.descriptor)
                }
                if CrashRecorder.childToKill > 0 { _ = kill(CrashRecorder.childToKill, SIGKILL) }
                _ = Glibc.signal(number, SIG_DFL)
                _ = raise(number)
            }
        }
    }

    private nonisolated(unsafe) static var sequence = 0
    private nonisolated(unsafe) static var watchdogStarted = false

    /// Starts a thread that aborts the run (saving the input) when one input has been fed for
    /// longer than `limit` seconds: a hang is a failure too.
    static func startWatchdog(limit: Int) {
        guard !watchdogStarted else { return }
        watchdogStarted = true
        let thread = Thread {
            var last = -1
            var stuck = 0
            while true {
                sleep(1)
                let current = sequence
                stuck = current == last ? stuck + 1 : 0
                last = current
                if stuck >= limit, length > 0 {
                    let message = "fuzz: HANG: one input ran longer than \(limit) s; it is in the crash file\n"
                    _ = message.withCString { write(2, $0, strlen($0)) }
                    if descriptor >= 0, let base = buffer.baseAddress { _ = write(descriptor, base, length) }
                    if childToKill > 0 { _ = kill(childToKill, SIGKILL) }
                    _exit(3)
                }
            }
        }
        thread.start()
    }

    /// Records `input` as the one being fed (truncated to the buffer).
    static func record(_ input: [UInt8]) {
        sequence &+= 1
        let count = min(input.count, buffer.count)
        input.withUnsafeBytes { source in
            if let from = source.baseAddress, let to = buffer.baseAddress { to.copyMemory(from: from, byteCount: count) }
        }
        length = count
    }
}
