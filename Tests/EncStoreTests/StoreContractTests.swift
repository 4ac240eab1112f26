import Foundation
import Testing

@testable import EncStore

/// etcd v3's contract, checked against every ``KeyValueStore`` implementation.
@Suite("Store contract")
struct StoreContractTests {
    @Test("revisions and per-key metadata follow etcd", arguments: Implementation.allCases)
    func revisions(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            #expect(try await store.currentRevision() == 1)
            let created = try await store.create("/a", value: "one".bytes)
            #expect(created == .written(KeyValue(key: "/a", value: "one".bytes, createRevision: 2, modRevision: 2, version: 1)))
            let updated = try await store.put("/a", value: "two".bytes)
            #expect(updated == .written(KeyValue(key: "/a", value: "two".bytes, createRevision: 2, modRevision: 3, version: 2)))
            _ = try await store.create("/b", value: [])
            let deleted = try await store.delete("/a")
            #expect(deleted == .deleted(previous: KeyValue(key: "/a", value: "two".bytes, createRevision: 2, modRevision: 3, version: 2), revision: 5))
            let recreated = try await store.create("/a", value: "three".bytes)
            #expect(recreated == .written(KeyValue(key: "/a", value: "three".bytes, createRevision: 6, modRevision: 6, version: 1)))
            let read = try await store.get("/a")
            #expect(read.revision == 6)
            #expect(read.kv?.value == "three".bytes)
            #expect(try await store.get("/missing") == GetResult(kv: nil, revision: 6))
            #expect(try await store.get("/b").kv?.value == [])
        }
    }

    @Test("failed preconditions return the current value and change nothing", arguments: Implementation.allCases)
    func compareAndSwap(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            guard case .written(let kv) = try await store.create("/k", value: "v1".bytes) else {
                Issue.record("create failed")
                return
            }
            #expect(try await store.create("/k", value: "other".bytes) == .conditionFailed(current: kv, revision: 2))
            #expect(try await store.put("/k", value: "x".bytes, ifModRevision: 1) == .conditionFailed(current: kv, revision: 2))
            #expect(try await store.delete("/k", ifModRevision: 7) == .conditionFailed(current: kv, revision: 2))
            #expect(try await store.delete("/nothing") == .conditionFailed(current: nil, revision: 2))
            #expect(try await store.put("/nothing", value: "x".bytes, ifModRevision: 2) == .conditionFailed(current: nil, revision: 2))
            #expect(try await store.currentRevision() == 2)

            let swapped = try await store.put("/k", value: "v2".bytes, ifModRevision: 2)
            #expect(swapped.succeeded && swapped.revision == 3)
            let removed = try await store.delete("/k", ifModRevision: 3)
            #expect(removed.succeeded && removed.revision == 4)
            #expect(try await store.get("/k").kv == nil)
        }
    }

    @Test("a transaction applies all of its operations at one revision, or none", arguments: Implementation.allCases)
    func transactions(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            _ = try await store.create("/t/existing", value: "e".bytes)
            let failed = try await store.transaction([
                .create("/t/new", value: "n".bytes),
                .update("/t/existing", value: "changed".bytes, ifModRevision: 99),
            ])
            guard case .conditionFailed(let index, let current, let revision) = failed else {
                Issue.record("expected a failed condition, got \(failed)")
                return
            }
            #expect(index == 1 && current?.value == "e".bytes && revision == 2)
            #expect(try await store.get("/t/new").kv == nil)
            #expect(try await store.currentRevision() == 2)

            let committed = try await store.transaction([
                .create("/t/new", value: "n".bytes),
                .update("/t/existing", value: "changed".bytes, ifModRevision: 2),
            ])
            guard case .committed(let newRevision, let results) = committed else {
                Issue.record("expected a commit, got \(committed)")
                return
            }
            #expect(newRevision == 3 && results.map(\.revision) == [3, 3])
            #expect(try await store.text("/t/existing") == "changed")

            await expectStoreError(.invalidTransaction) {
                _ = try await store.transaction([.create("/d", value: []), .delete("/d")])
            }
            await expectStoreError(.invalidTransaction) { _ = try await store.transaction([]) }
        }
    }

    @Test("range reads a prefix in byte order, pages with limit and after, and counts", arguments: Implementation.allCases)
    func ranges(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            let names = (0..<25).map { String(format: "/r/item-%02d", $0) }
            for name in names.shuffled() { _ = try await store.create(name, value: name.bytes) }
            _ = try await store.create("/r", value: [])
            _ = try await store.create("/rz", value: [])
            _ = try await store.create("/q/other", value: [])

            let all = try await store.range(prefix: "/r/")
            #expect(all.kvs.map(\.key) == names && !all.more && all.revision == 29)
            #expect(all.kvs.allSatisfy { $0.value == $0.key.bytes })

            var paged: [String] = []
            var after: String?
            var pages = 0
            repeat {
                let page = try await store.range(prefix: "/r/", limit: 10, after: after)
                paged += page.kvs.map(\.key)
                after = page.more ? page.kvs.last?.key : nil
                pages += 1
            } while after != nil
            #expect(paged == names && pages == 3)
            #expect(try await store.range(prefix: "/r/", limit: 0, after: "/r/item-23").kvs.map(\.key) == ["/r/item-24"])
            #expect(try await store.range(prefix: "/r/", limit: 5, after: "/a").kvs.count == 5)
            #expect(try await store.range(prefix: "/r/", limit: 5, after: "/s").kvs.isEmpty)
            #expect(try await store.count(prefix: "/r/") == CountResult(count: 25, revision: 29))
            #expect(try await store.count(prefix: "") == CountResult(count: 28, revision: 29))
            #expect(try await store.count(prefix: "/none/").count == 0)
        }
    }

    @Test("range at a past revision undoes later creates, updates and deletes; compacted and future revisions are refused", arguments: Implementation.allCases)
    func rangeAtRevision(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            _ = try await store.create("/h/a", value: [1])
            _ = try await store.create("/h/b", value: [2])
            let before = try await store.currentRevision()
            _ = try await store.put("/h/a", value: [10])
            _ = try await store.delete("/h/b")
            _ = try await store.create("/h/c", value: [3])
            _ = try await store.transaction([.create("/h/d", value: [4]), .create("/other", value: [9])])
            let then = try await store.range(prefix: "/h/", limit: 0, after: nil, atRevision: before)
            #expect(then.kvs.map(\.key) == ["/h/a", "/h/b"] && then.kvs.map(\.value) == [[1], [2]] && then.revision == before && !then.more)
            #expect(then.kvs[0].modRevision == before - 1, "the record as it was, with its metadata")
            let middle = try await store.range(prefix: "/h/", limit: 0, after: nil, atRevision: before + 2)
            #expect(middle.kvs.map(\.key) == ["/h/a"] && middle.kvs[0].value == [10])
            let paged = try await store.range(prefix: "/h/", limit: 1, after: "/h/a", atRevision: before)
            #expect(paged.kvs.map(\.key) == ["/h/b"] && !paged.more)
            #expect(try await store.range(prefix: "/h/", limit: 1, after: nil, atRevision: before).more)
            let now = try await store.currentRevision()
            #expect(try await store.range(prefix: "/h/", limit: 0, after: nil, atRevision: now).kvs == (try await store.range(prefix: "/h/")).kvs)
            await #expect(throws: StoreError.self) { try await store.range(prefix: "/h/", limit: 0, after: nil, atRevision: now + 1) }
            try await store.compact(through: before + 1)
            await #expect(throws: StoreError.self) { try await store.range(prefix: "/h/", limit: 0, after: nil, atRevision: before) }
            #expect(try await store.range(prefix: "/h/", limit: 0, after: nil, atRevision: before + 2).kvs.map(\.key) == ["/h/a"])
        }
    }

    @Test("bad keys and values are refused with clear errors and lose nothing", arguments: Implementation.allCases)
    func badInput(_ implementation: Implementation) async throws {
        let configuration = StoreConfiguration(maxKeySize: 64, maxValueSize: 1_000)
        try await withStore(implementation, configuration: configuration) { store in
            _ = try await store.create("/keep", value: "safe".bytes)
            await expectStoreError(.emptyKey) { _ = try await store.create("", value: []) }
            await expectStoreError(.emptyKey) { _ = try await store.get("") }
            let long = "/" + String(repeating: "k", count: 64)
            let error = await expectStoreError(.keyTooLarge) { _ = try await store.create(long, value: []) }
            #expect(error?.message == "key of 65 bytes exceeds the limit of 64 bytes")
            await expectStoreError(.keyTooLarge) { _ = try await store.range(prefix: long) }
            await expectStoreError(.valueTooLarge) {
                _ = try await store.transaction([.update("/keep", value: []), .create("/big", value: Array(repeating: 1, count: 1_001))])
            }
            #expect(try await store.text("/keep") == "safe")
            #expect(try await store.currentRevision() == 2)
        }
    }

    @Test("the default key limit is LMDB's 511 bytes", arguments: Implementation.allCases)
    func defaultKeyLimit(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            let longest = "/" + String(repeating: "x", count: 510)
            let created = try await store.create(longest, value: [1])
            #expect(created.succeeded)
            let read = try await store.get(longest)
            #expect(read.kv?.value == [1])
            await expectStoreError(.keyTooLarge) { _ = try await store.create(longest + "x", value: []) }
        }
    }

    @Test("a closed store refuses calls and ends its watchers", arguments: Implementation.allCases)
    func closing(_ implementation: Implementation) async throws {
        try await withStore(implementation) { store in
            let stream = try await store.watch(prefix: "/", fromRevision: 0)
            await store.close()
            await expectStoreError(.closed) { _ = try await store.get("/x") }
            await expectStoreError(.closed) { _ = try await store.create("/x", value: []) }
            await expectStoreError(.closed) { _ = try await collect(1, from: stream) }
        }
    }
}
