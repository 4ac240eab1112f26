import SuiClient
import Testing

@Suite("BCS ULEB128")
struct ULEB128Tests {
    @Test("encodes and decodes the boundaries of each byte length")
    func roundTrip() throws {
        let cases: [(UInt32, [UInt8])] = [
            (0, [0x00]), (1, [0x01]), (127, [0x7f]), (128, [0x80, 0x01]), (300, [0xac, 0x02]),
            (16383, [0xff, 0x7f]), (16384, [0x80, 0x80, 0x01]), (UInt32.max, [0xff, 0xff, 0xff, 0xff, 0x0f]),
        ]
        for (value, bytes) in cases {
            #expect(ULEB128.encode(value) == bytes)
            let decoded = try ULEB128.decode(bytes + [0xaa], at: 0)
            #expect(decoded.value == value && decoded.next == bytes.count)
            let shifted = try ULEB128.decode([0xaa] + bytes, at: 1)
            #expect(shifted.value == value && shifted.next == bytes.count + 1)
        }
    }

    @Test("refuses truncated, over-long, non-canonical and out-of-range input")
    func badInput() {
        let cases: [[UInt8]] = [
            [], [0x80], [0xff, 0xff], [0x80, 0x00], [0xff, 0x00], [0x80, 0x80, 0x80, 0x80, 0x00],
            [0xff, 0xff, 0xff, 0xff, 0x10], [0xff, 0xff, 0xff, 0xff, 0x7f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        ]
        for bytes in cases {
            #expect(errorCode { _ = try ULEB128.decode(bytes) } == .bcsMalformed, "\(bytes)")
        }
        #expect(errorCode { _ = try ULEB128.decode([0x01], at: 1) } == .bcsMalformed)
        #expect(errorCode { _ = try ULEB128.decode([0x01], at: -1) } == .bcsMalformed)
    }

    @Test("personal-message digests wrap the message as BCS vector<u8>")
    func personalMessageFraming() throws {
        let message = [UInt8](repeating: 0x61, count: 200)
        let expected = Blake2b.hash256([3, 0, 0] + [0xc8, 0x01] + message)
        #expect(try SuiIntent.personalMessage.digest(message) == expected)
        #expect(try SuiIntent.personalMessage.digest([]) == Blake2b.hash256([3, 0, 0, 0]))
    }
}

@Suite("Blake2b-256")
struct Blake2bTests {
    @Test("matches the reference digests of the empty string and \"abc\"")
    func knownAnswers() {
        #expect(Blake2b.hash256([]) == hexBytes("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"))
        #expect(Blake2b.hash256(Array("abc".utf8)) == hexBytes("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"))
        #expect(Blake2b.hash256(Array("a".utf8), Array("bc".utf8)) == Blake2b.hash256(Array("abc".utf8)))
    }
}

@Suite("Bech32")
struct Bech32Tests {
    @Test("BIP-173 valid test strings decode")
    func bip173Valid() throws {
        for text in ["A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"] {
            let (hrp, payload) = try Bech32.decode(text)
            #expect(hrp == hrp.lowercased())
            #expect(Bech32.encode(hrp: hrp, payload: payload) == text.lowercased())
        }
    }

    @Test("BIP-173 invalid test strings and Bech32m strings are refused")
    func bip173Invalid() {
        let cases = [
            "pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "A1G7SGD8", "10a06t8", "1qzzfhee",
            "A12uEL5L", "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
            // Bech32m checksums (BIP-350 valid vectors) are not Bech32.
            "a1lqfn3a", "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
        ]
        for text in cases {
            #expect(errorCode { _ = try Bech32.decode(text) } == .keyMalformed, "\(text)")
        }
    }
}
