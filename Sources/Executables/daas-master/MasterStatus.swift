import EncStore
import Synchronization
import Foundation
import KubeAPI
import SealAuth
import SuiClient
import TEEAttest

/// The document `GET /daas/v1/status` serves and `daasctl status` and the web dashboard show:
/// the master's version, attestation (mode, PCR0 and the age of the latest document), uptime,
/// the store's revision and size on disk, Seal (the addresses holding a live session, the
/// revocation list and the stake minimums) and the nodes' reported usage, summed.
struct MasterStatus: Sendable {
    let clusterID: String
    let started: Date
    let attestationMode: String
    /// The master's own attestation (nil without attestation).
    let attestation: AttestationSnapshots?
    let objects: ObjectStore
    /// The store backend (`lmdb` or `etcd`) and how to read its size on disk.
    let storeBackend: String
    let storeSize: @Sendable () async -> Int?
    let verifier: SealVerifier
    /// The node agents' usage reports.
    let usage: ResourceUsageStore

    func document() async -> JSONValue {
        let revision = (try? await objects.store.currentRevision()).map { JSONValue.integer($0) } ?? .null
        let active = verifier.activeAddresses()
        let revocations = verifier.revocations
        let policy = verifier.configuration.policy
        var attestation: JSONValue = ["mode": .string(attestationMode)]
        if let snapshot = self.attestation?.current() {
            attestation["pcr0"] = .string(snapshot.pcr0)
            attestation["documentTime"] = .string(ObjectMeta.timestamp(snapshot.time))
            attestation["documentAgeSeconds"] = .integer(Int64(min(max(0, Date().timeIntervalSince(snapshot.time)), 1e12)))
        }
        return [
            "kind": "MasterStatus", "apiVersion": "daas.io/v1",
            "clusterID": .string(clusterID),
            "version": ["daas": .string(KubeAPI.version), "kubernetes": "v1.32.0+k3s-daas"],
            "startTime": .string(ObjectMeta.timestamp(started)),
            "uptimeSeconds": .integer(Int64(max(0, Date().timeIntervalSince(started)))),
            "attestation": attestation,
            "store": ["backend": .string(storeBackend), "revision": revision, "sizeBytes": await storeSize().map { .integer(Int64($0)) } ?? .null],
            "usage": usageTotals(),
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

    /// The current reports of every node, summed: CPU (nanocores), memory working set, network
    /// bytes per second both ways, filesystem used and capacity.
    func usageTotals() -> JSONValue {
        var cpu: Int64 = 0, memory: Int64 = 0, received: Int64 = 0, sent: Int64 = 0, used: Int64 = 0, capacity: Int64 = 0
        let nodes = usage.nodes()
        for sample in nodes.values {
            cpu = cpu.addingReportingOverflow(sample.usage.cpuNanoCores).overflow ? .max : cpu + sample.usage.cpuNanoCores
            memory = memory.addingReportingOverflow(sample.usage.memoryBytes).overflow ? .max : memory + sample.usage.memoryBytes
            received = received.addingReportingOverflow(sample.networkRxBytesPerSecond ?? 0).overflow ? .max : received + (sample.networkRxBytesPerSecond ?? 0)
            sent = sent.addingReportingOverflow(sample.networkTxBytesPerSecond ?? 0).overflow ? .max : sent + (sample.networkTxBytesPerSecond ?? 0)
            used = used.addingReportingOverflow(sample.fileSystem?.usedBytes ?? 0).overflow ? .max : used + (sample.fileSystem?.usedBytes ?? 0)
            capacity = capacity.addingReportingOverflow(sample.fileSystem?.capacityBytes ?? 0).overflow ? .max : capacity + (sample.fileSystem?.capacityBytes ?? 0)
        }
        return [
            "nodesReporting": .integer(Int64(nodes.count)), "cpuNanoCores": .integer(cpu), "memoryWorkingSetBytes": .integer(memory),
            "networkReceiveBytesPerSecond": .integer(received), "networkTransmitBytesPerSecond": .integer(sent),
            "filesystemUsedBytes": .integer(used), "filesystemCapacityBytes": .integer(capacity),
        ]
    }

    /// The size of the file at `path` in bytes, or nil when it cannot be read.
    static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
    }
}

/// The master's latest attestation document for the status view: PCR0 (the measurement of the
/// enclave image, or of the executable for the dev attester) and when the document was made; a
/// new one is made when the last is a minute old.
final class AttestationSnapshots: Sendable {
    let attestation: MasterAttestation
    private let last = Mutex<(pcr0: String, time: Date)?>(nil)

    init(_ attestation: MasterAttestation) { self.attestation = attestation }

    func current(now: Date = Date()) -> (pcr0: String, time: Date)? {
        if let cached = last.withLock({ $0 }), now.timeIntervalSince(cached.time) < 60 { return cached }
        guard let document = try? attestation.attester.attest(
                AttestationRequest(userData: attestation.binding.userData, nonce: Array("status-pcr0".utf8), publicKey: attestation.publicKey)),
            let cose = try? COSESign1(decoding: document), let payload = try? CBORDecoder().decode(cose.payload),
            let parsed = try? AttestationDocument(payload: payload), let pcr = parsed.pcrs[0]
        else { return nil }
        let snapshot = (Hex.encode(pcr), Date(timeIntervalSince1970: Double(parsed.timestampMilliseconds) / 1000))
        last.withLock { $0 = snapshot }
        return snapshot
    }
}
