import Foundation
import Synchronization
import Testing

@testable import EncStore

@Suite("Encryption at rest")
struct EncryptionTests {
    let directory = temporaryDirectory("encstore-crypto")
    var dataDirectory: String { directory + "/data" }
    var keyFile: KeyProvider { .file(directory + "/store.key") }

    func open() throws -> MVCCStore { try MVCCStore.lmdb(directory: dataDirectory, keyProvider: keyFile) }

    /// The raw current record of `key`, read past the store (which must be closed).
    func rawRecord(_ key: String) throws -> [UInt8]? {
        let environment = try LMDBEnvironment(directory: dataDirectory, mapSize: 1 << 30, maxReaders: 8)
        defer { environment.close() }
        return try environment.read { txn in try withBytes(key) { try txn.get(environment.databases.current, $0).map(Array.init) } }
    }

    func setRawRecord(_ key: String, _ record: [UInt8]) throws {
        let environment = try LMDBEnvironment(directory: dataDirectory, mapSize: 1 << 30, maxReaders: 8)
        defer { environment.close() }
        try environment.write { txn in
            try withBytes(key) { key in try record.withUnsafeBytes { try txn.put(environment.databases.current, key, $0) } }
        }
    }

    /// Every file under `path`, read whole.
    func filesUnder(_ path: String) -> [(String, Data)] {
        let enumerator = FileManager.default.enumerator(atPath: path)
        var files: [(String, Data)] = []
        while let name = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: path + "/" + name) { files.append((name, data)) }
        }
        return files
    }

    @Test("values never reach the disk in clear; keys do")
    func noPlaintextOnDisk() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let marker = "MARKER-7f3c9e1d-not-on-disk"
        let store = try open()
        for index in 0..<50 { _ = try await store.create("/secret/\(index)", value: "\(marker) \(index)".bytes) }
        _ = try await store.put("/secret/0", value: "\(marker) again".bytes)
        _ = try await store.delete("/secret/1")
        _ = try await store.create("/secret/empty", value: [])
        #expect(try await store.text("/secret/0") == "\(marker) again")
        await store.close()

        let files = filesUnder(directory)
        #expect(files.contains { $0.0.hasSuffix("data.mdb") })
        for (name, contents) in files {
            #expect(contents.range(of: Data(marker.utf8)) == nil, "\(name) holds the marker in clear")
        }
        let dataFile = try #require(files.first { $0.0.hasSuffix("data.mdb") }?.1)
        #expect(dataFile.range(of: Data("/secret/49".utf8)) != nil, "keys are stored in clear, so the scan can see plain text")
    }

    @Test("each write draws a fresh nonce")
    func freshNonces() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var envelopes: [[UInt8]] = []
        for _ in 0..<3 {
            let store = try open()
            _ = try await store.put("/n", value: "same value".bytes)
            await store.close()
            envelopes.append(Array(try #require(try rawRecord("/n")).dropFirst(24)))
        }
        let nonces = envelopes.map { Array($0[9..<21]) }
        #expect(Set(nonces).count == 3)
        #expect(Set(envelopes.map { Array($0[21...]) }).count == 3, "same plaintext, different ciphertexts")
    }

    @Test("an altered ciphertext fails with an error naming the key; other keys still read")
    func tamperedValue() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var store = try open()
        _ = try await store.create("/t/victim", value: "precious".bytes)
        _ = try await store.create("/t/bystander", value: "fine".bytes)
        await store.close()

        var record = try #require(try rawRecord("/t/victim"))
        record[record.count - 20] ^= 0x01
        try setRawRecord("/t/victim", record)

        store = try open()
        let error = await expectStoreError(.integrity) { _ = try await store.get("/t/victim") }
        #expect(error?.message.contains("/t/victim") == true)
        await expectStoreError(.integrity) { _ = try await store.range(prefix: "/t/") }
        #expect(try await store.text("/t/bystander") == "fine")
        await expectStoreError(.integrity) { _ = try await store.put("/t/victim", value: "x".bytes) }
        await store.close()
    }

    @Test("a value moved under another key fails to open")
    func movedValue() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var store = try open()
        _ = try await store.create("/m/admin-token", value: "secret".bytes)
        _ = try await store.create("/m/public", value: "hello".bytes)
        await store.close()
        try setRawRecord("/m/public", try #require(try rawRecord("/m/admin-token")))
        store = try open()
        let error = await expectStoreError(.integrity) { _ = try await store.get("/m/public") }
        #expect(error?.message.contains("/m/public") == true)
        await store.close()
    }

    @Test("a wrong key is detected at open, before any read")
    func wrongKeyAtOpen() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try open()
        _ = try await store.create("/w", value: "v".bytes)
        await store.close()
        let original = try keyFile.loadKeyRing().active.id
        try KeyProvider.writeKeyFile(directory + "/store.key", keys: [.generate()])
        let error = await expectStoreError(.wrongKey) { _ = try open() }
        #expect(error?.message.contains(original) == true)
        #expect(error?.message.contains("store.key") == true)
    }

    @Test("the key file is created with mode 0600 and refused when others can read it")
    func keyFilePermissions() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ring = try keyFile.loadKeyRing()
        let path = directory + "/store.key"
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try keyFile.loadKeyRing().active.id == ring.active.id, "a second load reads the same key")
        chmod(path, 0o644)
        let error = #expect(throws: StoreError.self) { try keyFile.loadKeyRing() }
        #expect(error?.code == .badKeyMaterial && error?.message.contains("chmod 600") == true)
    }

    @Test("malformed key material is refused with a clear error")
    func malformedKeys() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bad.key"
        _ = FileManager.default.createFile(atPath: path, contents: Data("not base64!\n".utf8), attributes: [.posixPermissions: 0o600])
        let error = #expect(throws: StoreError.self) { try KeyProvider.file(path).loadKeyRing() }
        #expect(error?.message == "key file \(path): key 1 is not 32 bytes of base64")
        #expect(throws: StoreError.self) { try DataKey(bytes: [UInt8](repeating: 0, count: 16)) }
        #expect(throws: StoreError.self) { try KeyProvider.environment("DAAS_TEST_UNSET_\(UUID().uuidString.prefix(8))").loadKeyRing() }
    }

    @Test("keys can come from an environment variable")
    func environmentKeys() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let name = "DAAS_TEST_KEY_\(UUID().uuidString.prefix(8))"
        let key = DataKey.generate()
        setenv(name, key.base64, 1)
        defer { unsetenv(name) }
        let store = try MVCCStore.lmdb(directory: dataDirectory, keyProvider: .environment(name))
        _ = try await store.create("/e", value: "v".bytes)
        await store.close()
        let reopened = try MVCCStore.lmdb(directory: dataDirectory, keyRing: KeyRing(active: key))
        #expect(try await reopened.text("/e") == "v")
        await reopened.close()
    }

    @Test("rotation re-seals every value under a new key while writes continue")
    func rotation() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try open()
        let oldKey = try keyFile.loadKeyRing().active
        for index in 0..<600 { _ = try await store.put("/rot/\(index % 300)", value: "v\(index)".bytes) }
        _ = try await store.delete("/rot/0")

        let writer = Task {
            for index in 0..<100 { _ = try await store.put("/during/\(index)", value: "d\(index)".bytes) }
        }
        let progress = Mutex<[Int]>([])
        let report = try await store.rotateKey(using: keyFile) { resealed in progress.withLock { $0.append(resealed) } }
        try await writer.value
        #expect(report.resealed >= 300 + 600)
        // Progress is reported after every step, rising to the total.
        let counts = progress.withLock { $0 }
        #expect(counts.count >= 2 && zip(counts, counts.dropFirst()).allSatisfy { $0 <= $1 } && counts.last == report.resealed, "\(counts)")
        let ring = try keyFile.loadKeyRing()
        #expect(ring.ids == [report.activeKey] && report.activeKey != oldKey.id)

        #expect(try await store.range(prefix: "/rot/").kvs.count == 299)
        #expect(try await store.text("/rot/299") == "v599")
        #expect(try await store.text("/during/99") == "d99")
        let history = try await collect(601, from: try await store.watch(prefix: "/rot/", fromRevision: 2))
        #expect(history.last?.kind == .delete && history.last?.previous?.value == "v300".bytes)
        await store.close()

        // Every stored envelope, current and history, now names the new key.
        let environment = try LMDBEnvironment(directory: dataDirectory, mapSize: 1 << 30, maxReaders: 8)
        let keyIDs = try environment.read { txn in
            var ids: [String: Int] = [:]
            for dbi in [environment.databases.current, environment.databases.history] {
                try txn.withCursor(dbi) { cursor in
                    var entry = try [UInt8]().withUnsafeBytes { try cursor.seek($0) }
                    while let (_, record) = entry {
                        if dbi == environment.databases.current {
                            ids[Sealer.keyID(of: try RecordCodec.decodeCurrent(record).1) ?? "?", default: 0] += 1
                        } else {
                            let event = try RecordCodec.decodeEvent(record)
                            if event.kind == .put { ids[Sealer.keyID(of: event.envelope) ?? "?", default: 0] += 1 }
                            if let previous = event.previous { ids[Sealer.keyID(of: previous.envelope) ?? "?", default: 0] += 1 }
                        }
                        entry = try cursor.next()
                    }
                }
            }
            return ids
        }
        environment.close()
        #expect(keyIDs.keys.sorted() == [report.activeKey], "\(keyIDs)")

        let reopened = try open()
        #expect(try await reopened.text("/rot/1") == "v301")
        await reopened.close()
        let error = await expectStoreError(.wrongKey) {
            _ = try MVCCStore.lmdb(directory: dataDirectory, keyRing: KeyRing(active: oldKey))
        }
        #expect(error?.message.contains(report.activeKey) == true)
    }

    @Test("the in-memory store has no key to rotate")
    func memoryRotation() async throws {
        let store = MVCCStore.inMemory()
        await expectStoreError(.badKeyMaterial) { _ = try await store.rotateKey(to: .generate()) }
    }
}
