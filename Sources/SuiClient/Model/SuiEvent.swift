/// A Move event emitted by a transaction.
public struct SuiEvent: Sendable, Hashable {
    /// The transaction digest that emitted it.
    public var transactionDigest: String
    /// The event's index within that transaction.
    public var eventSequence: UInt64
    /// The Move event type, e.g. `0x2::coin::CoinCreated<0x2::sui::SUI>`.
    public var type: String
    /// The sender address.
    public var sender: SuiAddress?
    /// Milliseconds since the epoch, when known.
    public var timestampMs: UInt64?
    /// The event contents as JSON.
    public var contents: SuiValue

    /// Creates an event value.
    public init(transactionDigest: String, eventSequence: UInt64, type: String, sender: SuiAddress?, timestampMs: UInt64?, contents: SuiValue) {
        self.transactionDigest = transactionDigest
        self.eventSequence = eventSequence
        self.type = type
        self.sender = sender
        self.timestampMs = timestampMs
        self.contents = contents
    }
}
