import ArgumentParser
import TEEAttest

/// What a client trusts a master's attestation against: the root and the expected PCRs.
/// Shared by `attest verify` and `kubeconfig`.
struct AttestationTrustOptions: ParsableArguments {
    @Option(help: "Trusted root certificate (PEM). Default: the AWS Nitro Enclaves Root-G1.") var root: String?
    @Option(name: .customLong("pcr"), help: "An expected PCR as N=HEX (N in 0...31); repeatable.") var pcrs: [String] = []

    /// The expectations the PCR options give.
    func expectations() throws -> AttestationExpectations {
        var expectations = AttestationExpectations()
        for spec in pcrs {
            guard let (index, value) = AttestationExpectations.pcr(parsing: spec) else { throw Failure("--pcr \(spec): expected N=HEX with N in 0...31") }
            expectations.pcrs[index] = value
        }
        return expectations
    }

    /// Verifies the master at `url` against `expectations` (default: these options') and checks
    /// the document binds the TLS connection; a refusal becomes one line.
    func verifyMaster(_ url: String, expectations: AttestationExpectations? = nil) async throws -> MasterAttestationClient.Result {
        let expectations = try expectations ?? self.expectations()
        do {
            return try await MasterAttestationClient.verify(url: url, verifier: try verifier(), expectations: expectations)
        } catch let error as AttestationError {
            throw Failure("master attestation refused: \(error)")
        }
    }

    /// A verifier pinned to `--root`, or to the AWS Nitro root.
    func verifier() throws -> AttestationVerifier {
        do {
            return try root.map { try AttestationVerifier(rootPEMFile: $0) } ?? AttestationVerifier()
        } catch let error as AttestationError {
            throw Failure("cannot use the root: \(error)")
        }
    }
}
