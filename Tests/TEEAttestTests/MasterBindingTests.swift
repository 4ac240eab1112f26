import TEEAttest
import Testing

@Suite("Master binding (user_data)")
struct MasterBindingTests {
    @Test("round-trips through a dev document's user_data")
    func roundTrip() throws {
        let dir = try TemporaryDirectory()
        let attester = try DevAttester(configuration: .init(directory: dir.path, measuredExecutable: #filePath))
        let binding = MasterBinding(clusterID: "cluster-7", caSHA256: [UInt8](repeating: 0xca, count: 32))
        let document = try attester.attest(AttestationRequest(userData: binding.userData, nonce: [1, 2, 3], publicKey: [0x30, 0x00]))
        let verified = try AttestationVerifier(rootPEM: attester.rootCertificatePEM).verify(document, expectations: .init(nonce: [1, 2, 3], requireUserData: true))
        let decoded = try MasterBinding(userData: try #require(verified.userData))
        #expect(decoded == binding)
        #expect(decoded.matches(binding))
        #expect(!decoded.matches(MasterBinding(clusterID: "cluster-7", caSHA256: [UInt8](repeating: 0xcb, count: 32))))
        #expect(!decoded.matches(MasterBinding(clusterID: "cluster-8", caSHA256: binding.caSHA256)))
    }

    @Test("other user_data is refused", arguments: [
        "a0",
        "a26a636c75737465725f6964606963615f73686132353640",
        "a16a636c75737465725f69646161",
        "5820" + String(repeating: "00", count: 32),
        "ff",
    ])
    func invalid(hex: String) throws {
        let bytes = try Hex.decode(hex)
        #expect(errorCode { _ = try MasterBinding(userData: bytes) } != nil)
        #expect(errorCode { _ = try MasterBinding(userData: bytes) }.map { $0 == .documentFieldInvalid || $0.rawValue.hasPrefix("cbor.") } == true)
    }
}
