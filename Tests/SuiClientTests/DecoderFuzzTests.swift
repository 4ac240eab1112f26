import DaaSTestSupport
import SuiClient
import Testing

/// Random, truncated and mutated bytes into every decoder: each must throw or succeed, never crash.
@Suite("decoder fuzzing")
struct DecoderFuzzTests {
    static let seeds: [UInt64] = [1, 2, 3, 0xdead_beef]

    func randomBytes(_ count: Int, _ generator: inout SplitMix64) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test("serialized signatures: random bytes, truncations and single-byte mutations", arguments: seeds)
    func serializedSignatures(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let vectors = SignatureFixtures.personalMessage
        for _ in 0..<300 {
            let length = Int.random(in: 0...130, using: &generator)
            var bytes = randomBytes(length, &generator)
            if !bytes.isEmpty, Bool.random(using: &generator) { bytes[0] = UInt8.random(in: 0...2, using: &generator) }
            #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage([1, 2, 3], serialized: bytes) } != nil)
        }
        for vector in vectors {
            for length in 0..<vector.serialized.count {
                #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message, serialized: Array(vector.serialized.prefix(length))) } == .signatureMalformed)
            }
            for _ in 0..<100 {
                var mutated = vector.serialized
                let index = Int.random(in: 0..<mutated.count, using: &generator)
                mutated[index] ^= UInt8.random(in: 1...255, using: &generator)
                #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message, serialized: mutated) } != nil, "index \(index)")
            }
        }
    }

    @Test("Bech32 and suiprivkey: random strings, truncations and character substitutions", arguments: seeds)
    func bech32(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l1QPZbio!~ \u{e9}")
        for _ in 0..<300 {
            let length = Int.random(in: 0...100, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            _ = try? Bech32.decode(text)
            _ = try? SuiKeyPair(suiPrivateKey: "suiprivkey1" + text)
        }
        for vector in SignatureFixtures.privateKeyEncoding {
            guard let text = vector["suiprivkey_bech32"] else { continue }
            for length in 0..<text.count {
                #expect(errorCode { _ = try SuiKeyPair(suiPrivateKey: String(text.prefix(length))) } == .keyMalformed)
            }
            var chars = Array(text)
            for _ in 0..<100 {
                let index = Int.random(in: 11..<chars.count, using: &generator)
                let original = chars[index]
                let replacement = alphabet.randomElement(using: &generator)!
                guard replacement != original else { continue }
                chars[index] = replacement
                // Bech32 detects every single-character substitution.
                #expect(errorCode { _ = try SuiKeyPair(suiPrivateKey: String(chars)) } == .keyMalformed)
                chars[index] = original
            }
        }
    }

    @Test("keystore JSON: random bytes, truncations and mutations", arguments: seeds)
    func keystore(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        for _ in 0..<300 {
            _ = try? SuiKeystore(json: randomBytes(Int.random(in: 0...200, using: &generator), &generator))
        }
        let json = SuiKeystore(keys: SuiSignatureScheme.allCases.map { .generate(scheme: $0) }).json
        for length in 0..<json.count {
            let code = errorCode { _ = try SuiKeystore(json: Array(json.prefix(length))) }
            #expect(code == .keystoreMalformed, "length \(length)")
        }
        for _ in 0..<300 {
            var mutated = json
            mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            let code = errorCode { _ = try SuiKeystore(json: mutated) }
            #expect(code == nil || code == .keystoreMalformed)
        }
    }

    @Test("ULEB128: random bytes at random offsets", arguments: seeds)
    func uleb128(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        for _ in 0..<1000 {
            let bytes = randomBytes(Int.random(in: 0...8, using: &generator), &generator)
            let offset = Int.random(in: -1...9, using: &generator)
            if let decoded = try? ULEB128.decode(bytes, at: offset) {
                #expect(ULEB128.encode(decoded.value) == Array(bytes[offset..<decoded.next]))
            }
        }
    }
}
