/// A Sui object as the reader returns it: identity, version, type, owner and Move contents.
public struct SuiObject: Sendable, Hashable {
    /// The object id.
    public var id: SuiAddress
    /// The object's version (sequence number).
    public var version: UInt64
    /// The object digest (base58).
    public var digest: String
    /// The full Move type, e.g. `0x3::staking_pool::StakedSui`, with addresses as Sui prints them.
    public var type: String?
    /// The owner.
    public var owner: SuiOwner
    /// The Move struct's fields as JSON (`content.fields` over JSON-RPC, `contents.json` over GraphQL).
    public var contents: SuiValue?

    /// Creates an object value.
    public init(id: SuiAddress, version: UInt64, digest: String, type: String?, owner: SuiOwner, contents: SuiValue?) {
        self.id = id
        self.version = version
        self.digest = digest
        self.type = type
        self.owner = owner
        self.contents = contents
    }
}
