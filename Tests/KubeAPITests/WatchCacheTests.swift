import EncStore
import Testing

@testable import KubeAPI

/// The server-side watch cache: shared decoding and encoding, node-indexed fan-out, resumption
/// inside and outside its window, lists at resourceVersion "0", slow watchers.
@Suite("Watch cache")
struct WatchCacheTests {
    let registry = ResourceRegistry.builtIn
    var pods: ResourceType { registry.lookup(group: "", version: "v1", plural: "pods")! }
    var configMaps: ResourceType { registry.lookup(group: "", version: "v1", plural: "configmaps")! }

    func store(_ configuration: WatchCacheConfiguration = WatchCacheConfiguration()) async throws -> ObjectStore {
        let objects = ObjectStore(store: MVCCStore.inMemory(), watchCache: configuration)
        _ = try await objects.create(registry.lookup(group: "", version: "v1", plural: "namespaces")!, namespace: nil, body: ["metadata": ["name": "w"]])
        _ = try await objects.create(registry.lookup(group: "", version: "v1", plural: "serviceaccounts")!, namespace: "w", body: ["metadata": ["name": "default"]])
        return objects
    }

    func pod(_ name: String, node: String) -> JSONValue {
        ["metadata": ["name": .string(name)], "spec": ["nodeName": .string(node), "containers": [["name": "c", "image": "nginx"]]]]
    }

    func options(_ resourceVersion: String?, field: String = "") throws -> ObjectStore.WatchOptions {
        var options = ObjectStore.WatchOptions()
        options.resourceVersion = resourceVersion
        options.list.fieldSelector = try FieldSelector(parsing: field)
        return options
    }

    func take(_ count: Int, _ stream: AsyncThrowingStream<WatchFrame, any Error>) async throws -> [WatchFrame] {
        var frames: [WatchFrame] = []
        for try await frame in stream {
            frames.append(frame)
            if frames.count == count { break }
        }
        return frames
    }

    @Test("watchers of one event share one frame and one encoding")
    func sharedFrames() async throws {
        let objects = try await store()
        let first = try await objects.watch(configMaps, namespace: nil, options: options("0"))
        let second = try await objects.watch(configMaps, namespace: "w", options: options("0"))
        _ = try await objects.create(configMaps, namespace: "w", body: ["metadata": ["name": "a"], "data": ["k": "v"]])
        let a = try await take(1, first)[0]
        let b = try await take(1, second)[0]
        #expect(a === b, "one frame for both watchers")
        #expect(a.type == "ADDED" && a.encodedLine == b.encodedLine && a.encodedLine.last == 0x0A)
        #expect(objects.watchCaches.watcherCount >= 2)
    }

    @Test("node watchers (spec.nodeName=) see only their node's pods; unindexed watchers see all")
    func nodeIndex() async throws {
        let objects = try await store()
        _ = try await objects.create(pods, namespace: "w", body: pod("before", node: "n1"))
        let n1 = try await objects.watch(pods, namespace: nil, options: options("", field: "spec.nodeName=n1"))
        let n2 = try await objects.watch(pods, namespace: nil, options: options("", field: "spec.nodeName=n2"))
        let all = try await objects.watch(pods, namespace: "w", options: options(""))
        _ = try await objects.create(pods, namespace: "w", body: pod("p2", node: "n2"))
        _ = try await objects.create(pods, namespace: "w", body: pod("p1", node: "n1"))
        _ = try await objects.delete(pods, namespace: "w", name: "before", options: .init(gracePeriodSeconds: 0))
        func names(_ frames: [WatchFrame]) -> [String] { frames.map { "\($0.type) \($0.object[path: ["metadata", "name"]]?.stringValue ?? "")" } }
        let seenN1 = try await take(3, n1)
        #expect(names(seenN1).first == "ADDED before" && names(seenN1).contains("ADDED p1") && !names(seenN1).contains("ADDED p2"), "\(names(seenN1))")
        #expect(names(try await take(1, n2)) == ["ADDED p2"])
        let everything = names(try await take(3, all))
        #expect(everything == ["ADDED before", "ADDED p2", "ADDED p1"], "\(everything)")
    }

    @Test("a watch resuming inside the window is served from memory, one older from the store's history")
    func resume() async throws {
        let objects = try await store(WatchCacheConfiguration(capacity: 3))
        // Start the cache, then write more than its window holds.
        _ = try await objects.watch(configMaps, namespace: nil, options: options("0"))
        var versions: [String] = []
        for index in 0..<8 {
            let created = try await objects.create(configMaps, namespace: "w", body: ["metadata": ["name": .string("c\(index)")]])
            versions.append(created[path: ["metadata", "resourceVersion"]]?.stringValue ?? "")
        }
        func names(_ frames: [WatchFrame]) -> [String] { frames.map { $0.object[path: ["metadata", "name"]]?.stringValue ?? "" } }
        let recent = try await objects.watch(configMaps, namespace: nil, options: options(versions[5]))
        #expect(names(try await take(2, recent)) == ["c6", "c7"])
        let old = try await objects.watch(configMaps, namespace: nil, options: options(versions[1]))
        #expect(names(try await take(6, old)) == ["c2", "c3", "c4", "c5", "c6", "c7"])
    }

    @Test("a resourceVersion \"0\" list is answered from the cache, and matches the store")
    func staleList() async throws {
        let objects = try await store()
        for index in 0..<5 { _ = try await objects.create(configMaps, namespace: "w", body: ["metadata": ["name": .string("c\(index)"), "labels": ["i": .string(String(index % 2))]]]) }
        var options = ObjectStore.ListOptions()
        options.labelSelector = try LabelSelector(parsing: "i=0")
        let fromStore = try await objects.list(configMaps, namespace: "w", options: options)
        options.allowStale = true
        var fromCache = try await objects.list(configMaps, namespace: "w", options: options)
        for _ in 0..<100 where fromCache["metadata"] != fromStore["metadata"] {
            try await Task.sleep(for: .milliseconds(10))
            fromCache = try await objects.list(configMaps, namespace: "w", options: options)
        }
        #expect(fromCache == fromStore)
        #expect(fromCache["items"]?.arrayValue?.count == 3)
    }

    @Test("a watcher that does not keep up is closed, and the others go on")
    func slowWatcher() async throws {
        let objects = try await store(WatchCacheConfiguration(watcherBuffer: 2))
        let slow = try await objects.watch(configMaps, namespace: nil, options: options("0"))
        let fast = try await objects.watch(configMaps, namespace: nil, options: options("0"))
        let reader = Task { try await take(10, fast).count }
        for index in 0..<10 {
            _ = try await objects.create(configMaps, namespace: "w", body: ["metadata": ["name": .string("c\(index)")]])
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try await reader.value == 10)
        var received = 0
        for try await _ in slow { received += 1 }
        #expect(received < 10, "closed after its buffer filled")
    }

    @Test("a deleted object's event carries the deletion's resourceVersion")
    func deletion() async throws {
        let objects = try await store()
        _ = try await objects.create(configMaps, namespace: "w", body: ["metadata": ["name": "a"]])
        let events = try await objects.watch(configMaps, namespace: nil, options: options("0"))
        _ = try await objects.delete(configMaps, namespace: "w", name: "a")
        let frames = try await take(2, events)
        #expect(frames.map(\.type) == ["ADDED", "DELETED"])
        let revision = try await objects.store.currentRevision()
        #expect(frames[1].object[path: ["metadata", "resourceVersion"]]?.stringValue == String(revision))
    }
}
