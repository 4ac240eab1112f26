import Metrics
/// Serialises every write to a backend and commits concurrent transactions together (group
/// commit): while one backend commit (and its fsync) is under way, new transactions queue; the
/// next commit takes all of them, so 32 concurrent writers share one fsync instead of paying 32.
///
/// Each transaction in a batch still gets its own revision, in queue order, and sees the effects
/// of the ones before it. After a commit the batch's events are published to the ``WatchHub``
/// before the next commit starts, so watchers receive revisions in order.
actor WriteCoordinator {
    private enum Job {
        case transaction([WriteOperation], CheckedContinuation<TransactionResult, any Error>)
        case maintenance(
            @Sendable (any StorageWriter) throws -> any Sendable, CheckedContinuation<any Sendable, any Error>)
    }

    private let backend: any StorageBackend
    private let hub: WatchHub
    private let maxBatch: Int
    private var pending: [Job] = []
    private var draining = false
    private var closed = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    init(backend: any StorageBackend, hub: WatchHub, maxBatch: Int) {
        self.backend = backend
        self.hub = hub
        self.maxBatch = max(1, maxBatch)
    }

    /// Queues one transaction and waits until it is durable (or failed its condition).
    func submit(_ operations: [WriteOperation]) async throws -> TransactionResult {
        guard !closed else { throw StoreError.closed() }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(.transaction(operations, continuation))
            startDraining()
        }
    }

    /// Runs `body` alone in its own backend transaction, serialised with the writes.
    func perform<T: Sendable>(_ body: @escaping @Sendable (any StorageWriter) throws -> T) async throws -> T {
        guard !closed else { throw StoreError.closed() }
        let value = try await withCheckedThrowingContinuation { continuation in
            pending.append(.maintenance({ try body($0) }, continuation))
            startDraining()
        }
        return value as! T
    }

    /// Refuses new work and waits until queued work is committed.
    func close() async {
        closed = true
        while draining {
            await withCheckedContinuation { idleWaiters.append($0) }
        }
    }

    private func startDraining() {
        guard !draining else { return }
        draining = true
        Task { await self.drain() }
    }

    private func drain() async {
        while !pending.isEmpty {
            if case .maintenance(let body, let continuation) = pending[0] {
                pending.removeFirst()
                do {
                    continuation.resume(returning: try await backend.write(body))
                } catch {
                    continuation.resume(throwing: error)
                }
                continue
            }
            var batch: [([WriteOperation], CheckedContinuation<TransactionResult, any Error>)] = []
            while batch.count < maxBatch, case .transaction(let operations, let continuation) = pending.first {
                batch.append((operations, continuation))
                pending.removeFirst()
            }
            await commit(batch)
        }
        draining = false
        for waiter in idleWaiters { waiter.resume() }
        idleWaiters = []
    }

    private func commit(_ batch: [([WriteOperation], CheckedContinuation<TransactionResult, any Error>)]) async {
        let operations = batch.map(\.0)
        let started = ContinuousClock.now
        defer {
            // The store's metrics (names after etcd's): commit latency with its fsync, group-commit batch size.
            Timer(label: "encstore_commit_duration_seconds").record(duration: ContinuousClock.now - started)
            Recorder(label: "encstore_commit_batch_size").record(batch.count)
            Counter(label: "encstore_transactions_total").increment(by: batch.count)
        }
        do {
            let outcomes = try await backend.write { writer in
                var outcomes: [Result<TransactionResult, StoreError>] = []
                var events: [WatchEvent] = []
                for transaction in operations {
                    do {
                        let (result, transactionEvents) = try TransactionApplier.apply(transaction, on: writer)
                        outcomes.append(.success(result))
                        events.append(contentsOf: transactionEvents)
                    } catch let error as StoreError where error.code == .integrity || error.code == .wrongKey {
                        // Raised while reading the current value, before any mutation: only this
                        // transaction fails; the rest of the batch goes on.
                        outcomes.append(.failure(error))
                    }
                }
                return (outcomes, events)
            }
            await hub.publish(outcomes.1)
            for (index, outcome) in outcomes.0.enumerated() {
                batch[index].1.resume(with: outcome)
            }
        } catch {
            for (_, continuation) in batch { continuation.resume(throwing: error) }
        }
    }
}
