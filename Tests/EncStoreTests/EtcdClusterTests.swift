import DaaSTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import EncStore

/// The etcd store on a three-member etcd cluster: losing a member loses no acknowledged write.
@Suite("etcd cluster")
struct EtcdClusterTests {
    @Test("kill -9 of the member the store talks to, under load: writes continue through the others and every acknowledged one is there")
    func memberKilledUnderLoad() async throws {
        let members = try EtcdProcess.cluster(size: 3)
        defer { for member in members { member.stop() } }
        let logger = Logger(label: "etcd-cluster-test", factory: { _ in SwiftLogNoOpLogHandler() })
        var configuration = EtcdConfiguration(endpoints: members.map(\.clientURL))
        configuration.requestTimeout = .seconds(5)
        let ring = KeyRing(active: .generate())
        let store = try EtcdStore(configuration: configuration, keyRing: ring, logger: logger)
        // The cluster forms once a quorum runs; wait until every member serves clients.
        let deadline = ContinuousClock.now + .seconds(90)
        for member in members {
            var single = EtcdConfiguration(endpoints: [member.clientURL])
            single.requestTimeout = .seconds(2)
            let probe = try EtcdStore(configuration: single, keyRing: KeyRing(active: .generate()), logger: logger)
            while (try? await probe.currentRevision()) == nil {
                guard ContinuousClock.now < deadline else {
                    await probe.close()
                    throw CommandFailure(description: "etcd member \(member.name) does not serve: \(member.process.output.suffix(2000))")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            await probe.close()
        }
        let tally = Tally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for index in 0..<150 {
                        let number = writer * 1_000 + index
                        do {
                            let result = try await store.create("/load/\(number)", value: Array("v\(number)".utf8))
                            if result.succeeded { tally.acknowledged.withLock { $0.append(number) } } else { tally.conflicts.add(1, ordering: .relaxed) }
                        } catch {
                            tally.failed.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
            group.addTask {
                while tally.acknowledged.withLock({ $0.count }) < 100 { try await Task.sleep(for: .milliseconds(5)) }
                // The first endpoint is the one a pick-first client is connected to.
                kill(members[0].process.pid, SIGKILL)
                tally.killed.store(true, ordering: .relaxed)
            }
            try await group.waitForAll()
        }
        let written = tally.acknowledged.withLock { $0 }
        print("etcd cluster test: \(written.count) writes acknowledged, \(tally.failed.load(ordering: .relaxed)) failed while the member died")
        let memberKilled = tally.killed.load(ordering: .relaxed)
        #expect(memberKilled)
        #expect(written.count >= 500, "most writes go through after the kill: \(written.count) of 600")
        #expect(tally.conflicts.load(ordering: .relaxed) == 0, "no create fails its own condition (writes are not retried)")
        let stored = try await store.range(prefix: "/load/")
        let keys = Set(stored.kvs.map(\.key))
        #expect(written.allSatisfy { keys.contains("/load/\($0)") }, "every acknowledged write is stored")
        #expect(stored.kvs.allSatisfy { String(decoding: $0.value, as: UTF8.self) == "v" + $0.key.dropFirst("/load/".count) })
        await store.close()

        // A new store starts on the dead first member: its watch and writes move on by themselves.
        let fresh = try EtcdStore(configuration: configuration, keyRing: ring, logger: logger)
        let stream = try await fresh.watch(prefix: "/after/", fromRevision: 0)
        #expect(try await fresh.create("/after/x", value: [1]).succeeded)
        #expect(try await collect(1, from: stream).map(\.kv.key) == ["/after/x"])
        #expect(try await fresh.count(prefix: "/load/").count == stored.kvs.count)
        await fresh.close()
    }
}

/// What the writers of the load test report.
private final class Tally: Sendable {
    let acknowledged = Mutex<[Int]>([])
    let failed = Atomic<Int>(0)
    let killed = Atomic<Bool>(false)
    let conflicts = Atomic<Int>(0)
}
