/// TEEAttest: AWS Nitro attestation verification (CBOR, COSE, X.509), the NSM client and a dev attester.
///
/// Not built yet: this namespace holds no behaviour. The README's status table tracks it.
public enum TEEAttest {
    /// This library's semantic version; Docs/changelogs/TEEAttest.md records each release.
    public static let version = "0.0.0"
}
