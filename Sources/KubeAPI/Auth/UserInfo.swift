/// An authenticated identity, as Kubernetes authorizers see it.
public struct UserInfo: Sendable, Hashable {
    /// The `extra` key carrying the Sui address a Seal token was signed by.
    public static let suiAddressKey = "daas.io/sui-address"

    /// The user name, e.g. `system:admin` or `sui:0x...`.
    public var name: String
    /// The groups, always including `system:authenticated`.
    public var groups: [String]
    /// Extra attributes an authenticator vouches for (kube's `user.Info.GetExtra`), e.g.
    /// ``suiAddressKey``.
    public var extra: [String: [String]]

    /// Creates an identity; `system:authenticated` is added to `groups` when missing.
    public init(name: String, groups: [String], extra: [String: [String]] = [:]) {
        self.name = name
        self.groups = groups.contains("system:authenticated") ? groups : groups + ["system:authenticated"]
        self.extra = extra
    }

    /// The Sui address the identity's token was signed by, if it came from a Seal token.
    public var suiAddress: String? { extra[Self.suiAddressKey]?.first }
}

/// Verifies bearer tokens. SealAuth implements it for Seal tokens; the API server holds any number.
public protocol TokenAuthenticator: Sendable {
    /// The identity `token` proves, or `nil` when this authenticator does not recognise the token.
    /// Throws when it recognises the token but it is invalid.
    func authenticate(token: String) async throws -> UserInfo?

    /// The identity of a token this authenticator verified recently and still trusts, without
    /// any new work; nil when it would have to verify it. The server bounds per-client work on
    /// tokens only for those that are not remembered. Default: never remembered.
    func rememberedIdentity(token: String) -> UserInfo?
}

extension TokenAuthenticator {
    public func rememberedIdentity(token: String) -> UserInfo? { nil }
}
