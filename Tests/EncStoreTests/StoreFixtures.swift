import DaaSTestSupport
import Foundation
import ServiceLifecycle
import Testing

@testable import EncStore

/// The implementations every contract test runs against (etcd: a fresh one-member etcd per test).
enum Implementation: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    case lmdb
    case etcd

    var testDescription: String { rawValue }
}

/// What the contract tests use of a store: the contract and its background service.
typealias ContractStore = KeyValueStore & Service

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory(_ name: String = "encstore") -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(name)-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Runs `body` with a new store of the given kind, then closes it and removes its files.
func withStore(
    _ implementation: Implementation,
    configuration: StoreConfiguration = StoreConfiguration(),
    _ body: (any ContractStore) async throws -> Void
) async throws {
    switch implementation {
    case .etcd:
        let server = try EtcdProcess()
        defer { server.stop() }
        try await using(try await server.store(configuration: configuration), body)
    case .memory:
        let store = MVCCStore.inMemory(configuration: configuration)
        defer { Task { await store.close() } }
        try await body(store)
    case .lmdb:
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try MVCCStore.lmdb(
            directory: directory + "/data", keyProvider: .file(directory + "/store.key"), configuration: configuration)
        try await using(store, body)
    }
}

/// Runs `body` with `store`, closing it afterwards whether or not `body` throws.
private func using(_ store: any ContractStore, _ body: (any ContractStore) async throws -> Void) async throws {
    do {
        try await body(store)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

extension KeyValueStore {
    /// The current value of `key` as text, or nil.
    func text(_ key: String) async throws -> String? {
        try await get(key).kv.map { String(decoding: $0.value, as: UTF8.self) }
    }
}

/// Collects the next `count` events of `stream`.
func collect(_ count: Int, from stream: WatchStream) async throws -> [WatchEvent] {
    var events: [WatchEvent] = []
    var iterator = stream.makeAsyncIterator()
    while events.count < count, let event = try await iterator.next() { events.append(event) }
    return events
}

/// Expects `body` to throw a ``StoreError`` with `code`, and returns it.
@discardableResult
func expectStoreError(
    _ code: StoreError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> StoreError? {
    do {
        try await body()
        Issue.record("expected StoreError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, "got \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StoreError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
