public import SuiClient

/// The Kubernetes identity a verified Seal token maps to (DESIGN.md, "Identity").
public struct SealIdentity: Sendable, Hashable {
    /// The group every staker's user token carries.
    public static let stakersGroup = "daas:stakers"
    /// The group cluster owners are added to, bound to cluster-admin by the bootstrap policy.
    public static let ownersGroup = "system:masters"

    /// `system:node:<name>` for nodes, `sui:<address>` for users.
    public var user: String
    /// The groups, always ending with `system:authenticated`.
    public var groups: [String]
    /// The issuing address.
    public var address: SuiAddress
    /// The token's subject.
    public var subject: SealSubject
    /// The token's nonce, for audit and revocation.
    public var nonce: String

    /// Maps a verified payload to its identity; `owner` adds the cluster-owner group to users.
    init(payload: SealPayload, owner: Bool) {
        address = payload.iss
        subject = payload.sub
        nonce = payload.nonce
        switch payload.sub {
        case .node(let name):
            user = "system:node:\(name)"
            groups = ["system:nodes", "system:authenticated"]
        case .user:
            user = "sui:\(payload.iss)"
            groups = owner ? [Self.stakersGroup, Self.ownersGroup, "system:authenticated"] : [Self.stakersGroup, "system:authenticated"]
        }
    }
}
