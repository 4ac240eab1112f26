import EncStore
import Foundation
import Logging
import Synchronization
import Testing

@testable import KubeAPI

/// The pieces controllers are built from: work queues, shared informers, cron schedules, JSON patch.
@Suite("Controller machinery")
struct ControllerMachineryTests {
    @Test("a work queue de-duplicates, never hands a key to two workers, and re-queues a key added while it is processed")
    func workQueue() async throws {
        let queue = WorkQueue<String>()
        queue.add("a")
        queue.add("b")
        queue.add("a")
        #expect(queue.count == 2)
        let first = await queue.get()
        #expect(first == "a")
        queue.add("a")  // while processing: waits for done
        #expect(await queue.get() == "b")
        #expect(queue.count == 0)
        queue.done("b")
        queue.done("a")
        #expect(queue.count == 1)
        #expect(await queue.get() == "a")
        queue.done("a")
        queue.shutDown()
        #expect(await queue.get() == nil)
        queue.add("c")
        #expect(queue.count == 0, "adds after shutdown are dropped")
    }

    @Test("failures back off exponentially per key until forgotten; delayed adds share one timer per key")
    func backoff() async throws {
        let queue = WorkQueue<String>(baseDelay: .milliseconds(5), maxDelay: .seconds(1))
        #expect(queue.delay(afterFailures: 1) == .milliseconds(5))
        #expect(queue.delay(afterFailures: 4) == .milliseconds(40))
        #expect(queue.delay(afterFailures: 100) == .seconds(1))
        queue.addRateLimited("k")
        queue.addRateLimited("k")
        #expect(queue.failures("k") == 2)
        queue.forget("k")
        #expect(queue.failures("k") == 0)

        #expect(await queue.get() == "k", "the backed-off key comes back")
        queue.done("k")

        let delayed = WorkQueue<String>()
        delayed.add("later", after: .seconds(60))
        delayed.add("later", after: .seconds(120))
        #expect(delayed.delayedCount == 1)
        delayed.add("soon", after: .milliseconds(20))
        delayed.add("soon", after: .milliseconds(10))
        #expect(delayed.delayedCount == 2)
        #expect(await delayed.get() == "soon")
        delayed.done("soon")
        #expect(delayed.delayedCount == 1 && delayed.count == 0, "fired once")
        queue.shutDown()
        delayed.shutDown()
    }

    /// A registry on the in-memory store with one namespace.
    func registry() async throws -> (ObjectStore, ResourceType) {
        let objects = ObjectStore(store: MVCCStore.inMemory())
        let registry = objects.registry
        _ = try await objects.create(registry.lookup(group: "", version: "v1", plural: "namespaces")!, namespace: nil, body: ["metadata": ["name": "shop"]])
        return (objects, registry.lookup(group: "", version: "v1", plural: "configmaps")!)
    }

    /// Collects what an informer delivers.
    final class Recorder: Sendable {
        let events = Mutex<[String]>([])
        func record(_ event: InformerEvent) {
            let name = event.object[path: ["metadata", "name"]]?.stringValue ?? "?"
            let line: String
            switch event {
            case .added: line = "add " + name
            case .updated(let old, let new):
                line = "update " + name + " " + (old["data"]?["v"]?.stringValue ?? "") + "->" + (new["data"]?["v"]?.stringValue ?? "")
            case .deleted: line = "delete " + name
            }
            events.withLock { $0.append(line) }
        }
        var lines: [String] { events.withLock { $0 } }
    }

