import SuiClient
import Testing

@Suite("SuiKeyPair")
struct SuiKeyPairTests {
    @Test("generated keys sign personal messages that verify to their address", arguments: SuiSignatureScheme.allCases)
    func generateSignVerify(scheme: SuiSignatureScheme) throws {
        let pair = SuiKeyPair.generate(scheme: scheme)
        #expect(pair.scheme == scheme)
        #expect(pair.publicKey.count == (scheme == .ed25519 ? 32 : 33))
        let message = Array("seal.v1 payload".utf8)
        let serialized = try pair.signPersonalMessage(message)
        #expect(serialized.count == 1 + 64 + pair.publicKey.count && serialized[0] == scheme.rawValue)
        #expect(try SuiSignature.verifyPersonalMessage(message, serialized: serialized) == pair.address)
        #expect(SuiKeyPair.generate(scheme: scheme) != pair)
    }

    @Test("suiprivkey round trip", arguments: SuiSignatureScheme.allCases)
    func bech32RoundTrip(scheme: SuiSignatureScheme) throws {
        let pair = SuiKeyPair.generate(scheme: scheme)
        #expect(pair.suiPrivateKey.hasPrefix("suiprivkey1"))
        let decoded = try SuiKeyPair(suiPrivateKey: pair.suiPrivateKey)
        #expect(decoded == pair && decoded.address == pair.address)
        #expect(try SuiKeyPair(suiPrivateKey: pair.suiPrivateKey.uppercased()) == pair)
    }

    @Test("description, debugDescription and dump never show the private key", arguments: SuiSignatureScheme.allCases)
    func redacted(scheme: SuiSignatureScheme) {
        let pair = SuiKeyPair.generate(scheme: scheme)
        let secretHex = pair.flaggedPrivateKey.dropFirst().map { String($0, radix: 16) }.joined()
        var dumped = ""
        dump(pair, to: &dumped)
        for text in [pair.description, pair.debugDescription, "\(pair)", String(reflecting: pair), dumped] {
            #expect(!text.contains(pair.suiPrivateKey))
            #expect(!text.contains(secretHex))
            #expect(!text.contains(pair.flaggedPrivateKey.dropFirst().map(String.init).joined(separator: ", ")))
        }
        #expect(pair.description.contains(pair.address.description))
    }

    @Test("a bad checksum, another HRP, a bad payload or a bad private key is refused")
    func badSuiPrivateKeys() throws {
        let good = "suiprivkey1qzwant3kaegmjy4qxex93s0jzvemekkjmyv3r2sjwgnv2y479pgsywhveae"
        #expect(throws: Never.self) { try SuiKeyPair(suiPrivateKey: good) }
        var chars = Array(good)
        chars[20] = chars[20] == "q" ? "p" : "q"
        #expect(errorCode { _ = try SuiKeyPair(suiPrivateKey: String(chars)) } == .keyMalformed)
        // The last checksum character changed.
        #expect(errorCode { _ = try SuiKeyPair(suiPrivateKey: String(good.dropLast()) + "q") } == .keyMalformed)
        // Same payload under another human-readable part, with a valid checksum.
        let payload = try SuiKeyPair(suiPrivateKey: good).flaggedPrivateKey
        #expect(errorCode { _ = try SuiKeyPair(suiPrivateKey: Bech32.encode(hrp: "suipubkey", payload: payload)) } == .keyMalformed)
        // Valid Bech32 with a payload of the wrong length or an unknown flag.
        #expect(errorCode { _ = try SuiKeyPair(suiPrivateKey: Bech32.encode(hrp: "suiprivkey", payload: Array(payload.dropLast()))) } == .keyMalformed)
        #expect(errorCode { _ = try SuiKeyPair(suiPrivateKey: Bech32.encode(hrp: "suiprivkey", payload: [9] + payload.dropFirst())) } == .keyMalformed)
        // A Secp256k1 private key of zero or of the group order is not a key.
        for secret in [[UInt8](repeating: 0, count: 32), secp256k1Order] {
            #expect(errorCode { _ = try SuiKeyPair(suiPrivateKey: Bech32.encode(hrp: "suiprivkey", payload: [1] + secret)) } == .keyMalformed)
        }
        #expect(errorCode { _ = try SuiKeyPair(scheme: .secp256r1, privateKey: secp256r1Order) } == .keyMalformed)
        #expect(errorCode { _ = try SuiKeyPair(scheme: .ed25519, privateKey: [1, 2, 3]) } == .keyMalformed)
        #expect(errorCode { _ = try SuiKeyPair(suiPrivateKey: "") } == .keyMalformed)
        #expect(errorCode { _ = try SuiKeyPair(suiPrivateKey: "suiprivkey1") } == .keyMalformed)
    }

    @Test("Sui uses Bech32, not Bech32m: the fixture strings carry Bech32 checksums")
    func bech32NotBech32m() throws {
        for vector in SignatureFixtures.privateKeyEncoding {
            let text = try #require(vector["suiprivkey_bech32"])
            let (hrp, payload) = try Bech32.decode(text)
            #expect(hrp == "suiprivkey" && payload.count == 33)
            #expect(Bech32.encode(hrp: hrp, payload: payload) == text)
        }
    }
}
