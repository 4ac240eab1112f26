/// The reads SealAuth needs from the Sui chain, behind one protocol with a JSON-RPC and a GraphQL
/// transport. Every method throws ``SuiClientError``.
public protocol SuiReader: Sendable {
    /// The chain identifier (the first 4 bytes of the genesis checkpoint digest, as 8 hex digits).
    func chainIdentifier() async throws -> String
    /// The sequence number of the latest checkpoint.
    func latestCheckpoint() async throws -> UInt64
    /// The object with `id`, or `nil` when it does not exist or was deleted.
    func object(id: SuiAddress) async throws -> SuiObject?
    /// The objects with `ids`, in order, `nil` where one does not exist.
    func objects(ids: [SuiAddress]) async throws -> [SuiObject?]
    /// Objects owned by `owner`, optionally only those of Move `type`, one page at a time
    /// (`limit` at most 50).
    func ownedObjects(owner: SuiAddress, type: String?, cursor: String?, limit: Int) async throws -> SuiPage<SuiObject>
    /// Every `0x3::staking_pool::StakedSui` object `owner` owns (all pages).
    func stakes(owner: SuiAddress) async throws -> [StakedSui]
    /// Events of Move event `type`, oldest first, one page at a time (`limit` at most 50).
    func events(type: String, cursor: String?, limit: Int) async throws -> SuiPage<SuiEvent>
}
