import DaaSTestSupport
import Logging
import SuiClient
import Synchronization
import Testing

@testable import SealAuth

/// A clock tests move by hand.
final class TestClock: Sendable {
    let now = Mutex<Int64>(1_800_000_000)
    func advance(_ seconds: Int64) { now.withLock { $0 += seconds } }
    var read: @Sendable () -> Int64 { { self.now.withLock { $0 } } }
}

@Suite("Seal token verification")
struct SealVerifierTests {
    let clusterID = "cluster-a"
    let alice = SuiKeyPair.generate(scheme: .ed25519)
    let mallory = SuiKeyPair.generate(scheme: .secp256k1)
    let reader = FakeSuiReader()
    let clock = TestClock()

    func verifier(_ adjust: (inout SealVerifierConfiguration) -> Void = { _ in }) -> SealVerifier {
        var configuration = SealVerifierConfiguration(policy: SealPolicy(clusterID: clusterID))
        adjust(&configuration)
        return SealVerifier(configuration: configuration, reader: reader, logger: Logger(label: "test"), clock: clock.read)
    }

    func token(_ subject: SealSubject = .user("alice"), key: SuiKeyPair? = nil, audience: String? = nil, lifetime: Int64 = 600, iat: Int64? = nil, stake: [SuiAddress] = []) throws -> String {
        try SealTokenIssuer.issue(keyPair: key ?? alice, subject: subject, audience: audience ?? clusterID, lifetime: lifetime, stake: stake, now: iat ?? clock.read()).text
    }

    /// A token whose payload was edited after the fact and signed again by `key`.
    func signed(_ payload: SealPayload, by key: SuiKeyPair) throws -> String {
        let bytes = payload.encoded()
        return SealToken(payload: payload, payloadBytes: bytes, signature: try key.signPersonalMessage(bytes)).text
    }

    func refusal(_ verifier: SealVerifier, _ token: String) async -> SealAuthError.Code? {
        do {
            _ = try await verifier.verify(token)
            return nil
        } catch let error as SealAuthError {
            return error.code
        } catch {
            return SealAuthError.Code(rawValue: "unexpected \(error)")
        }
    }

    @Test("a staked user's token maps to sui:<address> in daas:stakers; a node token to system:node:<name>")
    func identities() async throws {
        reader.stake(alice.address, principal: 20_000_000_000)
        let verifier = verifier()
        let user = try await verifier.verify(try token())
        #expect(user.user == "sui:\(alice.address)")
        #expect(user.groups == ["daas:stakers", "system:authenticated"])
        let node = try await verifier.verify(try token(.node("worker-1")))
        #expect(node.user == "system:node:worker-1")
        #expect(node.groups == ["system:nodes", "system:authenticated"])
    }

    @Test("cluster owners get system:masters, which the bootstrap policy binds to cluster-admin")
    func owners() async throws {
        reader.stake(alice.address, principal: 1_000_000_000)
        let owner = try await verifier { $0.policy.clusterOwners = [alice.address] }.verify(try token())
        #expect(owner.groups.contains("system:masters"))
    }

