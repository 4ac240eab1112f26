import Synchronization

/// Bounds the requests in flight, as kube-apiserver's `--max-requests-inflight` and
/// `--max-mutating-requests-inflight` do: a request over the bound gets 429 at once.
final class InFlightLimiter: Sendable {
    private let readOnly: Atomic<Int>
    private let mutating: Atomic<Int>
    private let readOnlyLimit: Int
    private let mutatingLimit: Int

    init(readOnly: Int, mutating: Int) {
        self.readOnly = Atomic(0)
        self.mutating = Atomic(0)
        self.readOnlyLimit = readOnly
        self.mutatingLimit = mutating
    }

    /// Takes a slot; `false` when none is free.
    func acquire(mutating isMutating: Bool) -> Bool {
        isMutating ? Self.acquire(mutating, limit: mutatingLimit) : Self.acquire(readOnly, limit: readOnlyLimit)
    }

    private static func acquire(_ counter: borrowing Atomic<Int>, limit: Int) -> Bool {
        if counter.wrappingAdd(1, ordering: .acquiring).newValue > limit {
            counter.wrappingSubtract(1, ordering: .releasing)
            return false
        }
        return true
    }

    /// The requests in flight now (read-only, mutating).
    var current: (readOnly: Int, mutating: Int) { (readOnly.load(ordering: .relaxed), mutating.load(ordering: .relaxed)) }

    /// Gives a slot back.
    func release(mutating isMutating: Bool) {
        if isMutating {
            mutating.wrappingSubtract(1, ordering: .releasing)
        } else {
            readOnly.wrappingSubtract(1, ordering: .releasing)
        }
    }
}

extension APIServer {
    /// Request limits and watch tuning, with kube-apiserver's defaults.
    public struct Limits: Sendable {
        /// Read-only requests in flight before 429. Default 400.
        public var maxRequestsInFlight: Int
        /// Mutating requests in flight before 429. Default 200.
        public var maxMutatingRequestsInFlight: Int
        /// How often a watch that allows bookmarks gets one. Default 60 s.
        public var bookmarkInterval: Duration
        /// Bearer-token verifications one client address may have in flight before 429; tokens
        /// are verified before a request slot is taken, so a slow chain read holds none. Default 16.
        public var maxTokenVerificationsPerClient: Int

        /// Creates limits; every parameter has the default documented on its property.
        public init(
            maxRequestsInFlight: Int = 400, maxMutatingRequestsInFlight: Int = 200, bookmarkInterval: Duration = .seconds(60),
            maxTokenVerificationsPerClient: Int = 16
        ) {
            self.maxRequestsInFlight = maxRequestsInFlight
            self.maxMutatingRequestsInFlight = maxMutatingRequestsInFlight
            self.bookmarkInterval = bookmarkInterval
            self.maxTokenVerificationsPerClient = maxTokenVerificationsPerClient
        }
    }
}