    @Test("an informer lists, then watches: handlers see adds, updates with the old object, and deletes; indexes follow")
    func informer() async throws {
        let (objects, configMaps) = try await registry()
        _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["name": "a"], "data": ["v": "1"]])
        let informer = SharedInformer(source: RegistrySource(objects: objects, type: configMaps), logger: Logger(label: "test"))
        let recorder = Recorder()
        informer.addHandler(recorder.record)
        let run = Task { await informer.run() }
        defer { run.cancel() }
        await informer.waitForSync()
        #expect(recorder.lines == ["add a"])
        let owner: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "name": "a", "uid": "owner-uid", "controller": true]
        _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["name": "b", "ownerReferences": [owner]], "data": ["v": "1"]])
        var updated = try await objects.get(configMaps, namespace: "shop", name: "a")
        updated["data"] = ["v": "2"]
        _ = try await objects.update(configMaps, namespace: "shop", name: "a", body: updated)
        _ = try await objects.delete(configMaps, namespace: "shop", name: "a")
        try await waitUntil { recorder.lines.count == 4 }
        #expect(recorder.lines == ["add a", "add b", "update a 1->2", "delete a"])
        #expect(informer.get("shop/a") == nil && informer.get("shop/b") != nil)
        #expect(informer.byIndex(SharedInformer.ownerIndex, "owner-uid").map { $0[path: ["metadata", "name"]] } == ["b"])
        #expect(informer.byIndex(SharedInformer.namespaceIndex, "shop").count == 1)

        // A handler added late gets the cache as adds.
        let late = Recorder()
        informer.addHandler(late.record)
        #expect(late.lines == ["add b"])
    }

    @Test("an informer whose watch expires (410 after compaction) lists again and delivers the difference")
    func relist() async throws {
        let (objects, configMaps) = try await registry()
        let source = ExpiringSource(inner: RegistrySource(objects: objects, type: configMaps))
        let informer = SharedInformer(source: source, logger: Logger(label: "test"))
        let recorder = Recorder()
        informer.addHandler(recorder.record)
        _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["name": "gone"], "data": ["v": "1"]])
        _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["name": "kept"], "data": ["v": "1"]])
        source.failWatches.store(true, ordering: .relaxed)
        let run = Task { await informer.run() }
        defer { run.cancel() }
        await informer.waitForSync()
        // While the watch keeps failing, the world changes; the next list finds the difference.
        _ = try await objects.delete(configMaps, namespace: "shop", name: "gone")
        var kept = try await objects.get(configMaps, namespace: "shop", name: "kept")
        kept["data"] = ["v": "2"]
        _ = try await objects.update(configMaps, namespace: "shop", name: "kept", body: kept)
        _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["name": "new"], "data": ["v": "1"]])
        source.failWatches.store(false, ordering: .relaxed)
        // The relist may land between the writes above; the rest then arrives by watch.
        let expected: Set<String> = ["delete gone", "update kept 1->2", "add new"]
        try await waitUntil { expected.isSubset(of: Set(recorder.lines)) }
        #expect(Set(recorder.lines.dropFirst(2)) == expected, "\(recorder.lines)")
        #expect(source.lists.load(ordering: .relaxed) >= 2)
    }

    /// A source whose watches fail with 410 while `failWatches` is set.
    final class ExpiringSource: ListWatchSource {
        let inner: RegistrySource
        let failWatches = Atomic(false)
        let lists = Atomic(0)
        init(inner: RegistrySource) { self.inner = inner }
        func list() async throws -> (objects: [JSONValue], resourceVersion: String) {
            lists.add(1, ordering: .relaxed)
            return try await inner.list()
        }
        func watch(after resourceVersion: String) async throws -> AsyncThrowingStream<WatchFrame, any Error> {
            if failWatches.load(ordering: .relaxed) { throw APIError.expired(requested: resourceVersion, oldest: 1) }
            return try await inner.watch(after: resourceVersion)
        }
    }

    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }

    @Test("cron schedules: steps, ranges, names, macros, either-day rule, zones, and refusals")
    func cronSchedules() throws {
        let utc = TimeZone(identifier: "UTC")!
        func next(_ text: String, _ from: String, zone: TimeZone = TimeZone(identifier: "UTC")!) -> String? {
            let formatter = ISO8601DateFormatter()
            guard let schedule = CronSchedule(text), let start = formatter.date(from: from) else { return nil }
            formatter.timeZone = utc
            return schedule.next(after: start, in: zone).map { formatter.string(from: $0) }
        }
        #expect(next("*/1 * * * *", "2026-12-01T10:00:30Z") == "2026-12-01T10:01:00Z")
        #expect(next("*/15 * * * *", "2026-12-01T10:00:00Z") == "2026-12-01T10:15:00Z")
        #expect(next("0 9 * * MON-FRI", "2026-12-05T10:00:00Z") == "2026-12-07T09:00:00Z", "Saturday to Monday")
        #expect(next("@monthly", "2026-12-15T00:00:00Z") == "2027-01-01T00:00:00Z")
        #expect(next("0 0 13 * 5", "2026-12-01T00:00:00Z") == "2026-12-04T00:00:00Z", "day 13 or a Friday")
        #expect(next("0 0 29 2 *", "2026-03-01T00:00:00Z") == "2028-02-29T00:00:00Z")
        #expect(next("30 2 * * *", "2026-12-01T00:00:00Z", zone: TimeZone(identifier: "America/New_York")!) == "2026-12-01T07:30:00Z")
        #expect(next("30 2 * * *", "2027-03-14T05:00:00Z", zone: TimeZone(identifier: "America/New_York")!) != nil, "a DST gap does not hang")
        #expect(next("0 0 30 2 *", "2026-01-01T00:00:00Z") == nil, "February 30 never comes")
        for bad in ["", "* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "5-1 * * * *", "a b c d e", "* * * * 8"] {
            #expect(CronSchedule(bad) == nil, "\(bad)")
        }
    }

    @Test("JSON patch: add, remove, replace, move, copy, test; a failing operation changes nothing")
    func jsonPatch() throws {
        let document: JSONValue = ["metadata": ["labels": ["a/b": "1"]], "list": [1, 2]]
        let patched = try JSONPatch.apply(
            [
                ["op": "add", "path": "/list/-", "value": 3], ["op": "add", "path": "/list/0", "value": 0],
                ["op": "replace", "path": "/metadata/labels/a~1b", "value": "2"], ["op": "copy", "from": "/list/1", "path": "/one"],
                ["op": "move", "from": "/one", "path": "/uno"], ["op": "remove", "path": "/list/3"], ["op": "test", "path": "/uno", "value": 1],
            ], to: document)
        #expect(patched == ["metadata": ["labels": ["a/b": "2"]], "list": [0, 1, 2], "uno": 1])
        #expect(throws: APIError.self) { try JSONPatch.apply([["op": "test", "path": "/list/0", "value": 9]], to: document) }
        #expect(throws: APIError.self) { try JSONPatch.apply([["op": "remove", "path": "/missing"]], to: document) }
        #expect(throws: APIError.self) { try JSONPatch.apply([["op": "add", "path": "/list/7", "value": 1]], to: document) }
        #expect(throws: APIError.self) { try JSONPatch.apply(["op": "add"], to: document) }
        #expect(throws: APIError.self) { try JSONPatch.apply([["op": "move", "from": "/metadata", "path": "/metadata/x"]], to: document) }
    }
}
