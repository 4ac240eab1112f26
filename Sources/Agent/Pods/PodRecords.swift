import Foundation
import KubeTypes
import Synchronization

/// What the agent remembers of each pod between syncs (by uid): back-offs for image pulls and
/// crashed containers, why a container cannot start, and the last status written.
final class PodRecords: Sendable {
    struct Record: Sendable {
        /// A container's waiting reason and message (image pull or config errors) by name.
        var waiting: [String: (reason: String, message: String)] = [:]
        /// When a container may be tried again (pull back-off, crash-loop back-off), by name.
        var retryAt: [String: ContinuousClock.Instant] = [:]
        /// The back-off after the last failure of each container, by name.
        var backoff: [String: Duration] = [:]
        /// The last status written for the pod.
        var lastStatus: JSONValue?
        /// When the agent first synced the pod, and whether its start (first Running) was timed.
        var firstSeen = ContinuousClock.now
        var startTimed = false
    }

    private let records = Mutex<[String: Record]>([:])

    /// Reads or changes `uid`'s record.
    func with<Result>(_ uid: String, _ body: (inout Record) -> Result) -> Result {
        records.withLock { records in
            var record = records[uid] ?? Record()
            defer { records[uid] = record }
            return body(&record)
        }
    }

    /// Forgets `uid`.
    func remove(_ uid: String) { _ = records.withLock { $0.removeValue(forKey: uid) } }

    /// The uids remembered.
    var uids: [String] { records.withLock { Array($0.keys) } }

    /// The next back-off for `name`: 10 s, doubling to 5 minutes, as the kubelet's crash-loop and
    /// image pull back-offs; it restarts from 10 s once the container ran for 10 minutes.
    func fail(_ uid: String, _ name: String, ranFor: Duration? = nil) -> Duration {
        with(uid) { record in
            var delay = record.backoff[name].map { $0 * 2 } ?? .seconds(10)
            if let ranFor, ranFor >= .seconds(600) { delay = .seconds(10) }
            delay = min(delay, .seconds(300))
            record.backoff[name] = delay
            record.retryAt[name] = .now + delay
            return delay
        }
    }
}