    @Test("every malformed token is refused as malformed")
    func malformed() async throws {
        let verifier = verifier()
        let good = try token()
        let parts = good.split(separator: ".")
        for bad in ["", "Bearer x", "seal.v2.a.b", "seal.v1.", "seal.v1.abc", "seal.v1.a.b.c", "seal.v1.\(parts[2]).", "seal.v1.\(parts[2])=.\(parts[3])",
                    "seal.v1.\(parts[2]).\(parts[3])+", "seal.v1.e30.\(parts[3])", "seal.v1.bm90IGpzb24.\(parts[3])",
                    "seal.v1." + String(repeating: "A", count: 5000) + "." + parts[3]] {
            #expect(await refusal(verifier, bad) == .malformed, "\(bad.prefix(40))")
        }
        var random = SplitMix64.seeded("malformed Seal tokens")
        for _ in 0..<200 {
            let length = Int.random(in: 0..<good.count, using: &random)
            var bytes = Array(good.utf8.prefix(length))
            if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0x20...0x7e, using: &random) }
            let code = await refusal(verifier, String(decoding: bytes, as: UTF8.self))
            #expect(code != nil)
        }
    }

    @Test("each claim is checked: domain, lifetime, time window, audience, subject")
    func claims() async throws {
        reader.stake(alice.address, principal: 20_000_000_000)
        let verifier = verifier()
        let now = clock.read()
        var payload = SealPayload(iss: alice.address, sub: .user("alice"), aud: clusterID, iat: now, exp: now + 600, nonce: "AAAAAAAAAAAAAAAAAAAAAA")
        var other = payload
        other.dom = "sui/personal-message"
        #expect(await refusal(verifier, try signed(other, by: alice)) == .wrongDomain)
        #expect(await refusal(verifier, try token(lifetime: 3_601)) == .lifetimeTooLong)
        #expect(await refusal(verifier, try token(.node("n1"), lifetime: 86_401)) == .lifetimeTooLong)
        #expect(await refusal(verifier, try token(.node("n1"), lifetime: 86_400)) == nil)
        other = payload
        other.exp = other.iat
        #expect(await refusal(verifier, try signed(other, by: alice)) == .lifetimeTooLong)
        #expect(await refusal(verifier, try token(iat: now - 700)) == .expired)
        #expect(await refusal(verifier, try token(iat: now - 650)) == nil, "within the 60 s skew")
        #expect(await refusal(verifier, try token(iat: now + 120)) == .notYetValid)
        #expect(await refusal(verifier, try token(audience: "cluster-b")) == .wrongAudience)
        payload.nonce = "BBBBBBBBBBBBBBBBBBBBBA"
        #expect(await refusal(verifier, try signed(payload, by: alice)) == nil)
        payload.nonce = "other"
        #expect(await refusal(verifier, try signed(payload, by: alice)) == .malformed)
        #expect(SealSubject("node:Bad_Name") == nil && SealSubject("admin:x") == nil && SealSubject("user:") == nil)
    }

    @Test("signatures: another key's signature, a corrupted one, and an address that is not iss are refused")
    func signatures() async throws {
        reader.stake(alice.address, principal: 20_000_000_000)
        reader.stake(mallory.address, principal: 20_000_000_000)
        let verifier = verifier()
        let genuine = try SealToken(parsing: try token())
        // Mallory signs a payload that claims to be Alice.
        let forged = SealToken(payload: genuine.payload, payloadBytes: genuine.payloadBytes, signature: try mallory.signPersonalMessage(genuine.payloadBytes))
        #expect(await refusal(verifier, forged.text) == .addressMismatch)
        var corrupted = genuine
        corrupted.signature[10] ^= 0x01
        #expect(await refusal(verifier, corrupted.text) == .badSignature)
        // Alice's signature over different bytes (her token for another cluster) moved onto this payload.
        let elsewhere = try SealToken(parsing: try token(audience: "cluster-b"))
        #expect(await refusal(verifier, SealToken(payload: genuine.payload, payloadBytes: genuine.payloadBytes, signature: elsewhere.signature).text) == .badSignature)
        #expect(await refusal(verifier, SealToken(payload: genuine.payload, payloadBytes: genuine.payloadBytes, signature: [0x05] + genuine.signature.dropFirst()).text) == .badSignature)
    }

    @Test("stake: below the role's minimum, listed objects that are not the issuer's, and enough stake")
    func stake() async throws {
        let verifier = verifier()
        reader.stake(alice.address, principal: 400_000_000)
        #expect(await refusal(verifier, try token()) == .stakeBelowMinimum)
        let big = reader.stake(alice.address, principal: 700_000_000)
        verifier.flushCache()
        #expect(await refusal(verifier, try token()) == nil)
        #expect(await refusal(verifier, try token(stake: [big])) == .stakeBelowMinimum, "only the listed object counts")
        let malloryStake = reader.stake(mallory.address, principal: 50_000_000_000)
        #expect(await refusal(verifier, try token(stake: [malloryStake])) == .stakeObjectInvalid)
        #expect(await refusal(verifier, try token(stake: [SuiAddress(hex: "0x1234")!])) == .stakeObjectInvalid)
        #expect(await refusal(verifier, try token(stake: [big, big])) == .stakeObjectInvalid)
        #expect(await refusal(verifier, try token(.node("n1"))) == .stakeBelowMinimum, "nodes need 10 SUI")
    }

    @Test("a cached verdict ends after the stake TTL: an address that unstakes is locked out")
    func unstake() async throws {
        let verifier = verifier()
        reader.stake(alice.address, principal: 2_000_000_000)
        let text = try token()
        #expect(await refusal(verifier, text) == nil)
        reader.withdrawAll(alice.address)
        clock.advance(29)
        #expect(await refusal(verifier, text) == nil, "still cached within the 30 s TTL")
        clock.advance(2)
        #expect(await refusal(verifier, text) == .stakeBelowMinimum)
    }

    @Test("verdicts are cached; concurrent verifications of one token share one chain lookup")
    func caching() async throws {
        let verifier = verifier()
        reader.stake(alice.address, principal: 2_000_000_000)
        reader.setDelay(.milliseconds(50))
        let text = try token()
        try await withThrowingTaskGroup(of: SealIdentity.self) { group in
            for _ in 0..<50 { group.addTask { try await verifier.verify(text) } }
            for try await identity in group { #expect(identity.address == alice.address) }
        }
        #expect(reader.stakeReads == 1)
        for _ in 0..<100 { _ = try await verifier.verify(text) }
        #expect(reader.stakeReads == 1)
        // A second token of the same address needs its signature checked, not the chain again.
        _ = try await verifier.verify(try token())
        #expect(reader.stakeReads == 1)
    }

    @Test("cachedIdentity answers only for a cached, unexpired, unrevoked verdict")
    func cachedIdentity() async throws {
        let verifier = verifier()
        reader.stake(alice.address, principal: 2_000_000_000)
        let text = try token()
        #expect(verifier.cachedIdentity(text) == nil, "never verified")
        _ = try await verifier.verify(text)
        #expect(verifier.cachedIdentity(text)?.address == alice.address)
        verifier.setRevocations(SealRevocations(nonces: [try SealToken(parsing: text).payload.nonce]))
        #expect(verifier.cachedIdentity(text) == nil, "revoked")
        verifier.setRevocations(SealRevocations())
        #expect(verifier.cachedIdentity(text) != nil)
        clock.advance(31)
        #expect(verifier.cachedIdentity(text) == nil, "past the stake TTL")
    }

    @Test("refusals are remembered briefly, then checked again")
    func negativeCache() async throws {
        let verifier = verifier()
        let text = try token()
        #expect(await refusal(verifier, text) == .stakeBelowMinimum)
        reader.stake(alice.address, principal: 2_000_000_000)
        verifier.flushCache()
        #expect(await refusal(verifier, text) == nil)
        let other = try token(lifetime: 601)
        reader.withdrawAll(alice.address)
        clock.advance(31)
        #expect(await refusal(verifier, other) == .stakeBelowMinimum)
        let reads = reader.stakeReads
        reader.stake(alice.address, principal: 2_000_000_000)
        #expect(await refusal(verifier, other) == .stakeBelowMinimum, "remembered")
        #expect(reader.stakeReads == reads)
        clock.advance(6)
        #expect(await refusal(verifier, other) == nil)
    }

    @Test("the chain being down fails closed for new tokens and keeps cached verdicts until their TTL")
    func ledgerDown() async throws {
        let verifier = verifier()
        reader.stake(alice.address, principal: 2_000_000_000)
        let cached = try token()
        #expect(await refusal(verifier, cached) == nil)
        reader.setDown(true)
        let fresh = try SealTokenIssuer.issue(keyPair: mallory, subject: .user("m"), audience: clusterID, lifetime: 600, now: clock.read()).text
        #expect(await refusal(verifier, fresh) == .chainUnavailable)
        #expect(await refusal(verifier, cached) == nil)
        clock.advance(31)
        #expect(await refusal(verifier, cached) == .chainUnavailable)
        reader.setDown(false)
        #expect(await refusal(verifier, cached) == nil, "not negatively cached")
    }

    @Test("revoking a nonce or an address refuses the token at once, cached or not")
    func revocation() async throws {
        let verifier = verifier()
        reader.stake(alice.address, principal: 2_000_000_000)
        let text = try token()
        let other = try token()
        #expect(await refusal(verifier, text) == nil)
        verifier.setRevocations(SealRevocations(nonces: [try SealToken(parsing: text).payload.nonce]))
        #expect(await refusal(verifier, text) == .revokedToken)
        #expect(await refusal(verifier, other) == nil)
        verifier.setRevocations(SealRevocations(addresses: [alice.address]))
        #expect(await refusal(verifier, other) == .revokedAddress)
        #expect(await refusal(verifier, try token()) == .revokedAddress)
        verifier.setRevocations(SealRevocations())
        #expect(await refusal(verifier, other) == nil)
    }

    @Test("the verdict and stake caches are bounded: the least recently used token is verified again")
    func bounded() async throws {
        let verifier = verifier { $0.cacheCapacity = 4 }
        let keys = (0..<6).map { _ in SuiKeyPair.generate(scheme: .ed25519) }
        for key in keys { reader.stake(key.address, principal: 2_000_000_000) }
        let tokens = try keys.map { try token(key: $0) }
        for text in tokens { _ = try await verifier.verify(text) }
        reader.setDown(true)
        #expect(await refusal(verifier, tokens[5]) == nil)
        #expect(await refusal(verifier, tokens[0]) == .chainUnavailable, "evicted, so the chain is asked again")
    }

    /// The raw token text for a payload JSON and a signature by `key` over exactly those bytes.
    func raw(_ json: String, by key: SuiKeyPair? = nil) throws -> String {
        let bytes = Array(json.utf8)
        return SealToken.prefix + Base64URL.encode(bytes) + "." + Base64URL.encode(try (key ?? alice).signPersonalMessage(bytes))
    }

    func payloadJSON(iss: String? = nil, iat: String, exp: String, nonce: String = "AAAAAAAAAAAAAAAAAAAAAA", stake: String = "") -> String {
        "{\"dom\":\"k3s-daas/seal/v1\",\"iss\":\"\(iss ?? alice.address.description)\",\"sub\":\"user:a\",\"aud\":\"\(clusterID)\",\"iat\":\(iat),\"exp\":\(exp),\"nonce\":\"\(nonce)\"\(stake)}"
    }

    @Test("iat and exp at the ends of Int64 are refused, never trapped on", arguments: [
        ("-9223372036854775808", "9223372036854775807"), ("0", "9223372036854775807"), ("-9223372036854775808", "0"),
        ("9223372036854775806", "9223372036854775807"), ("-9223372036854775808", "-9223372036854775807"),
    ])
    func extremeTimes(iat: String, exp: String) async throws {
        reader.stake(alice.address, principal: 20_000_000_000)
        let code = await refusal(verifier(), try raw(payloadJSON(iat: iat, exp: exp)))
        #expect([.lifetimeTooLong, .expired, .notYetValid].contains(code), "\(String(describing: code))")
    }

    @Test("combining marks and other non-ASCII text in iss or a stake entry are malformed, not a crash")
    func combiningMarks() async throws {
        let verifier = verifier()
        let digits: String = String(alice.address.description.dropFirst(2))
        let mark = "\u{301}"
        let candidates: [String] = [
            mark + "0x" + String(digits.dropFirst()),
            "0" + mark + "x" + digits,
            "0x" + mark + String(digits.dropFirst()),
            "0x" + String(digits.dropFirst(2)) + mark + mark,
            "0x" + String(digits.dropFirst()) + "\u{e9}",
            mark + String(repeating: "0", count: 65),
        ]
        for iss in candidates {
            let json = payloadJSON(iss: iss, iat: "1800000000", exp: "1800000600")
            #expect(await refusal(verifier, try raw(json)) == .malformed, "\(iss.unicodeScalars.count)")
        }
        for entry in ["\u{301}0x5", "0x\u{301}5", "0x" + String(repeating: "0", count: 63) + "\u{301}", "0x" + String(repeating: "\u{301}", count: 64)] {
            let json = payloadJSON(iat: "1800000000", exp: "1800000600", stake: ",\"stake\":[\"\(entry)\"]")
            #expect(await refusal(verifier, try raw(json)) == .malformed)
        }
        #expect(SuiAddress(hex: "\u{301}" + String(repeating: "0", count: 63)) == nil)
        #expect(SuiAddress(hex: "0x" + String(repeating: "a", count: 63) + "\u{301}") == nil)
        #expect(SuiAddress(hex: "0X05") == SuiAddress(hex: "0x5"))
    }

    @Test("deeply nested payloads are malformed, not a trap in a JSON decoder")
    func nesting() async throws {
        let verifier = verifier()
        for payload in [String(repeating: "[", count: 2000), "{\"dom\":" + String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 601)] {
            #expect(await refusal(verifier, try raw(payload)) == .malformed)
        }
    }

    @Test("nonces must be 16 bytes of unpadded base64url, so every token can be revoked by nonce")
    func nonces() async throws {
        reader.stake(alice.address, principal: 20_000_000_000)
        let verifier = verifier()
        for nonce in ["", "n", "AAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAA+/", "AAAAAAAAAAAAAAAAAAAAAB",
                      String(repeating: "A", count: 3000), "AAAAAAAAAAAAAAAAAAAA\u{301}A"] {
            #expect(await refusal(verifier, try raw(payloadJSON(iat: "1800000000", exp: "1800000600", nonce: nonce))) == .malformed, "\(nonce.prefix(30))")
        }
        #expect(await refusal(verifier, try raw(payloadJSON(iat: "1800000000", exp: "1800000600", nonce: "AAAAAAAAAAAAAAAAAAAAAA"))) == nil)
    }

    @Test("a flood of refused tokens does not evict good verdicts; refusals have a bounded cache of their own")
    func refusalFlood() async throws {
        reader.stake(alice.address, principal: 2_000_000_000)
        let verifier = verifier {
            $0.cacheCapacity = 8
            $0.refusalCacheCapacity = 16
        }
        let good = try token()
        #expect(await refusal(verifier, good) == nil)
        for _ in 0..<500 { #expect(await refusal(verifier, try token(audience: "other-cluster")) == .wrongAudience) }
        reader.setDown(true)
        #expect(await refusal(verifier, good) == nil, "the good verdict is still cached")
    }

    @Test("fresh tokens from an address without enough stake cost one chain read per short TTL")
    func insufficientStakeCached() async throws {
        reader.stake(mallory.address, principal: 1)
        let verifier = verifier()
        for _ in 0..<50 { #expect(await refusal(verifier, try token(key: mallory)) == .stakeBelowMinimum) }
        #expect(reader.stakeReads == 1)
        reader.stake(mallory.address, principal: 2_000_000_000)
        clock.advance(6)
        #expect(await refusal(verifier, try token(key: mallory)) == nil, "someone who just staked waits at most the short TTL")
        #expect(reader.stakeReads == 2)
    }

    @Test("tokens round-trip through their text form; the payload is the design's JSON")
    func format() throws {
        let text = try token(stake: [SuiAddress(hex: "0x5")!])
        #expect(text.hasPrefix("seal.v1."))
        let parsed = try SealToken(parsing: text)
        #expect(parsed.text == text)
        let json = String(decoding: parsed.payloadBytes, as: UTF8.self)
        #expect(json.hasPrefix("{\"dom\":\"k3s-daas/seal/v1\",\"iss\":\"\(alice.address)\",\"sub\":\"user:alice\",\"aud\":\"cluster-a\",\"iat\":"))
        #expect(json.hasSuffix(",\"stake\":[\"0x0000000000000000000000000000000000000000000000000000000000000005\"]}"))
        #expect(Base64URL.decode(Substring(parsed.payload.nonce))?.count == 16)
        #expect(try SealToken(parsing: try token()).payload.nonce != parsed.payload.nonce, "fresh nonces")
    }
}
