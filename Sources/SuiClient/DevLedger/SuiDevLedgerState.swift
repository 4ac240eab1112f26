import SuiClient

/// What a ``SuiDevLedger`` persists: the whole chain of a local test double.
struct SuiDevLedgerState: Codable, Sendable {
    /// One StakedSui object.
    struct Stake: Codable, Sendable {
        var id: SuiAddress
        var owner: SuiAddress
        var poolId: SuiAddress
        var stakeActivationEpoch: UInt64
        var principal: UInt64
        var version: UInt64
        var digest: String
        var stakeRequestEpoch: UInt64

        var value: StakedSui {
            StakedSui(id: id, owner: owner, poolId: poolId, stakeActivationEpoch: stakeActivationEpoch, principal: principal)
        }
    }

    /// One emitted event.
    struct Event: Codable, Sendable {
        /// The position of the emitting transaction on the ledger (0, 1, 2, …).
        var transactionIndex: UInt64
        var transactionDigest: String
        var eventSequence: UInt64
        /// The full Move type with short addresses, e.g. `0x3::validator::StakingRequestEvent`.
        var type: String
        var sender: SuiAddress
        var timestampMs: UInt64
        /// `parsedJson`, as JSON text.
        var json: String
    }

    /// Eight hex digits, fixed for the life of the state file.
    var chainIdentifier: String
    var checkpoint: UInt64
    var epoch: UInt64
    /// The one validator every stake goes to.
    var validatorAddress: SuiAddress
    var poolId: SuiAddress
    var transactions: UInt64
    var stakes: [Stake]
    var events: [Event]
}
