/// The keys K3s-DaaS keeps on Node objects for staking, which nodes themselves may not set
/// (``NodeRestriction``).
public enum NodeKeys {
    /// Annotation: the Sui address whose node token registered the Node (its name is bound to it).
    public static let suiAddress = "daas.io/sui-address"
    /// Annotation (or label): the stake of that address in MIST, as the master recorded it; the
    /// scheduler's StakeWeighted plugin reads it.
    public static let stake = "daas.io/stake-mist"
}
