/// SealAuth: Seal token format, issuance and verification, stake policy, verdict cache and the
/// mapping to Kubernetes identities (DESIGN.md, "Seal token v1").
///
/// Start with ``SealVerifier`` (the master side) and ``SealTokenIssuer`` (the client side).
public enum SealAuth {
    /// This library's semantic version; Docs/changelogs/SealAuth.md records each release.
    public static let version = "0.4.0"
}
