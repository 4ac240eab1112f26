import TEEAttest
import Testing

@Suite("Hex and document input")
struct HexTests {
    @Test("decodes either case, a 0x prefix and surrounding whitespace", arguments: [
        ("00ff10", [0x00, 0xff, 0x10]),
        ("00FF10", [0x00, 0xff, 0x10]),
        ("0x00ff10", [0x00, 0xff, 0x10]),
        ("  00ff10\n", [0x00, 0xff, 0x10]),
        ("", []),
    ] as [(String, [UInt8])])
    func decodes(text: String, bytes: [UInt8]) throws {
        #expect(try Hex.decode(text) == bytes)
    }

    @Test("refuses odd lengths and non-hex digits", arguments: ["0", "0g", "00 ff", "0x0", "zz"])
    func refuses(text: String) {
        #expect(errorCode { _ = try Hex.decode(text) } == .inputInvalidHex)
    }

    @Test("encodes lower-case")
    func encodes() {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
    }

    @Test("document files: binary passes through, hex with a newline decodes, other text is refused")
    func documentFiles() throws {
        let fixture = try #require(NitroFixture.all.first)
        #expect(try AttestationVerifier.documentBytes(fromFile: Array((fixture.hexText + "\n").utf8)) == fixture.cbor)
        #expect(try AttestationVerifier.documentBytes(fromFile: [0xd2] + fixture.cbor) == [0xd2] + fixture.cbor)
        #expect(errorCode { _ = try AttestationVerifier.documentBytes(fromFile: Array("not a document".utf8)) } == .inputInvalidHex)
        #expect(errorCode { _ = try AttestationVerifier.documentBytes(fromFile: [0xff, 0xfe]) } == .inputInvalidHex)
        #expect(errorCode { _ = try AttestationVerifier.documentBytes(fromFile: [UInt8](repeating: 0x30, count: 200_000)) } == .inputTooLarge)
    }
}
