/// SealAuth: Seal token format, issuance, verification, stake policy, cache and identity mapping.
///
/// Not built yet: this namespace holds no behaviour. The README's status table tracks it.
public enum SealAuth {
    /// This library's semantic version; Docs/changelogs/SealAuth.md records each release.
    public static let version = "0.0.0"
}
