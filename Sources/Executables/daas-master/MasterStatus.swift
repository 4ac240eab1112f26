import EncStore
import Foundation
import KubeAPI
import SealAuth
import SuiClient
import TEEAttest

/// The document `GET /daas/v1/status` serves and `daasctl status` shows: the master's version,
/// attestation (mode and PCR0), uptime, the store's revision and size on disk, and Seal (the
/// addresses holding a live session, the revocation list and the stake minimums).
struct MasterStatus: Sendable {
    let clusterID: String
    let started: Date
    let attestationMode: String
    /// PCR0 of the master's own attestation document, hex (nil without attestation).
    let pcr0: String?
    let objects: ObjectStore
    /// The store backend (`lmdb` or `etcd`) and how to read its size on disk.
    let storeBackend: String
    let storeSize: @Sendable () async -> Int?
    let verifier: SealVerifier

    func document() async -> JSONValue {
        let revision = (try? await objects.store.currentRevision()).map { JSONValue.integer($0) } ?? .null
        let active = verifier.activeAddresses()
        let revocations = verifier.revocations
        let policy = verifier.configuration.policy
        var attestation: JSONValue = ["mode": .string(attestationMode)]
        if let pcr0 { attestation["pcr0"] = .string(pcr0) }
        return [
            "kind": "MasterStatus", "apiVersion": "daas.io/v1",
            "clusterID": .string(clusterID),
            "version": ["daas": .string(KubeAPI.version), "kubernetes": "v1.32.0+k3s-daas"],
            "startTime": .string(ObjectMeta.timestamp(started)),
            "uptimeSeconds": .integer(Int64(max(0, Date().timeIntervalSince(started)))),
            "attestation": attestation,
            "store": ["backend": .string(storeBackend), "revision": revision, "sizeBytes": await storeSize().map { .integer(Int64($0)) } ?? .null],
            "seal": [
                "activeAddresses": .array(active.sorted { $0.key.description < $1.key.description }.map { address, role in
                    ["address": .string(address.description), "role": .string(role.rawValue)]
                }),
                "revokedTokens": .integer(Int64(revocations.nonces.count)), "revokedAddresses": .integer(Int64(revocations.addresses.count)),
                "minimumStake": [
                    "user": .string(String(policy.minimumStake[.user] ?? 0)), "node": .string(String(policy.minimumStake[.node] ?? 0)),
                ],
            ],
        ]
    }

    /// The size of the file at `path` in bytes, or nil when it cannot be read.
    static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
    }
}

extension MasterAttestation {
    /// PCR0 of a fresh document (the measurement of the enclave image, or of the executable for
    /// the dev attester), hex; read once at start for the status view.
    func pcr0() -> String? {
        guard let document = try? attester.attest(AttestationRequest(userData: binding.userData, nonce: Array("status-pcr0".utf8), publicKey: publicKey)),
            let cose = try? COSESign1(decoding: document), let payload = try? CBORDecoder().decode(cose.payload),
            let parsed = try? AttestationDocument(payload: payload), let pcr = parsed.pcrs[0]
        else { return nil }
        return Hex.encode(pcr)
    }
}
