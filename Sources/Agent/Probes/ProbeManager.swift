import CRI
import Foundation
import KubeTypes
import Logging
import Synchronization

/// The kubelet's prober manager: one worker per probe of each running container, checking it
/// every period after its initial delay, and a result per container the pod sync reads.
///
/// - readiness starts as not ready and follows the success and failure thresholds;
/// - startup starts as not started; liveness and readiness do not run until it succeeds, and
///   its worker stops then;
/// - liveness starts as alive; a liveness or startup failure (failure threshold reached) asks
///   the pod sync to kill the container, which then restarts as its restart policy says.
///
/// Each failed check records an `Unhealthy` event; a changed result wakes the pod's sync.
final class ProbeManager: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case liveness = "Liveness", readiness = "Readiness", startup = "Startup"

        var field: String { rawValue.lowercased() + "Probe" }
    }

    private struct Key: Hashable {
        var containerID: String
        var kind: Kind
    }

    private struct Result {
        var podUID: String
        /// true = success (ready, started, alive).
        var success: Bool
    }

    private struct Worker {
        var podUID: String
        var task: Task<Void, Never>
    }

    private struct State {
        var workers: [Key: Worker] = [:]
        /// The current result of each probe.
        var results: [Key: Result] = [:]
    }

    private let state = Mutex(State())
    /// Runs the checks (and the lifecycle hooks of the pod sync).
    let runner: ProbeRunner
    private let events: PodEvents
    private let wake: @Sendable (_ podKey: String) -> Void

    /// - Parameter wake: Queues a pod (`namespace/name`) for a sync when a result changes.
    init(runner: ProbeRunner, events: PodEvents, wake: @escaping @Sendable (_ podKey: String) -> Void) {
        self.runner = runner
        self.events = events
        self.wake = wake
    }

    /// Starts workers for the probes of `running` (the pod's running containers with their
    /// specs) and stops this pod's workers for containers no longer running.
    func update(pod: JSONValue, running: [(spec: JSONValue, container: Runtime_V1_Container)], podIP: String) {
        guard let uid = pod[path: ["metadata", "uid"]]?.stringValue else { return }
        let podKey = (pod[path: ["metadata", "namespace"]]?.stringValue ?? "default") + "/" + (pod[path: ["metadata", "name"]]?.stringValue ?? "")
        let current = Set(running.map(\.container.id))
        state.withLock { state in
            for (key, worker) in state.workers where worker.podUID == uid && !current.contains(key.containerID) {
                worker.task.cancel()
                state.workers[key] = nil
            }
            state.results = state.results.filter { key, result in result.podUID != uid || current.contains(key.containerID) }
            for (spec, container) in running {
                for kind in Kind.allCases {
                    let key = Key(containerID: container.id, kind: kind)
                    guard state.workers[key] == nil, state.results[key] == nil, let probe = ProbeSpec(spec[kind.field], container: spec) else { continue }
                    state.results[key] = Result(podUID: uid, success: kind == .liveness)
                    let hasStartup = kind != .startup && ProbeSpec(spec[Kind.startup.field], container: spec) != nil
                    let task = Task { [self] in
                        await self.work(key: key, probe: probe, pod: pod, podKey: podKey, container: container, podIP: podIP, waitsForStartup: hasStartup)
                    }
                    state.workers[key] = Worker(podUID: uid, task: task)
                }
            }
        }
    }

    /// Whether the container is ready: nil when it has no readiness probe.
    func ready(_ containerID: String) -> Bool? { result(containerID, .readiness) }

    /// Whether the container's startup probe succeeded: nil when it has none.
    func started(_ containerID: String) -> Bool? { result(containerID, .startup) }

    /// The probe whose failure means the container must be killed, if any.
    func failed(_ containerID: String) -> Kind? {
        state.withLock { state in
            if state.results[Key(containerID: containerID, kind: .startup)]?.success == false, state.workers[Key(containerID: containerID, kind: .startup)] == nil {
                return .startup
            }
            return state.results[Key(containerID: containerID, kind: .liveness)]?.success == false ? .liveness : nil
        }
    }

    /// Stops every worker (the Kubelet shutting down).
    func shutdown() {
        state.withLock { state in
            for worker in state.workers.values { worker.task.cancel() }
            state.workers.removeAll()
        }
    }

    /// Stops every worker of the pod `uid`.
    func remove(podUID uid: String) {
        state.withLock { state in
            for (key, worker) in state.workers where worker.podUID == uid {
                worker.task.cancel()
                state.workers[key] = nil
                state.results[key] = nil
            }
        }
    }

    private func result(_ containerID: String, _ kind: Kind) -> Bool? {
        state.withLock { $0.results[Key(containerID: containerID, kind: kind)]?.success }
    }

    private func work(
        key: Key, probe: ProbeSpec, pod: JSONValue, podKey: String, container: Runtime_V1_Container, podIP: String, waitsForStartup: Bool
    ) async {
        let name = container.metadata.name
        // The initial delay counts from the container's start.
        let started = Date(timeIntervalSince1970: Double(container.createdAt) / 1e9)
        let delay = Double(probe.initialDelaySeconds) - Date().timeIntervalSince(started)
        if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
        var successes = 0
        var failures = 0
        while !Task.isCancelled {
            if waitsForStartup, result(key.containerID, .startup) != true {
                try? await Task.sleep(for: .seconds(probe.periodSeconds))
                continue
            }
            let outcome = await runner.run(probe.action, timeoutSeconds: probe.timeoutSeconds, containerID: key.containerID, podIP: podIP)
            if Task.isCancelled { return }
            var changedTo: Bool?
            switch outcome {
            case .success:
                successes += 1
                failures = 0
                if successes >= (key.kind == .readiness ? probe.successThreshold : 1) { changedTo = true }
            case .failure(let message):
                failures += 1
                successes = 0
                events.record(pod, container: name, warning: true, "Unhealthy", "\(key.kind.rawValue) probe failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
                if failures >= probe.failureThreshold { changedTo = false }
            }
            if let changedTo {
                let changed = state.withLock { state -> Bool in
                    guard state.workers[key] != nil, var result = state.results[key] else { return false }
                    defer {
                        result.success = changedTo
                        state.results[key] = result
                    }
                    return result.success != changedTo
                }
                // A started container's startup worker is done; a failed liveness or startup
                // probe holds until the container is replaced (a new worker then).
                let done = (key.kind == .startup && changedTo) || (key.kind != .readiness && !changedTo)
                if done { _ = state.withLock { $0.workers.removeValue(forKey: key) } }
                if changed || done { wake(podKey) }
                if done { return }
            }
            try? await Task.sleep(for: .seconds(probe.periodSeconds))
        }
    }
}
