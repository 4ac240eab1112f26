import DaaSTestSupport
import Foundation
import Testing

@testable import EncStore

@Suite("Durability", .blockingWaits)
struct DurabilityTests {
    @Test("every acknowledged write survives kill -9 of the writing process")
    func killNine() async throws {
        let directory = temporaryDirectory("encstore-crash")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let helper = productsDirectory.appendingPathComponent("encstore-crash-writer")
        try #require(FileManager.default.isExecutableFile(atPath: helper.path), "build the encstore-crash-writer helper")

        let writer = try ChildProcess(helper.path, [directory + "/data", directory + "/store.key"], outputPath: directory + "/writer.out")
        // Wait (at most 60 s) for 400 acknowledgements, then kill the writer mid-stream.
        #expect(eventually(60) { writer.output.components(separatedBy: "ack ").count > 400 || !writer.isRunning }, "\(writer.output.suffix(500))")
        writer.kill()
        let text = writer.output
        #expect(writer.endedBySignal)

        // Only whole lines count as acknowledgements: the kill may cut the last one.
        let acknowledged = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            .compactMap { $0.hasPrefix("ack ") ? String($0.dropFirst(4)) : nil }
        #expect(acknowledged.count >= 400)

        let store = try MVCCStore.lmdb(directory: directory + "/data", keyProvider: .file(directory + "/store.key"))
        var missing: [String] = []
        for key in acknowledged where try await store.text(key) != "value of \(key)" { missing.append(key) }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(5))")
        let stored = try await store.count(prefix: "/crash/")
        #expect(stored.count >= acknowledged.count)
        #expect(stored.revision == Int64(stored.count) + 1, "every stored write has exactly one revision")
        await store.close()
    }

    @Test("data and revisions persist across close and reopen")
    func reopen() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = KeyProvider.file(directory + "/store.key")
        var store = try MVCCStore.lmdb(directory: directory + "/data", keyProvider: keys)
        _ = try await store.create("/p/a", value: "a".bytes)
        _ = try await store.create("/p/b", value: "b".bytes)
        _ = try await store.delete("/p/a")
        await store.close()

        store = try MVCCStore.lmdb(directory: directory + "/data", keyProvider: keys)
        #expect(try await store.currentRevision() == 4)
        #expect(try await store.range(prefix: "/p/").kvs.map(\.key) == ["/p/b"])
        let history = try await collect(3, from: try await store.watch(prefix: "/p/", fromRevision: 2))
        #expect(history.map(\.kind) == [.put, .put, .delete])
        #expect(try await store.create("/p/c", value: []).revision == 5)
        await store.close()
    }

    @Test("a directory cannot be opened twice in one process")
    func doubleOpen() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try MVCCStore.lmdb(directory: directory, keyRing: KeyRing(active: .generate()))
        await expectStoreError(.alreadyOpen) {
            _ = try MVCCStore.lmdb(directory: directory, keyRing: KeyRing(active: .generate()))
        }
        await store.close()
    }
}
