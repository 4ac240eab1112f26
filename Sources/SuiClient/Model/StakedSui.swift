/// A `0x3::staking_pool::StakedSui` object: SUI staked with a validator's pool.
public struct StakedSui: Sendable, Hashable {
    /// The type every StakedSui object has.
    public static let moveType = "0x3::staking_pool::StakedSui"

    /// The object id.
    public var id: SuiAddress
    /// The owning address.
    public var owner: SuiAddress
    /// The staking pool id.
    public var poolId: SuiAddress
    /// The epoch from which the stake is active.
    public var stakeActivationEpoch: UInt64
    /// The staked amount in MIST (1 SUI = 10^9 MIST).
    public var principal: UInt64

    /// Creates a stake value.
    public init(id: SuiAddress, owner: SuiAddress, poolId: SuiAddress, stakeActivationEpoch: UInt64, principal: UInt64) {
        self.id = id
        self.owner = owner
        self.poolId = poolId
        self.stakeActivationEpoch = stakeActivationEpoch
        self.principal = principal
    }
}
