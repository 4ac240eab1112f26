import EtcdRPC
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import Metrics
import Synchronization

/// Watches: an etcd watch per call (with `prev_kv` and progress notifications), started on the
/// member in use and on the next one when it cannot be reached.
extension EtcdStore {
    public func watch(prefix: String, fromRevision: Int64) async throws -> WatchStream {
        try checkOpen()
        try configuration.store.validate(prefix: prefix)
        let compacted = compactedThrough.load(ordering: .relaxed)
        if fromRevision > 0, fromRevision <= compacted { throw StoreError.compacted(requested: fromRevision, compactRevision: compacted) }
        // A member that cannot be reached is skipped: each member is tried once.
        for attempt in 0..<members.count {
            let (index, client) = member()
            do {
                return try await startWatch(prefix: prefix, fromRevision: fromRevision, client: client, member: index)
            } catch let error as StoreError where error.code == .storage && attempt + 1 < members.count && !closed.load(ordering: .relaxed) {
                logger.notice("etcd member did not start a watch; trying the next", metadata: ["error": "\(error.message)"])
                moveOn(from: index)
            }
        }
        throw StoreError.storage("no etcd member started the watch")
    }

    private func startWatch(
        prefix: String, fromRevision: Int64, client: GRPCClient<HTTP2ClientTransport.Posix>, member index: Int
    ) async throws -> WatchStream {
        let buffer = configuration.store.watchBufferSize
        let (events, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream(bufferingPolicy: .bufferingOldest(buffer))
        guard let id = watches.withLock({ state -> Int? in
            guard !closed.load(ordering: .relaxed) else { return nil }
            state.next += 1
            state.open[state.next] = continuation
            return state.next
        }) else { throw StoreError.closed() }
        var create = Etcdserverpb_WatchCreateRequest()
        create.key = etcdKey(prefix)
        create.rangeEnd = Self.prefixEnd(etcdKey(prefix))
        create.startRevision = max(0, fromRevision)
        create.prevKv = true
        create.progressNotify = true
        // The first answer (created, or cancelled because the start was compacted) decides
        // whether watch() returns or throws.
        let (ready, readyContinuation) = AsyncStream<StoreError?>.makeStream()
        let task = Task {
            await self.serveWatch(create, requested: fromRevision, client: client, member: index, into: continuation, ready: readyContinuation)
        }
        continuation.onTermination = { [weak self] _ in
            task.cancel()
            self?.watches.withLock { _ = $0.open.removeValue(forKey: id) }
        }
        var first = ready.makeAsyncIterator()
        if let failure = await first.next() ?? StoreError.closed() {
            continuation.finish()
            task.cancel()
            watches.withLock { _ = $0.open.removeValue(forKey: id) }
            throw failure
        }
        return WatchStream(events)
    }

    private func serveWatch(
        _ create: Etcdserverpb_WatchCreateRequest, requested: Int64, client: GRPCClient<HTTP2ClientTransport.Posix>, member index: Int,
        into continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation, ready: AsyncStream<StoreError?>.Continuation
    ) async {
        var watchRequest = Etcdserverpb_WatchRequest()
        watchRequest.createRequest = create
        let request = watchRequest
        let buffer = configuration.store.watchBufferSize
        do {
            try await Etcdserverpb_Watch.Client(wrapping: client).watch(
                requestProducer: { writer in
                    try await writer.write(request)
                    // The request side stays open for the watch's life: etcd ends a watch stream
                    // whose client half-closes it.
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                },
                onResponse: { response in
                    for try await message in response.messages {
                        if message.canceled {
                            let failure = message.compactRevision > 0
                                ? StoreError.compacted(requested: requested, compactRevision: message.compactRevision - 1)
                                : StoreError.storage("etcd cancelled the watch: \(message.cancelReason.prefix(200))")
                            ready.yield(failure)
                            ready.finish()
                            continuation.finish(throwing: failure)
                            return
                        }
                        if message.created {
                            ready.yield(nil)
                            ready.finish()
                        }
                        for event in message.events {
                            let mapped = try self.event(event)
                            if case .dropped = continuation.yield(mapped) {
                                continuation.finish(throwing: StoreError.watcherTooSlow(buffer: buffer))
                                return
                            }
                        }
                    }
                    continuation.finish(throwing: self.closed.load(ordering: .relaxed) ? StoreError.closed() : StoreError.storage("etcd ended the watch stream"))
                })
        } catch {
            // A member that went away sends the next watch (the cache starts one) elsewhere.
            if let rpc = error as? RPCError, rpc.code == .unavailable { moveOn(from: index) }
            let failure = closed.load(ordering: .relaxed) ? StoreError.closed() : (error as? StoreError ?? Self.storeError(error, revision: requested))
            ready.yield(failure)
            ready.finish()
            continuation.finish(throwing: failure)
        }
    }

    private func event(_ event: Etcdserverpb_Event) throws -> WatchEvent {
        switch event.type {
        case .delete:
            let key = try userKey(event.kv.key)
            let gone = KeyValue(key: key, value: [], createRevision: 0, modRevision: event.kv.modRevision, version: 0)
            return WatchEvent(kind: .delete, kv: gone, previous: event.hasPrevKv ? try record(event.prevKv) : nil)
        default:
            return WatchEvent(kind: .put, kv: try record(event.kv), previous: event.hasPrevKv && event.kv.version > 1 ? try record(event.prevKv) : nil)
        }
    }
}
