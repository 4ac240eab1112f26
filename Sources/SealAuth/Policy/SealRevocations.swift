public import SuiClient

/// Revoked token nonces and issuer addresses. The master keeps it in the cluster and hands each
/// new version to ``SealVerifier/setRevocations(_:)``.
public struct SealRevocations: Sendable, Hashable {
    /// Revoked token nonces: one token each.
    public var nonces: Set<String>
    /// Revoked addresses: every token they issue.
    public var addresses: Set<SuiAddress>

    /// Creates a revocation list.
    public init(nonces: Set<String> = [], addresses: Set<SuiAddress> = []) {
        self.nonces = nonces
        self.addresses = addresses
    }
}
