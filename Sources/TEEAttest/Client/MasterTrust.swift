import Crypto
import X509

/// What a client trusts a master's attestation against: the root, the expected PCRs, and
/// optionally the cluster id and CA it already knows.
///
/// With the AWS Nitro root a PCR0 is required: every Nitro enclave chains to that root, so
/// without PCR0 any enclave could claim to be the master (and harvest the tokens sent to it).
/// A dev attester root is specific to one master's data directory and needs no PCR.
public struct MasterTrust: Sendable {
    /// Verifies the document's signature and chain.
    public var verifier: AttestationVerifier
    /// PCRs and the other document checks; the client adds a fresh nonce.
    public var expectations: AttestationExpectations
    /// The cluster id the master must attest, when the client knows it. Default: any.
    public var clusterID: String?
    /// SHA-256 of the cluster CA's DER the master must attest, when the client knows it. Default: any.
    public var caSHA256: [UInt8]?

    /// Creates trust from its parts.
    public init(verifier: AttestationVerifier, expectations: AttestationExpectations = AttestationExpectations(), clusterID: String? = nil, caSHA256: [UInt8]? = nil) {
        self.verifier = verifier
        self.expectations = expectations
        self.clusterID = clusterID
        self.caSHA256 = caSHA256
    }

    /// Parses the options every client takes: `--root FILE` (default the AWS Nitro root),
    /// `--pcr N=HEX` (repeatable), `--cluster-id ID` and `--ca-sha256 HEX`.
    /// - Throws: ``AttestationError`` with code `master.trust_invalid` or a `chain.*` code for the root.
    public init(rootPEMFile: String?, pcrs: [String], clusterID: String? = nil, caSHA256: String? = nil) throws {
        var expectations = AttestationExpectations()
        for spec in pcrs {
            guard let (index, value) = AttestationExpectations.pcr(parsing: spec) else {
                throw AttestationError(.masterTrustInvalid, "--pcr \(spec.prefix(100)): expected N=HEX with N in 0...31")
            }
            expectations.pcrs[index] = value
        }
        var digest: [UInt8]?
        if let caSHA256 {
            guard let bytes = try? Hex.decode(caSHA256), bytes.count == 32 else {
                throw AttestationError(.masterTrustInvalid, "--ca-sha256 must be 64 hex digits (the SHA-256 of the cluster CA's DER)")
            }
            digest = bytes
        }
        if let clusterID {
            guard !clusterID.isEmpty, clusterID.utf8.count <= 256 else { throw AttestationError(.masterTrustInvalid, "--cluster-id must be 1 to 256 bytes") }
        }
        let verifier = try rootPEMFile.map { try AttestationVerifier(rootPEMFile: $0) } ?? AttestationVerifier()
        self.init(verifier: verifier, expectations: expectations, clusterID: clusterID, caSHA256: digest)
    }

    /// Whether the verifier trusts the AWS Nitro root.
    public var trustsNitroRoot: Bool {
        guard let nitro = try? NitroRoot.certificate else { return false }
        return verifier.configuration.roots.contains(nitro)
    }

    /// Refuses trust that any enclave would satisfy: the Nitro root without PCR0.
    func checkSufficient() throws {
        if trustsNitroRoot, expectations.pcrs[0] == nil {
            throw AttestationError(
                .masterPCR0Required,
                "trusting the AWS Nitro root without --pcr 0=<PCR0 of the master's enclave image> would accept any enclave; give the expected PCR0")
        }
    }

    /// Checks a verified binding against the pinned cluster id and CA hash.
    func checkPins(_ binding: MasterBinding) throws {
        if let clusterID, clusterID != binding.clusterID {
            throw AttestationError(.masterClusterMismatch, "the master attests cluster id \(binding.clusterID.prefix(256)), not the pinned \(clusterID)")
        }
        if let caSHA256, !ConstantTime.equals(caSHA256, binding.caSHA256) {
            throw AttestationError(.masterCAMismatch, "the master attests CA sha256 \(Hex.encode(binding.caSHA256)), not the pinned \(Hex.encode(caSHA256))")
        }
    }
}
