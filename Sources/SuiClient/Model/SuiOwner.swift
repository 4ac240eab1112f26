/// Who owns an object, as Sui reports it.
public enum SuiOwner: Sendable, Hashable {
    /// Owned by an account address.
    case address(SuiAddress)
    /// Owned by another object (a dynamic field or wrapped object).
    case object(SuiAddress)
    /// A shared object, shared at `initialVersion`.
    case shared(initialVersion: UInt64)
    /// An immutable (frozen) object.
    case immutable
    /// Owned by an address through consensus ordering (Sui's `ConsensusAddressOwner`).
    case consensusAddress(SuiAddress, startVersion: UInt64)
}
