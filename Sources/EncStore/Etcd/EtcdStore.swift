import EtcdRPC
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

/// The ``KeyValueStore`` contract over an etcd v3 cluster (gRPC), for masters that share one
/// store: revisions are etcd's, writes are etcd transactions, watches are etcd watches with
/// progress notifications, compaction is etcd's.
///
/// Values are sealed with the key ring before they leave the process (the same AES-256-GCM
/// envelope as the built-in store, bound to the key path), so etcd and its operators never see
/// plaintext; keys stay in clear under ``EtcdConfiguration/keyPrefix`` for range reads, as in
/// kube-apiserver's encryption at rest.
///
/// A transaction's conditions are etcd compares; when one fails, the failure branch reads every
/// key of the transaction at the same revision and the store works out which condition failed
/// from those records (etcd does not say which compare failed).
///
/// The connection runs from ``init(configuration:keyRing:logger:)`` until ``close()``; ``run()``
/// (as a `Service`) compacts history older than the retention window, as kube-apiserver does.
public final class EtcdStore: KeyValueStore, Service, Sendable {
    /// The configuration the store was opened with.
    public let configuration: EtcdConfiguration
    /// Clients per member (``connectionsPerMember`` each), members used in turn from
    /// ``current``: a call that finds its member unreachable moves to the next (etcd's own
    /// clients fail over the same way).
    let members: [[GRPCClient<HTTP2ClientTransport.Posix>]]
    private let current = Atomic<Int>(0)
    private let spread = Atomic<Int>(0)
    /// Connections kept to each member. etcd's gRPC server (grpc-go) sends a PING for its
    /// bandwidth estimate as data arrives, and SwiftNIO's HTTP/2 closes a connection whose peer
    /// sends more than its flood limit; spreading calls keeps each connection under it.
    static let connectionsPerMember = 8
    private let connections: Task<Void, Never>
    private let ring: Mutex<KeyRing>
    let logger: Logger
    let closed = Atomic<Bool>(false)
    private let prefix: [UInt8]
    /// The open watches' streams, ended with `closed` by ``close()``.
    let watches = Mutex<(next: Int, open: [Int: AsyncThrowingStream<WatchEvent, any Error>.Continuation])>((0, [:]))
    /// The highest revision this store compacted through (etcd compacts before `through + 1`).
    let compactedThrough = Atomic<Int64>(0)

    /// Connects to the cluster `configuration` names (lazily: the first call opens the
    /// connection), sealing values with `keyRing`'s active key.
    /// - Throws: ``StoreError/Code/storage`` for a malformed endpoint or TLS setting.
    public init(configuration: EtcdConfiguration, keyRing: KeyRing, logger: Logger) throws {
        let (endpoints, tls) = try configuration.parsedEndpoints()
        if endpoints.count > 1, !endpoints.allSatisfy({ Self.isIPv4($0.host) }) {
            throw StoreError.storage("several etcd endpoints must be IPv4 addresses (a host name is allowed for a single endpoint)")
        }
        var security = HTTP2ClientTransport.Posix.TransportSecurity.plaintext
        if tls, let ca = configuration.caFile {
            security = .tls { tlsConfiguration in
                tlsConfiguration.trustRoots = .certificates([.file(path: ca, format: .pem)])
                if let certificate = configuration.certificateFile, let key = configuration.keyFile {
                    tlsConfiguration.certificateChain = [.file(path: certificate, format: .pem)]
                    tlsConfiguration.privateKey = .file(path: key, format: .pem)
                }
            }
        }
        do {
            members = try endpoints.map { endpoint in
                let target: any ResolvableTarget = Self.isIPv4(endpoint.host)
                    ? .ipv4(address: endpoint.host, port: endpoint.port) : .dns(host: endpoint.host, port: endpoint.port)
                return try (0..<Self.connectionsPerMember).map { _ in
                    GRPCClient(transport: try HTTP2ClientTransport.Posix(target: target, transportSecurity: security))
                }
            }
        } catch {
            throw StoreError.storage("cannot set up the etcd client: \(error)")
        }
        self.configuration = configuration
        self.ring = Mutex(keyRing)
        self.logger = logger
        self.prefix = Array(configuration.keyPrefix.utf8)
        let clients = members.flatMap { $0 }
        connections = Task {
            await withDiscardingTaskGroup { group in
                for client in clients { group.addTask { try? await client.runConnections() } }
            }
        }
    }

