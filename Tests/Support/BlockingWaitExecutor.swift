import Foundation
public import Testing

/// A task executor with threads of its own, for tests that wait synchronously on child
/// processes (``run(_:_:environment:timeout:)``, ``ChildProcess/wait(timeout:)``, `usleep` while
/// a master starts).
///
/// Swift's global executor has one thread per core (two on the CI machine). A test that blocks
/// one of them for minutes while a child runs leaves every other test in the process, and the
/// in-process servers they talk to, without threads: requests time out although nothing is
/// wrong. Tests that block run here instead, so the global executor stays free. The pool is
/// small on purpose: it also bounds how many of those (heavy, process-starting) tests block at
/// once, as the global pool did before.
public final class BlockingWaitExecutor: TaskExecutor, @unchecked Sendable {
    /// The executor every ``Trait/blockingWaits`` test shares.
    public static let shared = BlockingWaitExecutor(threads: 3)

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0

    private init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [unowned self] in self.serve() }
            thread.name = "blocking-wait-\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func serve() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs a test (or every test of a suite) on ``BlockingWaitExecutor/shared``: use it on tests
/// that wait synchronously for child processes.
public struct BlockingWaitsTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(BlockingWaitExecutor.shared, operation: function)
    }
}

extension SuiteTrait where Self == BlockingWaitsTrait {
    /// The suite's tests wait synchronously for child processes: run them on threads of their own.
    public static var blockingWaits: Self { BlockingWaitsTrait() }
}

extension TestTrait where Self == BlockingWaitsTrait {
    /// The test waits synchronously for child processes: run it on threads of its own.
    public static var blockingWaits: Self { BlockingWaitsTrait() }
}
