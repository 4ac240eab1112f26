/// Fans committed events out to watchers.
///
/// Each watcher has a bounded buffer. Publishing never waits for a watcher: one whose buffer is
/// full is ended with ``StoreError/Code/watcherTooSlow`` after the events it already holds, so it
/// never silently misses an event and never slows writers or other watchers.
actor WatchHub {
    typealias Stream = AsyncThrowingStream<WatchEvent, any Error>

    private struct Subscriber {
        let prefix: String
        let continuation: Stream.Continuation
    }

    private var subscribers: [Int: Subscriber] = [:]
    private var nextID = 0
    private var closed = false
    /// The revision of the last published event (the store revision at open before any).
    private(set) var lastPublished: Int64
    let bufferSize: Int

    init(lastPublished: Int64, bufferSize: Int) {
        self.lastPublished = lastPublished
        self.bufferSize = max(1, bufferSize)
    }

    /// Registers a watcher; it receives every event published after this call.
    /// - Returns: the live stream and the last revision published before it, which the watcher
    ///   must read from history itself.
    func subscribe(prefix: String) throws -> (stream: Stream, lastPublished: Int64) {
        guard !closed else { throw StoreError.closed() }
        let id = nextID
        nextID += 1
        let (stream, continuation) = Stream.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        subscribers[id] = Subscriber(prefix: prefix, continuation: continuation)
        return (stream, lastPublished)
    }

    /// The number of live watchers.
    var count: Int { subscribers.count }

    func publish(_ events: [WatchEvent]) {
        guard let last = events.last else { return }
        lastPublished = last.revision
        for (id, subscriber) in subscribers {
            delivery: for event in events where event.kv.key.utf8.starts(with: subscriber.prefix.utf8) {
                switch subscriber.continuation.yield(event) {
                case .enqueued:
                    continue
                case .dropped:
                    subscriber.continuation.finish(throwing: StoreError.watcherTooSlow(buffer: bufferSize))
                    subscribers[id] = nil
                    break delivery
                default:
                    subscribers[id] = nil
                    break delivery
                }
            }
        }
    }

    func unsubscribe(_ id: Int) {
        subscribers[id] = nil
    }

    /// Ends every watcher with ``StoreError/Code/closed``.
    func close() {
        closed = true
        for subscriber in subscribers.values {
            subscriber.continuation.finish(throwing: StoreError.closed())
        }
        subscribers = [:]
    }
}
