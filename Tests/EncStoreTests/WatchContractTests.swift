import ServiceLifecycle
import Testing

@testable import EncStore

/// Watch semantics, checked against every implementation.
@Suite("Watch contract")
struct WatchContractTests {
    @Test("a watch replays history from a revision, then goes live, without gaps or duplicates", arguments: Implementation.allCases)
    func replayThenLive(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            _ = try await store.create("/w/a", value: "a1".bytes)  // 2
            _ = try await store.create("/other", value: "o".bytes)  // 3
            _ = try await store.put("/w/a", value: "a2".bytes)  // 4
            _ = try await store.transaction([.create("/w/b", value: "b".bytes), .create("/w/c", value: "c".bytes)])  // 5
            let stream = try await store.watch(prefix: "/w/", fromRevision: 3)
            _ = try await store.delete("/w/a")  // 6
            _ = try await store.put("/other", value: "o2".bytes)  // 7
            _ = try await store.put("/w/b", value: "b2".bytes)  // 8

            let events = try await collect(5, from: stream)
            #expect(events.map(\.revision) == [4, 5, 5, 6, 8])
            #expect(events.map(\.kv.key) == ["/w/a", "/w/b", "/w/c", "/w/a", "/w/b"])
            #expect(events.map(\.kind) == [.put, .put, .put, .delete, .put])
            #expect(events[0].previous?.value == "a1".bytes && events[0].kv.version == 2)
            #expect(events[1].previous == nil)
            #expect(events[3].previous == KeyValue(key: "/w/a", value: "a2".bytes, createRevision: 2, modRevision: 4, version: 2))
            #expect(events[3].kv.value.isEmpty && events[3].kv.modRevision == 6)
            #expect(events[4].previous?.value == "b".bytes)
        }
    }

    @Test("watching from revision 0 delivers only later changes", arguments: Implementation.allCases)
    func fromNow(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            _ = try await store.create("/n/old", value: [])
            let stream = try await store.watch(prefix: "/n/", fromRevision: 0)
            _ = try await store.create("/n/new", value: [])
            let events = try await collect(1, from: stream)
            #expect(events.map(\.kv.key) == ["/n/new"])
        }
    }

    @Test("a compacted revision is refused with a distinct error", arguments: Implementation.allCases)
    func compacted(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            for index in 0..<10 { _ = try await store.put("/c/\(index)", value: [UInt8(index)]) }  // revisions 2...11
            try await store.compact(through: 6)
            let error = await expectStoreError(.compacted) { _ = try await store.watch(prefix: "/c/", fromRevision: 6) }
            #expect(error?.compactRevision == 6)
            await expectStoreError(.compacted) { _ = try await store.watch(prefix: "/c/", fromRevision: 1) }
            let events = try await collect(5, from: try await store.watch(prefix: "/c/", fromRevision: 7))
            #expect(events.map(\.revision) == [7, 8, 9, 10, 11])
            try await store.compact(through: 6)  // compacting again is a no-op
            await expectStoreError(.futureRevision) { try await store.compact(through: 12) }
            #expect(try await store.text("/c/0") != nil, "compaction keeps current values")
        }
    }

    @Test("concurrent writers get distinct revisions and concurrent watchers see every one in order", arguments: Implementation.allCases)
    func concurrentWritersAndWatchers(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            let writers = 16
            let perWriter = 40
            let total = writers * perWriter
            let streams = try await (0..<4).asyncMap { _ in try await store.watch(prefix: "/cc/", fromRevision: 0) }
            let revisions = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var revisions: [Int64] = []
                        for index in 0..<perWriter {
                            revisions.append(try await store.create("/cc/\(writer)/\(index)", value: [UInt8(writer)]).revision)
                        }
                        return revisions
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(Set(revisions).count == total)
            #expect(try await store.currentRevision() == Int64(total) + 1)
            for stream in streams {
                let events = try await collect(total, from: stream)
                #expect(events.map(\.revision) == Array(2...Int64(total + 1)))
            }
        }
    }

    @Test("a slow watcher is ended with a distinct error after the events it holds; others are unaffected", arguments: Implementation.allCases)
    func slowWatcher(_ implementation: Implementation) async throws {
        try await withStore(implementation, configuration: StoreConfiguration(watchBufferSize: 8)) { store in
            let slow = try await store.watch(prefix: "/s/", fromRevision: 0)
            let fast = try await store.watch(prefix: "/s/", fromRevision: 0)
            let reader = Task { try await collect(20, from: fast) }
            for index in 0..<20 {
                _ = try await store.create("/s/\(index)", value: [])
                // Give the fast reader a chance to keep its buffer short.
                await Task.yield()
            }
            let fastEvents = try await reader.value
            #expect(fastEvents.map(\.revision) == Array(2...21))

            var received: [Int64] = []
            var iterator = slow.makeAsyncIterator()
            let error = await expectStoreError(.watcherTooSlow) {
                while let event = try await iterator.next() { received.append(event.revision) }
            }
            #expect(received == Array(2...9), "the slow watcher got the 8 buffered events, in order, then the error")
            #expect(error?.message.contains("8 events behind") == true)
        }
    }

    @Test("history older than the retention window is compacted in the background", arguments: Implementation.allCases)
    func backgroundCompaction(_ implementation: Implementation) async throws {
        let configuration = StoreConfiguration(history: .init(retainedRevisions: 5, compactionInterval: .milliseconds(20)))
        try await withStore(implementation, configuration: configuration) { store in
            for index in 0..<20 { _ = try await store.put("/bg/\(index)", value: []) }  // revision 21
            let service = Task { try await store.run() }
            defer { service.cancel() }
            var compactedAt: Int64?
            for _ in 0..<500 where compactedAt == nil {
                do {
                    _ = try await store.watch(prefix: "/bg/", fromRevision: 2)
                    try await Task.sleep(for: .milliseconds(10))
                } catch let error as StoreError where error.code == .compacted {
                    compactedAt = error.compactRevision
                }
            }
            #expect(compactedAt == 16)
            let kept = try await collect(5, from: try await store.watch(prefix: "/bg/", fromRevision: 17))
            #expect(kept.map(\.revision) == [17, 18, 19, 20, 21])
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
