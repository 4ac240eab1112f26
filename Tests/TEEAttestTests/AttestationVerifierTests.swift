import DaaSTestSupport
import Foundation
import TEEAttest
import Testing

@Suite("AttestationVerifier on real Nitro documents")
struct AttestationVerifierTests {
    static let fixtures = NitroFixture.all

    @Test("the fixtures are present")
    func fixturesPresent() {
        #expect(Self.fixtures.count == 4)
        #expect(Self.fixtures.allSatisfy { !$0.cbor.isEmpty })
    }

    @Test("the built-in root is the AWS Nitro root G1 of the fixtures")
    func builtInRoot() throws {
        #expect(NitroRoot.pem.trimmingCharacters(in: .whitespacesAndNewlines) == NitroFixture.rootPEM.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("verifies at verify_at_ms with the fields of vectors.json", arguments: fixtures)
    func verifies(fixture: NitroFixture) throws {
        let verified = try AttestationVerifier().verify(fixture.cbor, expectations: .init(time: fixture.verifyAt))
        #expect(verified.moduleID == fixture.moduleID)
        #expect(verified.document.timestampMilliseconds == fixture.timestampMs)
        #expect(verified.pcrs.count == fixture.pcrs.count)
        for (index, hex) in fixture.pcrs { #expect(verified.pcrs[index].map(Hex.encode) == hex, "PCR\(index)") }
        #expect(verified.publicKey.map(Hex.encode) == fixture.publicKeyHex)
        #expect(verified.userData.map(Hex.encode) == fixture.userDataHex)
        #expect(verified.nonce == nil)
        #expect(verified.chain.count == fixture.cabundleCount + 1)
        #expect(verified.coseTagged == false)
    }

    @Test("the hex form verifies like the CBOR", arguments: fixtures)
    func hexForm(fixture: NitroFixture) throws {
        let bytes = try AttestationVerifier.documentBytes(fromFile: Array(fixture.hexText.utf8))
        #expect(bytes == fixture.cbor)
        #expect(try AttestationVerifier.documentBytes(fromFile: fixture.cbor) == fixture.cbor)
        _ = try AttestationVerifier().verify(bytes, expectations: .init(time: fixture.verifyAt))
    }

    @Test("tagged COSE_Sign1 verifies; another tag is refused", arguments: fixtures)
    func tagged(fixture: NitroFixture) throws {
        let verified = try AttestationVerifier().verify([0xd2] + fixture.cbor, expectations: .init(time: fixture.verifyAt))
        #expect(verified.coseTagged)
        #expect(errorCode { _ = try AttestationVerifier().verify([0xd3] + fixture.cbor, expectations: .init(time: fixture.verifyAt)) } == .coseUnexpectedTag)
    }

    @Test("expired at +3 h, not yet valid at -3 h", arguments: fixtures)
    func validityWindow(fixture: NitroFixture) throws {
        let verifier = try AttestationVerifier()
        #expect(errorCode { _ = try verifier.verify(fixture.cbor, expectations: .init(time: fixture.at(offsetSeconds: 3 * 3600))) } == .chainCertificateExpired)
        #expect(errorCode { _ = try verifier.verify(fixture.cbor, expectations: .init(time: fixture.at(offsetSeconds: -3 * 3600))) } == .chainCertificateNotYetValid)
    }

    /// Offset of the content of the value stored under text key `key` in the payload.
    static func valueOffset(_ document: [UInt8], key: String) throws -> Int {
        let encodedKey = CBOREncoder.encode(.text(key))
        let at = try #require(document.firstRange(of: encodedKey)) + encodedKey.count
        let info = document[at] & 0x1f
        return at + (info < 24 ? 1 : info == 24 ? 2 : info == 25 ? 3 : 5)
    }

    static func payload(_ document: [UInt8]) throws -> (COSESign1, [CBOR.MapEntry]) {
        let cose = try COSESign1(decoding: document)
        return (cose, try #require(CBORDecoder().decode(cose.payload).mapValue))
    }

    @Test("a flipped byte in the payload breaks the COSE signature", arguments: fixtures)
    func flippedPayload(fixture: NitroFixture) throws {
        let doc = fixture.cbor
        let at = try Self.valueOffset(doc, key: "module_id") + 3
        let flipped = doc.flipping(at)
        #expect(errorCode { _ = try AttestationVerifier().verify(flipped, expectations: .init(time: fixture.verifyAt)) } == .coseSignatureInvalid)
        let pcr = try Self.valueOffset(doc, key: "pcrs") + 4
        #expect(errorCode { _ = try AttestationVerifier().verify(doc.flipping(pcr, mask: 0x80), expectations: .init(time: fixture.verifyAt)) } == .coseSignatureInvalid)
    }

    @Test("a flipped byte in the signature is refused", arguments: fixtures)
    func flippedSignature(fixture: NitroFixture) throws {
        let doc = fixture.cbor
        for back in [1, 40, 96] {
            #expect(errorCode { _ = try AttestationVerifier().verify(doc.flipping(doc.count - back), expectations: .init(time: fixture.verifyAt)) } == .coseSignatureInvalid)
        }
    }

    @Test("a flipped byte in the leaf certificate breaks its chain signature", arguments: fixtures)
    func flippedCertificate(fixture: NitroFixture) throws {
        let doc = fixture.cbor
        let der = try Self.valueOffset(doc, key: "certificate")
        #expect(errorCode { _ = try AttestationVerifier().verify(doc.flipping(der + 20), expectations: .init(time: fixture.verifyAt)) } == .chainSignatureInvalid)
    }

    @Test("a flipped byte in cabundle[last] or cabundle[0] breaks the chain", arguments: fixtures)
    func flippedCabundle(fixture: NitroFixture) throws {
        let doc = fixture.cbor
        let (_, entries) = try Self.payload(doc)
        let items = entries.first { $0.key == .text("cabundle") }?.value.arrayValue ?? []
        let bundle = items.compactMap { $0.bytesValue }
        try #require(bundle.count == fixture.cabundleCount)
        for der in [bundle[bundle.count - 1], bundle[0]] {
            let at = try #require(doc.firstRange(of: der))
            #expect(errorCode { _ = try AttestationVerifier().verify(doc.flipping(at + 20), expectations: .init(time: fixture.verifyAt)) } == .chainSignatureInvalid)
        }
    }

    @Test("dropping the last cabundle entry is an issuer mismatch", arguments: fixtures)
    func droppedCabundleEntry(fixture: NitroFixture) throws {
        var (cose, entries) = try Self.payload(fixture.cbor)
        let i = try #require(entries.firstIndex { $0.key == .text("cabundle") })
        entries[i].value = .array(Array(try #require(entries[i].value.arrayValue).dropLast()))
        cose.payload = CBOREncoder.encode(.map(entries))
        #expect(errorCode { _ = try AttestationVerifier().verify(cose.encoded, expectations: .init(time: fixture.verifyAt)) } == .chainIssuerMismatch)
    }

    @Test("another root is refused as untrusted", arguments: fixtures)
    func wrongRoot(fixture: NitroFixture) throws {
        let dir = try TemporaryDirectory()
        let dev = try DevAttester(configuration: .init(directory: dir.path, measuredExecutable: #filePath))
        let verifier = try AttestationVerifier(rootPEM: dev.rootCertificatePEM)
        #expect(errorCode { _ = try verifier.verify(fixture.cbor, expectations: .init(time: fixture.verifyAt)) } == .chainUntrustedRoot)
    }

    @Test("a configured root PEM equal to the AWS root verifies")
    func configuredRoot() throws {
        let fixture = try #require(Self.fixtures.first)
        _ = try AttestationVerifier(rootPEM: NitroFixture.rootPEM).verify(fixture.cbor, expectations: .init(time: fixture.verifyAt))
        #expect(errorCode { _ = try AttestationVerifier(rootPEM: "not a pem") } == .chainCertificateMalformed)
    }

    static var pcr16: NitroFixture { fixtures.first { $0.name.contains("pcr16") } ?? fixtures[0] }
    static var noPublicKey: NitroFixture { fixtures.first { $0.publicKeyHex == nil } ?? fixtures[0] }

    struct PolicyCase: Sendable, CustomStringConvertible {
        var description: String
        var expectations: @Sendable (NitroFixture) throws -> AttestationExpectations
        var code: AttestationError.Code?
    }

    static let policyCases: [PolicyCase] = [
        PolicyCase(description: "PCR0 and PCR16 pinned to their values", expectations: { f in
            .init(pcrs: [0: try Hex.decode(f.pcrs[0]!), 16: try Hex.decode(f.pcrs[16]!)], time: f.verifyAt) }, code: nil),
        PolicyCase(description: "PCR0 differs", expectations: { f in
            .init(pcrs: [0: [UInt8](repeating: 0xab, count: 48)], time: f.verifyAt) }, code: .policyPCRMismatch),
        PolicyCase(description: "PCR20 absent", expectations: { f in
            .init(pcrs: [20: [UInt8](repeating: 0, count: 48)], time: f.verifyAt) }, code: .policyPCRMissing),
        PolicyCase(description: "PCR index 32", expectations: { f in
            .init(pcrs: [32: [UInt8](repeating: 0, count: 48)], time: f.verifyAt) }, code: .policyPCRIndexInvalid),
        PolicyCase(description: "nonce expected", expectations: { f in
            .init(nonce: [1, 2, 3], time: f.verifyAt) }, code: .policyNonceMissing),
        PolicyCase(description: "max age 10 s", expectations: { f in
            .init(maxAge: .seconds(10), time: f.verifyAt) }, code: .policyDocumentTooOld),
        PolicyCase(description: "max age 1 h", expectations: { f in
            .init(maxAge: .seconds(3600), time: f.verifyAt) }, code: nil),
        PolicyCase(description: "timestamp 2 s after the verification time, skew 1 s", expectations: { f in
            .init(maxClockSkew: .seconds(1), time: Date(timeIntervalSince1970: Double(f.timestampMs) / 1000 - 2)) }, code: .policyDocumentFromFuture),
        PolicyCase(description: "user_data required and present (empty)", expectations: { f in
            .init(requireUserData: true, time: f.verifyAt) }, code: nil),
        PolicyCase(description: "public_key required and present", expectations: { f in
            .init(requirePublicKey: true, time: f.verifyAt) }, code: nil),
    ]

    @Test("policy on the PCR16 document", arguments: policyCases)
    func policy(_ c: PolicyCase) throws {
        let f = Self.pcr16
        let expectations = try c.expectations(f)
        #expect(errorCode { _ = try AttestationVerifier().verify(f.cbor, expectations: expectations) } == c.code)
    }

    @Test("public_key and user_data requirements fail on documents without them")
    func requiredFields() throws {
        let f = Self.noPublicKey
        #expect(errorCode { _ = try AttestationVerifier().verify(f.cbor, expectations: .init(requirePublicKey: true, time: f.verifyAt)) } == .policyPublicKeyMissing)
        let nautilus = try #require(Self.fixtures.first { $0.name.hasPrefix("nautilus") })
        #expect(errorCode { _ = try AttestationVerifier().verify(nautilus.cbor, expectations: .init(requireUserData: true, time: nautilus.verifyAt)) } == .policyUserDataMissing)
    }

    @Test("fuzz: no single flipped byte anywhere in a document verifies")
    func everyFlipFails() throws {
        let f = Self.pcr16
        let doc = f.cbor
        let verifier = try AttestationVerifier()
        var rng = SplitMix64(seed: 42)
        for _ in 0..<150 {
            let at = Int.random(in: 0..<doc.count, using: &rng)
            let mask = UInt8.random(in: 1...255, using: &rng)
            #expect(errorCode { _ = try verifier.verify(doc.flipping(at, mask: mask), expectations: .init(time: f.verifyAt)) } != nil, "flip at \(at)")
        }
    }

    @Test("structural problems have their own codes")
    func structure() throws {
        let f = Self.pcr16
        var (cose, entries) = try Self.payload(f.cbor)
        let verifier = try AttestationVerifier()
        func verify(_ mutate: (inout [CBOR.MapEntry]) -> Void) -> AttestationError.Code? {
            var e = entries
            mutate(&e)
            cose.payload = CBOREncoder.encode(.map(e))
            return errorCode { _ = try verifier.verify(cose.encoded, expectations: .init(time: f.verifyAt)) }
        }
        #expect(verify { $0.removeAll { $0.key == .text("certificate") } } == .documentFieldMissing)
        #expect(verify { e in e[e.firstIndex { $0.key == .text("digest") }!].value = .text("SHA256") } == .documentUnsupportedDigest)
        #expect(verify { e in e[e.firstIndex { $0.key == .text("timestamp") }!].value = .text("now") } == .documentFieldInvalid)
        #expect(verify { e in e[e.firstIndex { $0.key == .text("pcrs") }!].value = .map([.init(.unsigned(40), .bytes([UInt8](repeating: 0, count: 48)))]) } == .documentFieldInvalid)
        #expect(verify { e in e[e.firstIndex { $0.key == .text("cabundle") }!].value = .array([]) } == .documentFieldInvalid)
        #expect(verify { e in e[e.firstIndex { $0.key == .text("certificate") }!].value = .bytes([0x30, 0x03, 0x02, 0x01, 0x01]) } == .chainCertificateMalformed)
        #expect(errorCode { _ = try verifier.verify(CBOREncoder.encode(.array([.bytes([]), .map([])]))) } == .coseMalformed)
        #expect(errorCode { _ = try verifier.verify(CBOREncoder.encode(.array([.bytes([]), .map([]), .null, .bytes([])]))) } == .coseMalformed)
    }
}

/// A directory removed when the value is released.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "teeattest-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
