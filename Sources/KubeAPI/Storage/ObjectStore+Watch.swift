import EncStore
import Synchronization

extension ObjectStore {
    /// Options of a watch.
    public struct WatchOptions: Sendable {
        /// Selectors applied to the old and the new object of each change.
        public var list = ListOptions()
        /// Start after this resourceVersion; empty or "0" starts with the current objects as ADDED events.
        public var resourceVersion: String?
        /// End the watch after this long.
        public var timeout: Duration?
        /// Send a BOOKMARK with the latest delivered resourceVersion this often (nil: never).
        public var bookmarkInterval: Duration?
        /// `sendInitialEvents`: true sends the current objects as ADDED events whatever the
        /// resourceVersion, then a BOOKMARK annotated `k8s.io/initial-events-end`; false sends
        /// none (a watch from "" starts now). Nil: ADDED events only for "" and "0".
        public var sendInitialEvents: Bool?
        public init() {}
    }

    /// The watch events for `type` in `namespace`: from the kind's watch cache when it holds
    /// them, else from the store's history.
    ///
    /// A change that makes an object leave the selection is reported as DELETED, one that makes it
    /// enter as ADDED, as kube-apiserver does. An expired resourceVersion throws 410 Gone.
    public func watch(_ type: ResourceType, namespace: String?, options: WatchOptions) async throws
        -> AsyncThrowingStream<WatchFrame, any Error>
    {
        if let cache = watchCaches.cache(for: type, objects: self), let stream = try await cache.watch(namespace: namespace, options: options) {
            return stream
        }
        return try await watchStore(type, namespace: namespace, options: options)
    }

    /// A watch read from the store's history, decoding each event for this watcher alone.
    func watchStore(_ type: ResourceType, namespace: String?, options: WatchOptions) async throws
        -> AsyncThrowingStream<WatchFrame, any Error>
    {
        let prefix = type.storagePrefix(namespace: namespace)
        var initial: [WatchFrame] = []
        let start: Int64
        let requested = options.resourceVersion ?? ""
        if options.sendInitialEvents == true || (options.sendInitialEvents == nil && (requested == "" || requested == "0")) {
            var listOptions = options.list
            listOptions.limit = 0
            listOptions.continueToken = nil
            let list = try await self.list(type, namespace: namespace, options: listOptions)
            initial = (list["items"]?.arrayValue ?? []).map { WatchFrame(type: "ADDED", object: $0) }
            let revision = Int64(list[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0") ?? 0
            if options.sendInitialEvents == true {
                initial.append(WatchFrame(type: "BOOKMARK", object: [
                    "kind": .string(type.kind), "apiVersion": .string(type.apiVersion),
                    "metadata": ["resourceVersion": .string(String(revision)), "annotations": ["k8s.io/initial-events-end": "true"]],
                ]))
            }
            start = revision + 1
        } else if requested == "" || requested == "0" {
            start = try await store.currentRevision() + 1
        } else {
            guard let revision = Int64(requested), revision >= 0, revision < Int64.max else {
                throw APIError.badRequest("invalid resource version \(APIError.quoted(String(requested.prefix(100))))")
            }
            start = revision + 1
        }
        let events: WatchStream
        do {
            events = try await store.watch(prefix: prefix, fromRevision: start)
        } catch let error as StoreError where error.code == .compacted {
            throw APIError.expired(requested: options.resourceVersion ?? "", oldest: (error.compactRevision ?? 0) + 1)
        }
        let (stream, continuation) = AsyncThrowingStream<WatchFrame, any Error>.makeStream()
        let delivered = DeliveredRevision(start - 1)
        let producer = Task {
            for event in initial { continuation.yield(event) }
            do {
                for try await event in events {
                    if let translated = try translate(event, options.list) { continuation.yield(translated) }
                    delivered.value.store(event.revision, ordering: .relaxed)
                }
                continuation.finish()
            } catch let error as StoreError where error.code == .compacted {
                continuation.finish(throwing: APIError.expired(requested: options.resourceVersion ?? "", oldest: (error.compactRevision ?? 0) + 1))
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let timers = WatchTimers(
            timeout: options.timeout, bookmarkInterval: options.bookmarkInterval, finish: { continuation.finish() },
            bookmark: {
                // Every event up to this revision has been handed to the stream.
                let revision = delivered.value.load(ordering: .relaxed)
                if case .terminated = continuation.yield(.bookmark(kind: type.kind, apiVersion: type.apiVersion, resourceVersion: revision)) { return false }
                return true
            })
        continuation.onTermination = { _ in
            producer.cancel()
            timers.cancel()
        }
        return stream
    }

    private func translate(_ event: WatchEvent, _ options: ListOptions) throws -> WatchFrame? {
        let old = try event.previous.map(decode)
        let oldMatches = old.map { matches($0, options) } ?? false
        switch event.kind {
        case .delete:
            guard var object = old, oldMatches else { return nil }
            object[path: "metadata.resourceVersion"] = .string(String(event.revision))
            return WatchFrame(type: "DELETED", object: object)
        case .put:
            let new = try decode(event.kv)
            let newMatches = matches(new, options)
            switch (oldMatches, newMatches) {
            case (false, true): return WatchFrame(type: "ADDED", object: new)
            case (true, true): return WatchFrame(type: "MODIFIED", object: new)
            case (true, false): return WatchFrame(type: "DELETED", object: new)
            case (false, false): return nil
            }
        }
    }
}

/// The revision of the last event a watch handed to its stream, read by its bookmark timer.
final class DeliveredRevision: Sendable {
    let value: Atomic<Int64>
    init(_ revision: Int64) { value = Atomic(revision) }
}
