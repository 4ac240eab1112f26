import Foundation
import Logging
import SealAuth
import SuiClient

/// A chain in memory for the verifier: one staked address. Stake is read from it as from a node.
struct FuzzLedger: SuiReader {
    let staker: SuiAddress
    let stakeID = SuiAddress(hex: "0x5")!

    func chainIdentifier() async throws -> String { "35834a8a" }
    func latestCheckpoint() async throws -> UInt64 { 1 }
    func object(id: SuiAddress) async throws -> SuiObject? { nil }
    func objects(ids: [SuiAddress]) async throws -> [SuiObject?] { ids.map { _ in nil } }
    func ownedObjects(owner: SuiAddress, type: String?, cursor: String?, limit: Int) async throws -> SuiPage<SuiObject> { SuiPage(items: [], nextCursor: nil) }
    func stakes(owner: SuiAddress) async throws -> [StakedSui] {
        owner == staker ? [StakedSui(id: stakeID, owner: owner, poolId: stakeID, stakeActivationEpoch: 1, principal: 50_000_000_000)] : []
    }
    func events(type: String, cursor: String?, limit: Int) async throws -> SuiPage<SuiEvent> { SuiPage(items: [], nextCursor: nil) }
}

/// The shared fixture of both Seal targets: a staked key, a verifier with the real checks, and
/// a clock fixed inside the tokens' lifetime.
struct SealFixture: Sendable {
    static let clusterID = "fuzz-cluster"
    static let now: Int64 = 1_800_000_000
    let key = SuiKeyPair.generate(scheme: .ed25519)
    let verifier: SealVerifier

    init() {
        var configuration = SealVerifierConfiguration(policy: SealPolicy(clusterID: Self.clusterID))
        // Small caches, so the fuzzer exercises eviction too.
        configuration.cacheCapacity = 256
        configuration.refusalCacheCapacity = 256
        verifier = SealVerifier(
            configuration: configuration, reader: FuzzLedger(staker: key.address),
            logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }), clock: { Self.now })
    }

    func tokens() throws -> [String] {
        try [SealSubject.user("alice"), .node("worker-1")].map {
            try SealTokenIssuer.issue(keyPair: key, subject: $0, audience: Self.clusterID, lifetime: 600, stake: $0 == .user("alice") ? [SuiAddress(hex: "0x5")!] : [], now: Self.now).text
        }
    }
}

/// Seal token text (structure, base64url, payload JSON, signature) through the real verifier.
struct SealTokenTarget: FuzzTarget {
    let name = "seal-token"
    let fixture = SealFixture()
    var dictionary: [[UInt8]] { ["seal.v1.", ".", "eyJ", "AA", "-", "_", "=", "+/"].map(\.bytes) }
    var maxInputSize: Int { 8192 }

    func seeds() throws -> [[UInt8]] { try fixture.tokens().map(\.bytes) }

    func run(_ input: [UInt8]) async {
        _ = try? await fixture.verifier.verify(String(decoding: input, as: UTF8.self))
    }
}

/// Hostile payloads with valid signatures: the mutated payload JSON is signed by the staked key,
/// so every check after the signature (address, revocation, lifetime arithmetic, stake) runs.
struct SealPayloadTarget: FuzzTarget {
    let name = "seal-payload"
    let fixture = SealFixture()
    var dictionary: [[UInt8]] { ["\"iat\":", "\"exp\":", "\"iss\":\"0x", "\"stake\":[\"0x", "\"nonce\":\"", "\"sub\":\"node:", "\"sub\":\"user:", "\"dom\":\"k3s-daas/seal/v1\"", "\\u0301"].map(\.bytes) }
    var maxInputSize: Int { 3000 }

    func seeds() throws -> [[UInt8]] {
        try fixture.tokens().map { token in
            let payload = token.split(separator: ".")[2]
            var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            return Array(Data(base64Encoded: base64) ?? Data())
        }
    }

    func run(_ input: [UInt8]) async {
        guard let signature = try? fixture.key.signPersonalMessage(input) else { return }
        let token = SealToken.prefix + Self.base64url(input) + "." + Self.base64url(signature)
        _ = try? await fixture.verifier.verify(token)
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
