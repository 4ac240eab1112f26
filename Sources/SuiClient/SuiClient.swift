/// SuiClient: Sui JSON-RPC and GraphQL clients, Sui signatures and addresses, and a local dev ledger.
///
/// Built so far: Sui signature verification and signing (``SuiSignature``, ``SuiKeyPair``) and the
/// Sui CLI keystore (``SuiKeystore``). The chain readers and the dev ledger are still to come; the
/// README's status table tracks them.
public enum SuiClient {
    /// This library's semantic version; Docs/changelogs/SuiClient.md records each release.
    public static let version = "0.3.0"
}