    static func isIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in part.count <= 3 && UInt8(part) != nil }
    }

    // MARK: Reads

    public func get(_ key: String) async throws -> GetResult {
        try checkOpen()
        try configuration.store.validate(key: key)
        var request = Etcdserverpb_RangeRequest()
        request.key = etcdKey(key)
        let response = try await call("range") { try await $0.range(request, options: $1) }
        return GetResult(kv: try response.kvs.first.map(record), revision: response.header.revision)
    }

    public func range(prefix: String, limit: Int, after: String?) async throws -> RangeResult {
        try await range(prefix: prefix, limit: limit, after: after, revision: 0)
    }

    public func range(prefix: String, limit: Int, after: String?, atRevision revision: Int64) async throws -> RangeResult {
        let compacted = compactedThrough.load(ordering: .relaxed)
        guard revision > compacted else { throw StoreError.compacted(requested: revision, compactRevision: compacted) }
        guard revision > 0 else { throw StoreError.futureRevision(requested: revision, current: 0) }
        return try await range(prefix: prefix, limit: limit, after: after, revision: revision)
    }

    /// Keys read per etcd call: a large range is read in pages at one revision, so no answer
    /// approaches gRPC's message size limit.
    static let pageSize = 500

    private func range(prefix: String, limit: Int, after: String?, revision: Int64) async throws -> RangeResult {
        try checkOpen()
        try configuration.store.validate(prefix: prefix)
        if let after { try configuration.store.validate(key: after) }
        let wanted = limit > 0 ? limit : Int.max
        var records: [KeyValue] = []
        var start = after.map { etcdKey($0) + Data([0]) } ?? etcdKey(prefix)
        let end = Self.prefixEnd(etcdKey(prefix))
        var pinned = revision
        while true {
            var request = Etcdserverpb_RangeRequest()
            request.key = start
            request.rangeEnd = end
            request.limit = Int64(min(wanted - records.count, Self.pageSize))
            request.revision = pinned
            let response = try await call("range", revision: pinned) { try await $0.range(request, options: $1) }
            if pinned == 0 { pinned = response.header.revision }
            records += try response.kvs.map(record)
            guard response.more, let last = response.kvs.last else { return RangeResult(kvs: records, more: false, revision: pinned) }
            if records.count >= wanted { return RangeResult(kvs: records, more: true, revision: pinned) }
            start = last.key + Data([0])
        }
    }

    public func count(prefix: String) async throws -> CountResult {
        try checkOpen()
        try configuration.store.validate(prefix: prefix)
        var request = Etcdserverpb_RangeRequest()
        request.key = etcdKey(prefix)
        request.rangeEnd = Self.prefixEnd(etcdKey(prefix))
        request.countOnly = true
        let response = try await call("range") { try await $0.range(request, options: $1) }
        return CountResult(count: Int(clamping: response.count), revision: response.header.revision)
    }

    /// The revision etcd reports with a read of one key (the bare prefix, which holds nothing):
    /// counting every key would make etcd walk the whole keyspace on each call.
    public func currentRevision() async throws -> Int64 {
        try checkOpen()
        var request = Etcdserverpb_RangeRequest()
        request.key = Data(prefix)
        request.countOnly = true
        return try await call("range") { try await $0.range(request, options: $1) }.header.revision
    }

    /// Returns once a member answers a read, retrying every 250 ms for at most `timeout` (as
    /// kube-apiserver waits for etcd at start); then throws the last error (a ``StoreError``).
    public func waitUntilReachable(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                _ = try await currentRevision()
                return
            } catch {
                guard ContinuousClock.now < deadline else {
                    // etcd with --client-cert-auth drops a TLS client without a certificate mid-setup.
                    if let error = error as? StoreError, configuration.endpoints.first?.hasPrefix("https://") == true, configuration.certificateFile == nil {
                        throw StoreError.storage(error.message + " (etcd may require a client certificate: give one with its key)")
                    }
                    throw error
                }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// The size of the database file of the member in use, in bytes (etcd's Status `dbSize`).
    public func databaseSize() async throws -> Int64 {
        try checkOpen()
        let (index, client) = member()
        do {
            var options = CallOptions.defaults
            options.timeout = configuration.requestTimeout
            return try await Etcdserverpb_Maintenance.Client(wrapping: client).status(Etcdserverpb_StatusRequest(), options: options).dbSize
        } catch {
            if let rpc = error as? RPCError, rpc.code == .unavailable { moveOn(from: index) }
            throw Self.storeError(error, revision: 0)
        }
    }

    // MARK: Writes

    public func transaction(_ operations: [WriteOperation]) async throws -> TransactionResult {
        try checkOpen()
        try configuration.store.validate(transaction: operations)
        let sealer = ring.withLock { $0.active }
        var request = Etcdserverpb_TxnRequest()
        for operation in operations {
            let key = etcdKey(operation.key)
            switch operation.condition {
            case .none:
                // A delete still needs the key to exist.
                if case .delete = operation.action { request.compare.append(Self.compare(key, .create, .greater, 0)) }
            case .absent:
                request.compare.append(Self.compare(key, .create, .equal, 0))
            case .modRevision(let revision):
                request.compare.append(Self.compare(key, .mod, .equal, revision))
            }
            var op = Etcdserverpb_RequestOp()
            switch operation.action {
            case .put(let value):
                var put = Etcdserverpb_PutRequest()
                put.key = key
                put.value = Data(Sealer.seal(value, path: operation.key, with: sealer))
                put.prevKv = true
                op.requestPut = put
            case .delete:
                var delete = Etcdserverpb_DeleteRangeRequest()
                delete.key = key
                delete.prevKv = true
                op.requestDeleteRange = delete
            }
            request.success.append(op)
            // Read every key when a condition fails, to tell which one did.
            var read = Etcdserverpb_RequestOp()
            var range = Etcdserverpb_RangeRequest()
            range.key = key
            read.requestRange = range
            request.failure.append(read)
        }
        let response: Etcdserverpb_TxnResponse
        do {
            response = try await call("txn", retries: false) { try await $0.txn(request, options: $1) }
        } catch let ambiguous as AmbiguousWrite {
            switch try await resend(request, operations: operations, after: ambiguous) {
            case .applied(let result): return result
            case .answered(let answer): response = answer
            }
        }
        let revision = response.header.revision
        guard response.succeeded else {
            for (index, operation) in operations.enumerated() {
                let current = try response.responses[safe: index]?.responseRange.kvs.first.map(record)
                let holds: Bool = switch (operation.condition, operation.action) {
                case (.absent, _): current == nil
                case (.modRevision(let expected), _): current?.modRevision == expected
                case (.none, .delete): current != nil
                case (.none, .put): true
                }
                if !holds { return .conditionFailed(index: index, current: current, revision: revision) }
            }
            throw StoreError.storage("etcd refused the transaction's conditions, yet all of them hold at revision \(revision)")
        }
        var results: [WriteResult] = []
        for (index, operation) in operations.enumerated() {
            guard let answer = response.responses[safe: index] else { throw StoreError.storage("etcd answered a transaction with too few results") }
            switch operation.action {
            case .put(let value):
                let previous = answer.responsePut.hasPrevKv ? answer.responsePut.prevKv : nil
                results.append(.written(KeyValue(
                    key: operation.key, value: value, createRevision: previous.map(\.createRevision) ?? revision, modRevision: revision,
                    version: (previous?.version ?? 0) + 1)))
            case .delete:
                guard let previous = answer.responseDeleteRange.prevKvs.first else {
                    throw StoreError.storage("etcd deleted \(operation.key) without reporting its previous value")
                }
                results.append(.deleted(previous: try record(previous), revision: revision))
            }
        }
        return .committed(revision: revision, results: results)
    }

    /// A transaction whose answer was lost: its outcome if etcd applied it, else the answer to
    /// sending it again (at most three times in all).
    private func resend(_ request: Etcdserverpb_TxnRequest, operations: [WriteOperation], after first: AmbiguousWrite) async throws -> Resent {
        var lost = first
        for _ in 0..<2 {
            if let outcome = try await appliedOutcome(of: operations, request: request) { return .applied(outcome) }
            logger.notice("an etcd write was cut off before it applied; sending it again", metadata: ["error": "\(lost.error.message.prefix(200))"])
            do {
                return .answered(try await call("txn", retries: false) { try await $0.txn(request, options: $1) })
            } catch let again as AmbiguousWrite {
                lost = again
            }
        }
        if let outcome = try await appliedOutcome(of: operations, request: request) { return .applied(outcome) }
        throw Self.storeError(lost.error, revision: 0)
    }

    /// What resending a cut-off transaction found.
    private enum Resent {
        /// The first send had been applied.
        case applied(TransactionResult)
        /// etcd's answer to the resent request.
        case answered(Etcdserverpb_TxnResponse)
    }

    /// The outcome of a transaction whose answer was lost, if etcd applied it; nil if it did not.
    /// Every put carries a fresh random nonce, so its sealed bytes are in etcd only if this very
    /// request was applied (a transaction is atomic: checking its puts is enough). A transaction
    /// of deletes only, or with deletes, cannot be told apart from someone else's deletes: it is
    /// reported as a storage error rather than guessed.
    private func appliedOutcome(of operations: [WriteOperation], request: Etcdserverpb_TxnRequest) async throws -> TransactionResult? {
        var results: [WriteResult] = []
        var applied: Bool?
        for (index, operation) in operations.enumerated() {
            guard case .put(let value) = operation.action else {
                throw StoreError.storage("the connection to etcd dropped during a delete of \(operation.key); whether it applied is unknown")
            }
            var read = Etcdserverpb_RangeRequest()
            read.key = request.success[index].requestPut.key
            let stored = try await call("range") { try await $0.range(read, options: $1) }.kvs.first
            let found = stored.map { $0.value == request.success[index].requestPut.value } ?? false
            if let applied, applied != found {
                throw StoreError.storage("the connection to etcd dropped during a transaction, and its keys disagree on whether it applied")
            }
            applied = found
            if let stored, found {
                results.append(.written(KeyValue(
                    key: operation.key, value: value, createRevision: stored.createRevision, modRevision: stored.modRevision, version: stored.version)))
            }
        }
        guard applied == true, let revision = results.first?.revision else { return nil }
        return .committed(revision: revision, results: results)
    }

    private static func compare(_ key: Data, _ target: Etcdserverpb_Compare.CompareTarget, _ result: Etcdserverpb_Compare.CompareResult, _ value: Int64) -> Etcdserverpb_Compare {
        var compare = Etcdserverpb_Compare()
        compare.key = key
        compare.target = target
        compare.result = result
        switch target {
        case .mod: compare.modRevision = value
        default: compare.createRevision = value
        }
        return compare
    }

    // MARK: Compaction

    public func compact(through revision: Int64) async throws {
        try checkOpen()
        let current = try await currentRevision()
        guard revision <= current else { throw StoreError.futureRevision(requested: revision, current: current) }
        guard revision > compactedThrough.load(ordering: .relaxed) else { return }
        // etcd keeps the revision it compacts at and drops the ones before it.
        var request = Etcdserverpb_CompactionRequest()
        request.revision = min(revision + 1, current)
        do {
            _ = try await call("compact") { try await $0.compact(request, options: $1) }
        } catch let error as StoreError where error.code == .compacted {
            // Another master compacted as far already.
        }
        compactedThrough.store(max(compactedThrough.load(ordering: .relaxed), revision), ordering: .relaxed)
        Counter(label: "encstore_compactions_total").increment()
        Gauge(label: "encstore_compacted_revision").record(revision)
        logger.debug("compacted etcd history", metadata: ["through": "\(revision)"])
    }

    /// Compacts history older than ``StoreConfiguration/History/retainedRevisions`` every
    /// ``StoreConfiguration/History/compactionInterval`` until cancelled or gracefully shut down.
    public func run() async throws {
        await compactPeriodically(configuration.store.history, logger: logger)
    }

    // MARK: Lifecycle

    /// Ends every watch with ``StoreError/Code/closed`` and closes the connection. Later calls
    /// fail with ``StoreError/Code/closed``.
    public func close() async {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        let open = watches.withLock { state in
            defer { state.open = [:] }
            return Array(state.open.values)
        }
        for continuation in open { continuation.finish(throwing: StoreError.closed()) }
        for client in members.flatMap({ $0 }) { client.beginGracefulShutdown() }
        await connections.value
    }

    // MARK: Internals

    /// The member calls go to now, and its index (for ``moveOn(from:)``).
    func member() -> (index: Int, client: GRPCClient<HTTP2ClientTransport.Posix>) {
        let index = current.load(ordering: .relaxed)
        let connections = members[Int(UInt(bitPattern: index) % UInt(members.count))]
        return (index, connections[Int(UInt(bitPattern: spread.wrappingAdd(1, ordering: .relaxed).oldValue) % UInt(connections.count))])
    }

    /// Sends later calls to the member after `index`, unless a concurrent failure already moved on.
    func moveOn(from index: Int) {
        _ = current.compareExchange(expected: index, desired: index &+ 1, ordering: .relaxed)
    }

    /// A first try fails at once on a member that cannot be reached (so the next one is tried);
    /// a retry waits, within the deadline, for its member's connection (which may be backing off
    /// after a failure of its own, as during a leader change).
    private func options(retry: Bool) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = configuration.requestTimeout
        options.waitForReady = retry
        return options
    }

    func checkOpen() throws {
        if closed.load(ordering: .relaxed) { throw StoreError.closed() }
    }

    /// Runs one call, timing it (`encstore_etcd_request_duration_seconds`, label `method`) and
    /// turning gRPC failures into ``StoreError``s.
    private func call<Response>(
        _ method: String, revision: Int64 = 0, retries: Bool = true, _ body: (Etcdserverpb_KV.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        defer {
            Metrics.Timer(label: "encstore_etcd_request_duration_seconds", dimensions: [("method", method)]).record(duration: ContinuousClock.now - started)
        }
        // A member that is unreachable sends later calls to the next one. A call that never
        // reached it (no connection could be made) is retried there at once.
        // A write whose connection dropped is not, as clientv3 does not: it may have been
        // applied, and a retry would then fail its own condition. Other failures (a timeout,
        // etcd's own errors) are not retried.
        // Every member once, and three more tries on other connections (a lone member's
        // connections are cut one at a time under load).
        let attempts = members.count + 3
        for attempt in 0..<attempts {
            let (index, client) = member()
            do {
                return try await body(Etcdserverpb_KV.Client(wrapping: client), options(retry: attempt > 0))
            } catch let error as RPCError where error.code == .unavailable && !closed.load(ordering: .relaxed) {
                moveOn(from: index)
                let notSent = error.message.contains("Could not establish a connection")
                guard retries || notSent else { throw AmbiguousWrite(error: error) }
                guard attempt + 1 < attempts else { throw Self.storeError(error, revision: revision) }
                logger.notice("etcd member unreachable; trying the next", metadata: ["error": "\(error.message.prefix(200))"])
            } catch {
                if closed.load(ordering: .relaxed) { throw StoreError.closed() }
                throw Self.storeError(error, revision: revision)
            }
        }
        throw StoreError.storage("no etcd member answered")
    }

    /// etcd's answers as the store's errors: compacted and future revisions by their codes, the
    /// rest as `storage` with etcd's message.
    static func storeError(_ error: any Error, revision: Int64) -> StoreError {
        guard let rpc = error as? RPCError else { return StoreError.storage("etcd: \(error)") }
        let message = String(rpc.message.prefix(300))
        if rpc.code == .outOfRange, message.contains("compacted") {
            return StoreError.compacted(requested: revision, compactRevision: max(0, revision))
        }
        if rpc.code == .outOfRange, message.contains("future revision") {
            return StoreError.futureRevision(requested: revision, current: max(0, revision - 1))
        }
        return StoreError.storage("etcd \(rpc.code): \(message)")
    }

    func etcdKey(_ key: String) -> Data { Data(prefix + Array(key.utf8)) }

    /// Our key of an etcd key under the prefix.
    func userKey(_ data: Data) throws -> String {
        let bytes = [UInt8](data)
        guard bytes.count >= prefix.count, bytes[..<prefix.count].elementsEqual(prefix),
            let key = String(validating: bytes[prefix.count...], as: UTF8.self)
        else { throw StoreError.corrupt("etcd returned a key outside \(configuration.keyPrefix) or not UTF-8") }
        return key
    }

    /// An etcd record with its value opened.
    func record(_ kv: Etcdserverpb_KeyValue) throws -> KeyValue {
        let key = try userKey(kv.key)
        let keys = ring.withLock { $0 }
        let value = try kv.value.withUnsafeBytes { try Sealer.open($0, path: key, ring: keys) }
        return KeyValue(key: key, value: value, createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version)
    }

    /// The first key after every key starting with `prefix` (etcd's `range_end` for a prefix):
    /// the prefix with its last byte below 0xff incremented; `[0]` (no end) when there is none.
    static func prefixEnd(_ prefix: Data) -> Data {
        var end = [UInt8](prefix)
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return Data(end)
            }
            end.removeLast()
        }
        return Data([0])
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// A write whose connection dropped after the request left: etcd may or may not have applied it.
private struct AmbiguousWrite: Error {
    let error: RPCError
}
