/// TEEAttest: AWS Nitro attestation verification (CBOR, COSE_Sign1 ES384, X.509 chain, policy),
/// the NSM client and a dev attester producing documents of the same format.
///
/// Start at ``AttestationVerifier``; Docs/ATTESTATION.md describes the format and the checks.
public enum TEEAttest {
    /// This library's semantic version; Docs/changelogs/TEEAttest.md records each release.
    public static let version = "0.4.0"
}
