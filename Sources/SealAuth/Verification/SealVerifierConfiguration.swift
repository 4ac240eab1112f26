/// How a ``SealVerifier`` checks and caches tokens. Plain configuration with documented defaults.
public struct SealVerifierConfiguration: Sendable {
    /// Lifetimes, stake minimums, audience and cluster owners.
    public var policy: SealPolicy
    /// How long a stake reading (and so a verdict) is trusted before the chain is asked again, in
    /// seconds. An address that unstakes is locked out within this time. Default 30.
    public var stakeTTL: Int64 = 30
    /// How long a refusal is remembered, in seconds, so a bad token replayed in a loop costs one
    /// verification. Default 5.
    public var negativeTTL: Int64 = 5
    /// How long an insufficient stake reading is remembered per address, in seconds, so fresh
    /// tokens from an unstaked address do not each cost a chain read, yet someone who just staked
    /// waits at most this long. Default 2.
    public var insufficientStakeTTL: Int64 = 2
    /// The most verdicts (and stake readings) cached; the least recently used is evicted first.
    /// Default 100,000.
    public var cacheCapacity = 100_000
    /// The most refusals cached, apart from verdicts, so junk tokens never evict good verdicts.
    /// Default 10,000.
    public var refusalCacheCapacity = 10_000

    /// Creates a configuration with the defaults above.
    public init(policy: SealPolicy) {
        self.policy = policy
    }
}
