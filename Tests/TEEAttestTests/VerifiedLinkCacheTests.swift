import Foundation
import TEEAttest
import Testing

@Suite("Verified link cache")
struct VerifiedLinkCacheTests {
    static func verifier(_ cache: VerifiedLinkCache) throws -> AttestationVerifier {
        var configuration = try AttestationVerifier.Configuration()
        configuration.linkCache = cache
        return AttestationVerifier(configuration: configuration)
    }

    @Test("a warm cache gives the same verdicts, including for tampered and expired documents", arguments: NitroFixture.all)
    func sameVerdicts(fixture: NitroFixture) throws {
        let cache = VerifiedLinkCache()
        let verifier = try Self.verifier(cache)
        for _ in 0..<2 {
            let verified = try verifier.verify(fixture.cbor, expectations: .init(time: fixture.verifyAt))
            #expect(verified.moduleID == fixture.moduleID)
            #expect(cache.count == fixture.cabundleCount)  // leaf link + intermediates; the root copy is the anchor
        }
        #expect(errorCode { _ = try verifier.verify(fixture.cbor, expectations: .init(time: fixture.at(offsetSeconds: 3 * 3600))) } == .chainCertificateExpired)
        #expect(errorCode { _ = try verifier.verify(fixture.cbor, expectations: .init(time: fixture.at(offsetSeconds: -3 * 3600))) } == .chainCertificateNotYetValid)
        let der = try AttestationVerifierTests.valueOffset(fixture.cbor, key: "certificate")
        #expect(errorCode { _ = try verifier.verify(fixture.cbor.flipping(der + 20), expectations: .init(time: fixture.verifyAt)) } == .chainSignatureInvalid)
        #expect(errorCode { _ = try verifier.verify(fixture.cbor.flipping(fixture.cbor.count - 1), expectations: .init(time: fixture.verifyAt)) } == .coseSignatureInvalid)
    }

    @Test("a failed link is not remembered")
    func failuresNotCached() throws {
        let fixture = try #require(NitroFixture.all.first)
        let cache = VerifiedLinkCache()
        let verifier = try Self.verifier(cache)
        let der = try AttestationVerifierTests.valueOffset(fixture.cbor, key: "certificate")
        for _ in 0..<2 {
            #expect(errorCode { _ = try verifier.verify(fixture.cbor.flipping(der + 20), expectations: .init(time: fixture.verifyAt)) } == .chainSignatureInvalid)
        }
        #expect(cache.count == fixture.cabundleCount - 1)
    }

    @Test("capacity bounds the cache")
    func capacity() throws {
        let cache = VerifiedLinkCache(capacity: 2)
        let verifier = try Self.verifier(cache)
        for fixture in NitroFixture.all {
            _ = try verifier.verify(fixture.cbor, expectations: .init(time: fixture.verifyAt))
            #expect(cache.count <= 2)
        }
        #expect(cache.count == 2)
    }
}
