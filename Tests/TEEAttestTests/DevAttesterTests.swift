import Foundation
import TEEAttest
import Testing

@Suite("Dev attester")
struct DevAttesterTests {
    static let executable = #filePath

    static func make(_ dir: TemporaryDirectory) throws -> DevAttester {
        try DevAttester(configuration: .init(directory: dir.path + "/attest", measuredExecutable: executable))
    }

    @Test("documents verify against the dev root with module_id, PCR0, nonce, public_key and user_data")
    func roundTrip() throws {
        let dir = try TemporaryDirectory()
        let attester = try Self.make(dir)
        let nonce = (0..<32).map { UInt8($0) }
        let key = [UInt8](repeating: 0x42, count: 120)
        let data = Array("cluster-1".utf8)
        let document = try attester.attest(AttestationRequest(userData: data, nonce: nonce, publicKey: key))
        let verifier = try AttestationVerifier(rootPEM: attester.rootCertificatePEM)
        let pcr0 = try DevAttester.measure(executableAt: Self.executable)
        let verified = try verifier.verify(document, expectations: .init(pcrs: [0: pcr0, 1: [UInt8](repeating: 0, count: 48)], nonce: nonce,
                                                                          maxAge: .seconds(60), requirePublicKey: true, requireUserData: true))
        #expect(verified.moduleID == "daas-dev")
        #expect(verified.nonce == nonce)
        #expect(verified.publicKey == key)
        #expect(verified.userData == data)
        #expect(verified.pcrs.count == 16)
        #expect(verified.chain.count == 3)
        #expect(abs(verified.timestamp.timeIntervalSinceNow) < 60)
        #expect(errorCode { _ = try verifier.verify(document, expectations: .init(nonce: [UInt8](repeating: 9, count: 32))) } == .policyNonceMismatch)
        #expect(errorCode { _ = try verifier.verify(document, expectations: .init(pcrs: [0: [UInt8](repeating: 0, count: 48)])) } == .policyPCRMismatch)
    }

    @Test("PCR0 is the SHA-384 of the measured file")
    func measurement() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path + "/exe"
        try Data("abc".utf8).write(to: URL(fileURLWithPath: file))
        // SHA-384("abc"), FIPS 180-2 appendix D.1.
        #expect(Hex.encode(try DevAttester.measure(executableAt: file)) ==
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(errorCode { _ = try DevAttester.measure(executableAt: dir.path + "/missing") } == .devMeasurementFailed)
        let attester = try DevAttester(configuration: .init(directory: dir.path + "/a", measuredExecutable: file))
        #expect(Hex.encode(attester.pcr0).hasPrefix("cb00753f"))
    }

    @Test("keys are written 0600 and reused; the AWS root does not trust dev documents")
    func persistence() throws {
        let dir = try TemporaryDirectory()
        let first = try Self.make(dir)
        for name in ["root.key", "intermediate.key"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: dir.path + "/attest/" + name)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(name)")
        }
        let directory = try FileManager.default.attributesOfItem(atPath: dir.path + "/attest")
        #expect((directory[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        let second = try Self.make(dir)
        #expect(try first.rootCertificatePEM == second.rootCertificatePEM)
        let document = try second.attest(AttestationRequest())
        _ = try AttestationVerifier(rootPEM: first.rootCertificatePEM).verify(document)
        #expect(errorCode { _ = try AttestationVerifier().verify(document) } == .chainUntrustedRoot)
        let other = try TemporaryDirectory()
        #expect(errorCode { _ = try AttestationVerifier(rootPEM: Self.make(other).rootCertificatePEM).verify(document) } == .chainUntrustedRoot)
    }

    @Test("a key readable by others is refused")
    func insecureKey() throws {
        let dir = try TemporaryDirectory()
        _ = try Self.make(dir)
        chmod(dir.path + "/attest/root.key", 0o644)
        #expect(errorCode { _ = try Self.make(dir) } == .devInsecureKeyPermissions)
    }

    @Test("a root that does not match its key is refused")
    func mismatchedState() throws {
        let a = try TemporaryDirectory(), b = try TemporaryDirectory()
        _ = try Self.make(a)
        _ = try Self.make(b)
        try FileManager.default.removeItem(atPath: a.path + "/attest/root.pem")
        try FileManager.default.copyItem(atPath: b.path + "/attest/root.pem", toPath: a.path + "/attest/root.pem")
        #expect(errorCode { _ = try Self.make(a) } == .devStateInvalid)
    }

    @Test("dev documents expire with their 3 h leaf and are tagged-compatible")
    func expiry() throws {
        let dir = try TemporaryDirectory()
        let attester = try Self.make(dir)
        let document = try attester.attest(AttestationRequest(nonce: [1]))
        let verifier = try AttestationVerifier(rootPEM: attester.rootCertificatePEM)
        #expect(errorCode { _ = try verifier.verify(document, expectations: .init(time: Date().addingTimeInterval(3 * 3600 + 60))) } == .chainCertificateExpired)
        #expect(errorCode { _ = try verifier.verify(document, expectations: .init(time: Date().addingTimeInterval(-3 * 3600))) } == .chainCertificateNotYetValid)
        #expect(try verifier.verify([0xd2] + document).coseTagged)
    }

    @Test("oversized request fields are refused", arguments: [
        ("user_data 513 bytes", AttestationRequest(userData: [UInt8](repeating: 0, count: 513))),
        ("nonce 513 bytes", AttestationRequest(nonce: [UInt8](repeating: 0, count: 513))),
        ("public_key 1025 bytes", AttestationRequest(publicKey: [UInt8](repeating: 0, count: 1025))),
        ("empty public_key", AttestationRequest(publicKey: [])),
    ])
    func oversized(name: String, request: AttestationRequest) throws {
        let dir = try TemporaryDirectory()
        #expect(errorCode { _ = try Self.make(dir).attest(request) } == .nsmRequestTooLarge, "\(name)")
        #expect(errorCode { _ = try NSMMessage.attestationRequest(request) } == .nsmRequestTooLarge, "\(name)")
    }

    @Test("the largest allowed fields are accepted and verify")
    func largestFields() throws {
        let dir = try TemporaryDirectory()
        let attester = try Self.make(dir)
        let request = AttestationRequest(userData: [UInt8](repeating: 1, count: 512), nonce: [UInt8](repeating: 2, count: 512),
                                         publicKey: [UInt8](repeating: 3, count: 1024))
        let verified = try AttestationVerifier(rootPEM: attester.rootCertificatePEM).verify(try attester.attest(request))
        #expect(verified.userData?.count == 512 && verified.nonce?.count == 512 && verified.publicKey?.count == 1024)
        #expect(try NSMMessage.attestationRequest(request).count < NSMMessage.maxRequestBytes)
    }
}
