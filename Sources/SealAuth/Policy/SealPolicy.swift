public import SuiClient

/// What a token must satisfy beyond its signature: lifetimes, stake minimums, cluster owners.
/// Plain configuration; every default is documented on its property.
public struct SealPolicy: Sendable {
    /// The cluster id tokens must name in `aud`.
    public var clusterID: String
    /// Longest `exp - iat` accepted per role. Defaults: 1 hour for users, 24 hours for nodes.
    public var maxLifetime: [SealRole: Int64] = [.user: 3_600, .node: 86_400]
    /// Smallest staked principal per role, in MIST (10^9 MIST = 1 SUI).
    /// Defaults: 1 SUI for users, 10 SUI for nodes.
    public var minimumStake: [SealRole: UInt64] = [.user: 1_000_000_000, .node: 10_000_000_000]
    /// Clock skew tolerated on `iat` and `exp`, in seconds. Default 60.
    public var clockSkew: Int64 = 60
    /// Addresses whose user tokens map to cluster-admin (group `system:masters`). Default none.
    public var clusterOwners: Set<SuiAddress> = []

    /// Creates a policy for `clusterID` with the defaults above.
    public init(clusterID: String) {
        self.clusterID = clusterID
    }
}
