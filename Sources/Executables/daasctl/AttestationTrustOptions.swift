import ArgumentParser
import TEEAttest

/// What a client trusts a master's attestation against: the root, the expected PCRs, and the
/// cluster id or CA it may already know. Shared by `attest verify` and `kubeconfig`.
struct AttestationTrustOptions: ParsableArguments {
    @Option(help: "Trusted root certificate (PEM). Default: the AWS Nitro Enclaves Root-G1 (which needs --pcr 0=HEX).") var root: String?
    @Option(name: .customLong("pcr"), help: "An expected PCR as N=HEX (N in 0...31); repeatable.") var pcrs: [String] = []
    @Option(help: "The cluster id the master must attest (pin it once known).") var clusterID: String?
    @Option(name: .customLong("ca-sha256"), help: "SHA-256 (hex) of the cluster CA's DER the master must attest.") var caSHA256: String?

    /// The trust these options give; a malformed option becomes one line.
    func trust() throws -> MasterTrust {
        do {
            return try MasterTrust(rootPEMFile: root, pcrs: pcrs, clusterID: clusterID, caSHA256: caSHA256)
        } catch let error as AttestationError {
            throw Failure("cannot use the trust options: \(error)")
        }
    }

    /// Verifies the master at `url` (with `expectations` in place of these options' own when
    /// given) and checks the document binds the TLS connection; a refusal becomes one line.
    func verifyMaster(_ url: String, expectations: AttestationExpectations? = nil) async throws -> MasterAttestationClient.Result {
        var trust = try trust()
        if let expectations { trust.expectations = expectations }
        do {
            return try await MasterAttestationClient.verify(url: url, trust: trust)
        } catch let error as AttestationError {
            throw Failure("master attestation refused: \(error)")
        }
    }
}
