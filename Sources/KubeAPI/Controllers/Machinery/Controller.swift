public import Logging
import Synchronization

/// A level-triggered controller, as kube-controller-manager's: informer handlers queue keys,
/// workers take them from the queue and make the world match the object's spec (`reconcile`),
/// whatever happened before. A reconcile that throws is retried with the queue's backoff; one
/// that returns resets it.
public protocol Controller: Sendable {
    /// The controller's name, for logs and events.
    var name: String { get }
    /// The keys (`namespace/name`) waiting to be reconciled.
    var queue: WorkQueue<String> { get }
    /// Makes the world match the object named `key`; idempotent.
    func reconcile(_ key: String) async throws
}

extension Controller {
    /// Runs `workers` workers until the queue shuts down.
    public func runWorkers(_ workers: Int, logger: Logger) async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<workers {
                group.addTask {
                    while let key = await queue.get() {
                        do {
                            try await reconcile(key)
                            queue.forget(key)
                        } catch {
                            let failures = queue.failures(key)
                            // Conflicts (an informer one write behind) and requeue requests are routine.
                            if error is RequeueRequest {
                                logger.debug("reconcile requeued", metadata: ["controller": "\(name)", "key": "\(key)", "reason": "\(error)"])
                            } else if (error as? APIError)?.code != 409 || failures > 5 {
                                logger.notice("reconcile failed; retrying", metadata: ["controller": "\(name)", "key": "\(key)", "error": "\(error)"])
                            }
                            queue.addRateLimited(key)
                        }
                        queue.done(key)
                    }
                }
            }
        }
    }
}

extension Controller {
    /// Runs a controller that is its own service: once `informer` has listed, `workers` workers
    /// (and `alongside`, if given) until the task is cancelled, which shuts the queue down.
    public func runUntilCancelled(workers: Int, after informer: SharedInformer, logger: Logger, alongside: (@Sendable () async -> Void)? = nil) async {
        await informer.waitForSync()
        await withDiscardingTaskGroup { group in
            group.addTask { await runWorkers(workers, logger: logger) }
            if let alongside { group.addTask { await alongside() } }
            group.addTask {
                await withTaskCancellationHandler {
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                } onCancel: {
                    queue.shutDown()
                }
            }
        }
    }
}

/// Thrown by a reconcile that made progress but must look again later (a namespace still
/// emptying): the key is retried with the queue's backoff, without a warning.
public struct RequeueRequest: Error, CustomStringConvertible {
    /// Why the key comes back.
    public let description: String
    public init(_ reason: String) { description = reason }
}

/// The creations and deletions a controller asked for and has not yet seen come back through
/// its informer, as client-go's `ControllerExpectations`: until they are seen (or 5 minutes
/// pass), the controller does not act on a count its cache does not reflect yet, so it never
/// creates the same pod twice.
public final class Expectations: Sendable {
    private struct Pending {
        var adds: Int
        var deletes: Int
        var since: ContinuousClock.Instant
    }

    private let state = Mutex<[String: Pending]>([:])
    /// How long unobserved expectations are trusted. Default 5 minutes.
    public let timeout: Duration

    public init(timeout: Duration = .seconds(300)) { self.timeout = timeout }

    /// Records that `key` asked for `adds` creations and `deletes` deletions.
    public func expect(_ key: String, adds: Int = 0, deletes: Int = 0) {
        state.withLock { $0[key] = Pending(adds: adds, deletes: deletes, since: .now) }
    }

    /// One expected creation was observed (or will never happen).
    public func observedAdd(_ key: String) { state.withLock { $0[key]?.adds -= 1 } }

    /// One expected deletion was observed (or will never happen).
    public func observedDelete(_ key: String) { state.withLock { $0[key]?.deletes -= 1 } }

    /// Whether `key` may act on its cache: nothing pending, or pending for longer than the timeout.
    public func satisfied(_ key: String) -> Bool {
        state.withLock { state in
            guard let pending = state[key] else { return true }
            return (pending.adds <= 0 && pending.deletes <= 0) || pending.since.duration(to: .now) > timeout
        }
    }

    /// Forgets `key` (its object was deleted).
    public func forget(_ key: String) { _ = state.withLock { $0.removeValue(forKey: key) } }
}
