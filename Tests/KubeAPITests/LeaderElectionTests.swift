import EncStore
import Foundation
import Logging
import Synchronization
import Testing

@testable import KubeAPI

/// Lease-based leader election: one leader at a time, release on shutdown, takeover of a lease
/// that stops being renewed, and a leader that loses its lease stops leading.
@Suite("Leader election")
struct LeaderElectionTests {
    let objects = ObjectStore(store: MVCCStore.inMemory())
    var leases: ResourceType { objects.registry.lookup(group: "coordination.k8s.io", version: "v1", plural: "leases")! }

    init() async throws {
        _ = try await objects.create(
            objects.registry.lookup(group: "", version: "v1", plural: "namespaces")!, namespace: nil, body: ["metadata": ["name": "kube-system"]])
    }

    func elector(_ identity: String, leaseDuration: Duration = .seconds(1)) throws -> LeaderElector {
        try LeaderElector(
            objects: objects,
            configuration: .init(name: "kube-controller-manager", identity: identity, leaseDuration: leaseDuration, renewDeadline: .milliseconds(600), retryPeriod: .milliseconds(100)),
            logger: Logger(label: "test"))
    }

    func holder() async throws -> String? {
        // nil before the lease exists, too
        (try? await objects.get(leases, namespace: "kube-system", name: "kube-controller-manager"))?[path: ["spec", "holderIdentity"]]?.stringValue
    }

    func waitUntil(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<100 where try await !condition() { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await condition())
    }

    /// A value shared with tasks.
    final class Shared<Value: Sendable>: Sendable {
        let mutex: Mutex<Value>
        init(_ value: Value) { mutex = Mutex(value) }
        func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    }

    @Test("one candidate leads; cancelling it releases the lease and the other takes over at once")
    func handOver() async throws {
        let leading = Shared<[String]>([])
        func candidate(_ name: String) throws -> Task<Void, any Error> {
            let elector = try elector(name, leaseDuration: .seconds(30))
            return Task {
                try await elector.run {
                    leading.withLock { $0.append(name) }
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                    leading.withLock { $0.removeAll { $0 == name } }
                }
            }
        }
        let a = try candidate("a")
        try await waitUntil { leading.withLock { $0 } == ["a"] }
        let b = try candidate("b")
        try await Task.sleep(for: .milliseconds(500))
        #expect(leading.withLock { $0 } == ["a"], "b waits while a renews")
        #expect(try await holder() == "a")
        let lease = try await objects.get(leases, namespace: "kube-system", name: "kube-controller-manager")
        #expect(lease[path: ["spec", "leaseDurationSeconds"]]?.integerValue == 30)
        #expect(lease[path: ["spec", "leaseTransitions"]]?.integerValue == 0)
        #expect((lease[path: ["spec", "renewTime"]]?.stringValue ?? "").wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil)

        a.cancel()
        try await a.value
        // Released, so b does not wait out the 30 s lease.
        try await waitUntil { leading.withLock { $0 } == ["b"] }
        #expect(try await holder() == "b")
        let taken = try await objects.get(leases, namespace: "kube-system", name: "kube-controller-manager")
        #expect(taken[path: ["spec", "leaseTransitions"]]?.integerValue == 1)
        b.cancel()
        try await b.value
        #expect(try await holder() == nil, "released on shutdown")
    }

    @Test("a lease its holder stopped renewing is taken over after the lease duration, not before")
    func takeOver() async throws {
        _ = try await objects.create(
            leases, namespace: "kube-system",
            body: [
                "metadata": ["name": "kube-controller-manager"],
                "spec": ["holderIdentity": "crashed", "leaseDurationSeconds": 1, "renewTime": "2026-01-01T00:00:00.000000Z"],
            ])
        let elector = try elector("b")
        let started = ContinuousClock.now
        let led = Shared<ContinuousClock.Instant?>(nil)
        let task = Task {
            try await elector.run {
                led.withLock { $0 = .now }
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
            }
        }
        try await waitUntil { led.withLock { $0 } != nil }
        // The old renewTime is not trusted (clock skew): the candidate waits a full lease duration
        // from when it first saw the record.
        let waited = try #require(led.withLock { $0 }) - started
        #expect(waited >= .seconds(1), "took over after \(waited)")
        #expect(try await holder() == "b")
        task.cancel()
        try await task.value
    }

    @Test("a leader whose lease is taken stops leading and reports LostLeadership")
    func lost() async throws {
        let elector = try elector("a")
        let cancelled = Shared(false)
        let task = Task {
            try await elector.run {
                await withTaskCancellationHandler {
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                } onCancel: {
                    cancelled.withLock { $0 = true }
                }
            }
        }
        try await waitUntil { try await holder() == "a" }
        // Another writer keeps the lease for itself.
        let intruder = Task {
            while !Task.isCancelled {
                if var lease = try? await objects.get(leases, namespace: "kube-system", name: "kube-controller-manager") {
                    lease["spec"]?["holderIdentity"] = "intruder"
                    lease["spec"]?["renewTime"] = .string(LeaderElector.microTime(Date()))
                    _ = try? await objects.update(leases, namespace: "kube-system", name: "kube-controller-manager", body: lease)
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        defer { intruder.cancel() }
        let result = await task.result
        #expect(throws: LeaderElector.LostLeadership.self) { try result.get() }
        #expect(cancelled.withLock { $0 }, "the work was cancelled")
    }

    @Test("timings that cannot work are refused, as client-go refuses them")
    func badTimings() {
        #expect(throws: APIError.self) {
            try LeaderElector(objects: objects, configuration: .init(name: "x", identity: "a", leaseDuration: .seconds(5), renewDeadline: .seconds(10)), logger: Logger(label: "test"))
        }
        #expect(throws: APIError.self) {
            try LeaderElector(objects: objects, configuration: .init(name: "x", identity: "", leaseDuration: .seconds(15)), logger: Logger(label: "test"))
        }
    }
}
