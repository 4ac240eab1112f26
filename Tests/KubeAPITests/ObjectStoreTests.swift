import EncStore
import Testing

@testable import KubeAPI

/// The generic registry's semantics, on the in-memory store.
@Suite("Generic registry")
struct ObjectStoreTests {
    let objects = ObjectStore(store: MVCCStore.inMemory())
    let registry = ResourceRegistry.builtIn
    var configMaps: ResourceType { registry.lookup(group: "", version: "v1", plural: "configmaps")! }
    var deployments: ResourceType { registry.lookup(group: "apps", version: "v1", plural: "deployments")! }
    var namespaces: ResourceType { registry.lookup(group: "", version: "v1", plural: "namespaces")! }

    func namespace(_ name: String) async throws {
        _ = try await objects.create(namespaces, namespace: nil, body: ["metadata": ["name": .string(name)]])
    }

    func expectAPIError(_ code: Int, _ message: String? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as APIError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let message { #expect(error.message == message, sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("create fills metadata; the namespace must exist and not be terminating")
    func create() async throws {
        await expectAPIError(404, "namespaces \"shop\" not found") {
            _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["name": "a"]])
        }
        try await namespace("shop")
        let created = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["generateName": "cfg-"], "data": ["k": "v"]])
        let name = try #require(created[path: ["metadata", "name"]]?.stringValue)
        #expect(name.hasPrefix("cfg-") && name.count == 9)
        #expect(created["kind"] == "ConfigMap" && created["apiVersion"] == "v1")
        #expect(created[path: ["metadata", "uid"]]?.stringValue?.count == 36)
        #expect(created[path: ["metadata", "resourceVersion"]] != nil && created[path: ["metadata", "creationTimestamp"]] != nil)
        #expect(created[path: ["metadata", "generation"]] == nil, "no spec, no generation")
        await expectAPIError(409, "configmaps \"\(name)\" already exists") {
            _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["name": .string(name)]])
        }
        await expectAPIError(400) {
            _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["name": "x", "namespace": "other"]])
        }
        await expectAPIError(422) { _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": [:]]) }
        await expectAPIError(422) {
            _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["name": "ok", "labels": ["bad key!": "v"]]])
        }
        _ = try await objects.delete(namespaces, namespace: nil, name: "shop")
        await expectAPIError(403, "configmaps \"late\" is forbidden: unable to create new content in namespace shop because it is being terminated") {
            _ = try await objects.create(configMaps, namespace: "shop", body: ["metadata": ["name": "late"]])
        }
    }

    @Test("what a create or update returns is what a read returns, doubles included")
    func writesReturnTheStoredForm() async throws {
        try await namespace("w")
        let samples: [JSONValue] = [["a": "1", "b": ["x", 2]], ["n": .double(3), "m": .double(2.5), "deep": [["k": .double(1e20)]]]]
        for data in samples {
            let body: JSONValue = ["metadata": ["name": "cm", "labels": ["x": "y"]], "data": ["k": "v"], "extra": data]
            let created = try await objects.create(configMaps, namespace: "w", body: body)
            #expect(created == (try await objects.get(configMaps, namespace: "w", name: "cm")))
            var changed = created
            changed["extra"] = ["n": .double(4), "s": "t"]
            let updated = try await objects.update(configMaps, namespace: "w", name: "cm", body: changed)
            #expect(updated == (try await objects.get(configMaps, namespace: "w", name: "cm")))
            #expect(updated[path: ["extra", "n"]] == 4, "an integral double reads back as an integer, on the write too")
            _ = try await objects.delete(configMaps, namespace: "w", name: "cm")
        }
    }

    @Test("updates need the current resourceVersion; generation moves with spec only; status is its own subresource")
    func updates() async throws {
        try await namespace("d")
        let template: JSONValue = ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]
        let created = try await objects.create(
            deployments, namespace: "d",
            body: ["metadata": ["name": "web"], "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "web"]], "template": template], "status": ["replicas": 9]])
        #expect(created[path: ["metadata", "generation"]] == 1 && created["status"] == nil)
        let version = try #require(created[path: ["metadata", "resourceVersion"]]?.stringValue)

        var stale = created
        stale[path: "metadata.resourceVersion"] = "1"
        await expectAPIError(409, "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again") {
            _ = try await objects.update(deployments, namespace: "d", name: "web", body: stale)
        }
        var relabeled = created
        relabeled[path: "metadata.labels"] = ["a": "b"]
        let afterLabel = try await objects.update(deployments, namespace: "d", name: "web", body: relabeled)
        #expect(afterLabel[path: ["metadata", "generation"]] == 1 && afterLabel[path: ["metadata", "resourceVersion"]]?.stringValue != version)

        let scaled = try await objects.mergePatch(deployments, namespace: "d", name: "web", patch: ["spec": ["replicas": 5], "status": ["replicas": 7]])
        #expect(scaled[path: ["metadata", "generation"]] == 2 && scaled["status"] == nil, "the main resource ignores status")
        let status = try await objects.mergePatch(deployments, namespace: "d", name: "web", patch: ["status": ["replicas": 5]], subresource: "status")
        #expect(status[path: ["status", "replicas"]] == 5 && status[path: ["metadata", "generation"]] == 2)
        let unlabeled = try await objects.mergePatch(deployments, namespace: "d", name: "web", patch: ["metadata": ["labels": ["a": nil]]])
        #expect(unlabeled[path: ["metadata", "labels"]] == [:])
        await expectAPIError(404) { _ = try await objects.mergePatch(deployments, namespace: "d", name: "gone", patch: [:]) }
    }

    @Test("a finished pod's phase cannot go back (a node's late report after an eviction is refused)")
    func terminalPhase() async throws {
        try await namespace("t")
        let pods = registry.lookup(group: "", version: "v1", plural: "pods")!
        _ = try await objects.create(registry.lookup(group: "", version: "v1", plural: "serviceaccounts")!, namespace: "t", body: ["metadata": ["name": "default"]])
        _ = try await objects.create(pods, namespace: "t", body: ["metadata": ["name": "p"], "spec": ["containers": [["name": "c", "image": "busybox"]]]])
        _ = try await objects.mergePatch(pods, namespace: "t", name: "p", patch: ["status": ["phase": "Running"]], subresource: "status")
        _ = try await objects.mergePatch(pods, namespace: "t", name: "p", patch: ["status": ["phase": "Failed", "reason": "Evicted"]], subresource: "status")
        await expectAPIError(422) {
            _ = try await objects.mergePatch(pods, namespace: "t", name: "p", patch: ["status": ["phase": "Running"]], subresource: "status")
        }
        let kept = try await objects.get(pods, namespace: "t", name: "p")
        #expect(kept[path: ["status", "phase"]] == "Failed")
    }

    @Test("finalizers hold deletion until the last one is removed")
    func finalizers() async throws {
        try await namespace("f")
        _ = try await objects.create(configMaps, namespace: "f", body: ["metadata": ["name": "held", "finalizers": ["example.com/hold"]]])
        let marked = try await objects.delete(configMaps, namespace: "f", name: "held").object
        #expect(marked[path: ["metadata", "deletionTimestamp"]] != nil)
        #expect(try await objects.get(configMaps, namespace: "f", name: "held")[path: ["metadata", "deletionTimestamp"]] != nil)
        _ = try await objects.mergePatch(configMaps, namespace: "f", name: "held", patch: ["metadata": ["finalizers": nil]])
        await expectAPIError(404) { _ = try await objects.get(configMaps, namespace: "f", name: "held") }
        _ = try await objects.create(configMaps, namespace: "f", body: ["metadata": ["name": "p"]])
        await expectAPIError(409) { _ = try await objects.delete(configMaps, namespace: "f", name: "p", options: .init(uid: "wrong")) }
    }

    @Test("lists filter, page with continue tokens, and report the store revision")
    func lists() async throws {
        try await namespace("l")
        for index in 0..<7 {
            _ = try await objects.create(configMaps, namespace: "l", body: ["metadata": ["name": .string("c\(index)"), "labels": ["even": .string(index % 2 == 0 ? "yes" : "no")]]])
        }
        var options = ObjectStore.ListOptions()
        options.limit = 3
        var names: [String] = []
        var pages = 0
        repeat {
            let page = try await objects.list(configMaps, namespace: "l", options: options)
            names += (page["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "name"]]?.stringValue }
            options.continueToken = page[path: ["metadata", "continue"]]?.stringValue
            pages += 1
        } while options.continueToken != nil
        #expect(names == (0..<7).map { "c\($0)" } && pages == 3)
        options = ObjectStore.ListOptions()
        options.labelSelector = try LabelSelector(parsing: "even=yes")
        let even = try await objects.list(configMaps, namespace: "l", options: options)
        #expect(even["items"]?.arrayValue?.count == 4 && even["kind"] == "ConfigMapList")
        options.continueToken = "bm90LWEta2V5"
        await expectAPIError(400) { _ = try await objects.list(configMaps, namespace: "l", options: options) }
    }

    @Test("an Exact list reads the past; paged lists are one snapshot; compacted is 410 and future 504")
    func snapshots() async throws {
        try await namespace("s")
        for index in 0..<4 { _ = try await objects.create(configMaps, namespace: "s", body: ["metadata": ["name": .string("c\(index)")]]) }
        func names(_ list: JSONValue) -> [String] { (list["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "name"]]?.stringValue } }
        var options = ObjectStore.ListOptions()
        let before = try await objects.list(configMaps, namespace: "s", options: options)
        let revision = try #require(Int64(before[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""))
        _ = try await objects.delete(configMaps, namespace: "s", name: "c1")
        _ = try await objects.create(configMaps, namespace: "s", body: ["metadata": ["name": "c9"]])

        options.exactResourceVersion = revision
        let exact = try await objects.list(configMaps, namespace: "s", options: options)
        #expect(names(exact) == ["c0", "c1", "c2", "c3"] && exact[path: ["metadata", "resourceVersion"]] == .string(String(revision)))

        options = ObjectStore.ListOptions()
        options.limit = 2
        let first = try await objects.list(configMaps, namespace: "s", options: options)
        _ = try await objects.delete(configMaps, namespace: "s", name: "c3")
        _ = try await objects.create(configMaps, namespace: "s", body: ["metadata": ["name": "c8"]])
        options.continueToken = first[path: ["metadata", "continue"]]?.stringValue
        let second = try await objects.list(configMaps, namespace: "s", options: options)
        #expect(names(first) + names(second) == ["c0", "c2", "c3", "c9"], "the second page sees the first page's snapshot")
        #expect(second[path: ["metadata", "resourceVersion"]] == first[path: ["metadata", "resourceVersion"]])

        options = ObjectStore.ListOptions()
        options.exactResourceVersion = revision + 1_000
        await expectAPIError(504) { _ = try await objects.list(configMaps, namespace: "s", options: options) }
        try await objects.store.compact(through: revision + 1)
        options.exactResourceVersion = revision
        await expectAPIError(410) { _ = try await objects.list(configMaps, namespace: "s", options: options) }
    }

    @Test("watch applies selectors to old and new objects: leaving the selection is DELETED")
    func watch() async throws {
        try await namespace("w")
        _ = try await objects.create(configMaps, namespace: "w", body: ["metadata": ["name": "a", "labels": ["on": "yes"]]])
        var options = ObjectStore.WatchOptions()
        options.list.labelSelector = try LabelSelector(parsing: "on=yes")
        options.resourceVersion = "0"
        let events = try await objects.watch(configMaps, namespace: "w", options: options)
        _ = try await objects.mergePatch(configMaps, namespace: "w", name: "a", patch: ["data": ["x": "1"]])
        _ = try await objects.mergePatch(configMaps, namespace: "w", name: "a", patch: ["metadata": ["labels": ["on": "no"]]])
        _ = try await objects.create(configMaps, namespace: "w", body: ["metadata": ["name": "b", "labels": ["on": "yes"]]])
        _ = try await objects.delete(configMaps, namespace: "w", name: "b")
        var seen: [String] = []
        for try await event in events {
            seen.append("\(event.type) \(event.object[path: ["metadata", "name"]]!.stringValue!)")
            if seen.count == 5 { break }
        }
        #expect(seen == ["ADDED a", "MODIFIED a", "DELETED a", "ADDED b", "DELETED b"])
    }

    @Test("a watch from a compacted resourceVersion is 410 Gone")
    func expired() async throws {
        let store = MVCCStore.inMemory()
        let objects = ObjectStore(store: store)
        _ = try await objects.create(namespaces, namespace: nil, body: ["metadata": ["name": "x"]])
        _ = try await objects.create(namespaces, namespace: nil, body: ["metadata": ["name": "y"]])
        try await store.compact(through: try await store.currentRevision())
        var options = ObjectStore.WatchOptions()
        options.resourceVersion = "1"
        await expectAPIError(410, "too old resource version: 1 (4)") { _ = try await objects.watch(namespaces, namespace: nil, options: options) }
    }

    @Test("errors become kube-apiserver's Status objects")
    func status() {
        let error = APIError.invalid(configMaps, name: "Bad", causes: [.init(field: "metadata.name", message: "Invalid value: \"Bad\": x")])
        #expect(error.status["kind"] == "Status" && error.status["code"] == 422 && error.status["reason"] == "Invalid")
        #expect(error.message == "ConfigMap \"Bad\" is invalid: metadata.name: Invalid value: \"Bad\": x")
        #expect(error.status[path: ["details", "causes"]] == [["reason": "FieldValueInvalid", "message": "Invalid value: \"Bad\": x", "field": "metadata.name"]])
        #expect(APIError.notFound(deployments, name: "w").message == "deployments.apps \"w\" not found")
    }

    @Test("error bodies are written as kube-apiserver writes them: Status fields in Go order and a newline (clients compare them)")
    func statusBodies() {
        let services = ResourceRegistry.builtIn.lookup(group: "", version: "v1", plural: "services")!
        let body = String(decoding: APIResponse.statusBytes(APIError.alreadyExists(services, name: "mock-2").status), as: UTF8.self)
        #expect(body == "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"services \\\"mock-2\\\" already exists\",\"reason\":\"AlreadyExists\",\"details\":{\"name\":\"mock-2\",\"kind\":\"services\"},\"code\":409}\n")
        let invalid = APIError.invalid(services, name: "s", causes: [.init(field: "spec.ports", type: "FieldValueRequired", message: "Required value")])
        let invalidBody = String(decoding: APIResponse.statusBytes(invalid.status), as: UTF8.self)
        #expect(invalidBody.contains("\"details\":{\"name\":\"s\",\"kind\":\"Service\",\"causes\":[{\"reason\":\"FieldValueRequired\",\"message\":\"Required value\",\"field\":\"spec.ports\"}]}"), "\(invalidBody)")
    }
}

@Suite("Watch bookmarks and request limits")
struct BookmarkAndLimitTests {
    @Test("a watch that allows bookmarks gets the latest delivered resourceVersion")
    func bookmarks() async throws {
        let objects = ObjectStore(store: MVCCStore.inMemory())
        let namespaces = ResourceRegistry.builtIn.lookup(group: "", version: "v1", plural: "namespaces")!
        var options = ObjectStore.WatchOptions()
        options.resourceVersion = "1"
        options.bookmarkInterval = .milliseconds(50)
        let events = try await objects.watch(namespaces, namespace: nil, options: options)
        let created = try await objects.create(namespaces, namespace: nil, body: ["metadata": ["name": "b"]])
        var bookmark: JSONValue?
        for try await event in events where event.type == "BOOKMARK" {
            if event.object[path: ["metadata", "resourceVersion"]] == created[path: ["metadata", "resourceVersion"]] {
                bookmark = event.json
                break
            }
        }
        #expect(bookmark?[path: ["object", "kind"]] == "Namespace")
    }

    @Test("the in-flight limiter refuses past its bound and frees slots on release")
    func limiter() {
        let limiter = InFlightLimiter(readOnly: 2, mutating: 1)
        #expect(limiter.acquire(mutating: true))
        #expect(!limiter.acquire(mutating: true))
        #expect(limiter.acquire(mutating: false) && limiter.acquire(mutating: false) && !limiter.acquire(mutating: false))
        limiter.release(mutating: true)
        #expect(limiter.acquire(mutating: true))
    }
}
