/// The events of one watch: first the retained history from the requested revision, then live
/// events, in revision order with no gaps and no duplicates.
///
/// Iteration ends with ``StoreError/Code/compacted`` if history the watch still needed was
/// compacted while it replayed, with ``StoreError/Code/watcherTooSlow`` if its consumer fell too
/// far behind, and with ``StoreError/Code/closed`` when the store closes. Cancelling the
/// consuming task ends it quietly.
///
/// The built-in store replays its own history; another backend (etcd) hands in a stream of
/// events that keeps the same contract (``init(_:)``).
public struct WatchStream: AsyncSequence, Sendable {
    /// The events delivered.
    public typealias Element = WatchEvent

    private enum Source: Sendable {
        case history(HistoryReplay)
        case events(AsyncThrowingStream<WatchEvent, any Error>)
    }

    private let source: Source

    /// A watch over events another backend produces; they must come in revision order with no
    /// gaps and no duplicates, and the stream must end with a ``StoreError`` as described above.
    public init(_ events: AsyncThrowingStream<WatchEvent, any Error>) {
        source = .events(events)
    }

    /// A watch replaying `backend`'s history from `startRevision` through `replayThrough`, then
    /// the live events of `live`.
    init(prefix: String, startRevision: Int64, replayThrough: Int64, backend: any StorageBackend, live: WatchHub.Stream) {
        source = .history(HistoryReplay(prefix: prefix, startRevision: startRevision, replayThrough: replayThrough, backend: backend, live: live))
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator {
        switch source {
        case .history(let replay): Iterator(state: .history(replay.makeAsyncIterator()))
        case .events(let events): Iterator(state: .events(events.makeAsyncIterator()))
        }
    }

    /// Iterates a ``WatchStream``.
    public struct Iterator: AsyncIteratorProtocol {
        fileprivate enum State {
            case history(HistoryReplay.Iterator)
            case events(AsyncThrowingStream<WatchEvent, any Error>.AsyncIterator)
        }

        fileprivate var state: State

        /// The next event, or `nil` when the consuming task was cancelled.
        public mutating func next() async throws -> WatchEvent? {
            switch state {
            case .history(var iterator):
                defer { state = .history(iterator) }
                return try await iterator.next()
            case .events(var iterator):
                defer { state = .events(iterator) }
                return try await iterator.next()
            }
        }
    }
}

/// The built-in store's watch: its history read from the backend, then live events.
struct HistoryReplay: AsyncSequence, Sendable {
    typealias Element = WatchEvent

    let prefix: String
    /// The first revision the watcher asked for.
    let startRevision: Int64
    /// History up to and including this revision is read from the backend; later events come live.
    let replayThrough: Int64
    let backend: any StorageBackend
    let live: WatchHub.Stream

    func makeAsyncIterator() -> Iterator {
        Iterator(stream: self, nextHistoryRevision: startRevision, live: live.makeAsyncIterator())
    }

    /// Iterates a ``HistoryReplay``.
    struct Iterator: AsyncIteratorProtocol {
        let stream: HistoryReplay
        var nextHistoryRevision: Int64
        var live: WatchHub.Stream.AsyncIterator
        var page: [WatchEvent] = []
        var pageIndex = 0

        init(stream: HistoryReplay, nextHistoryRevision: Int64, live: WatchHub.Stream.AsyncIterator) {
            self.stream = stream
            self.nextHistoryRevision = nextHistoryRevision
            self.live = live
        }

        /// The next event, or `nil` when the consuming task was cancelled.
        mutating func next() async throws -> WatchEvent? {
            while true {
                if pageIndex < page.count {
                    defer { pageIndex += 1 }
                    return page[pageIndex]
                }
                if Task.isCancelled { return nil }
                guard nextHistoryRevision <= stream.replayThrough else { break }
                let (from, through, prefix) = (nextHistoryRevision, stream.replayThrough, stream.prefix)
                let (events, scanned) = try stream.backend.read { reader in
                    let compacted = try reader.compactedThrough()
                    guard from > compacted else {
                        throw StoreError.compacted(requested: from, compactRevision: compacted)
                    }
                    return try reader.history(from: from, through: through, prefix: prefix, scanLimit: 1024)
                }
                page = events
                pageIndex = 0
                nextHistoryRevision = Swift.max(scanned, from) + 1
            }
            while let event = try await live.next() {
                if event.revision > stream.replayThrough && event.revision >= stream.startRevision {
                    return event
                }
            }
            return nil
        }
    }
}
