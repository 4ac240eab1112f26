/// SuiClient: Sui JSON-RPC and GraphQL clients, Sui signatures and addresses, and a local dev ledger.
///
/// Not built yet: this namespace holds no behaviour. The README's status table tracks it.
public enum SuiClient {
    /// This library's semantic version; Docs/changelogs/SuiClient.md records each release.
    public static let version = "0.0.0"
}
