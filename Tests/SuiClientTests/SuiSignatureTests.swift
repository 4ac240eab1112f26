import Foundation
import SuiClient
import Testing

@Suite("SuiSignature: the fixture vectors")
struct SuiSignatureVectorTests {
    @Test("the fixtures are present")
    func fixturesPresent() {
        #expect(SignatureFixtures.personalMessage.count == 3)
        #expect(SignatureFixtures.transactionData.count == 3)
        #expect(SignatureFixtures.mnemonic.count == 6)
        #expect(SignatureFixtures.secp256r1Mnemonic.count == 3)
        #expect(SignatureFixtures.privateKeyEncoding.count == 3)
    }

    @Test("personal messages: intent message, digest, verification and signer address", arguments: SignatureFixtures.personalMessage)
    func personalMessage(vector: SignedVector) throws {
        #expect(try SuiIntent.personalMessage.digest(vector.message) == vector.digest)
        #expect(Blake2b.hash256(vector.intentMessage) == vector.digest)
        let address = try SuiSignature.verifyPersonalMessage(vector.message, serialized: vector.serialized)
        #expect(address.description == vector.address)
    }

    @Test("personal messages: our key pair derives the public key and address, and signs identically where deterministic",
          arguments: SignatureFixtures.personalMessage)
    func personalMessageSigning(vector: SignedVector) throws {
        let pair = try SuiKeyPair(scheme: vector.scheme, privateKey: vector.secretKey)
        #expect(pair.publicKey == vector.publicKey)
        #expect(pair.address.description == vector.address)
        let ours = try pair.signPersonalMessage(vector.message)
        #expect(try SuiSignature.verifyPersonalMessage(vector.message, serialized: ours) == pair.address)
        if vector.scheme != .secp256r1 {
            // Ed25519 is deterministic; libsecp256k1 and the TS SDK both use RFC 6979 nonces.
            #expect(ours == vector.serialized)
        }
    }

    @Test("transaction data (intent scope 0): verification and deterministic signatures", arguments: SignatureFixtures.transactionData)
    func transactionData(vector: SignedVector) throws {
        #expect(try SuiIntent.transactionData.digest(vector.message) == vector.digest)
        let address = try SuiSignature.verify(intent: .transactionData, message: vector.message, serialized: vector.serialized)
        #expect(address.description == vector.address)
        // The same bytes are not a valid personal-message signature: the intent separates them.
        #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message, serialized: vector.serialized) } == .signatureInvalid)
        let pair = try SuiKeyPair(scheme: vector.scheme, privateKey: vector.secretKey)
        let ours = try pair.sign(digest: vector.digest)
        #expect(try SuiSignature.verify(digest: vector.digest, serialized: ours) == pair.address)
        if vector.scheme != .secp256r1 { #expect(ours == vector.serialized) }
    }

    @Test("mnemonic keys: suiprivkey decodes to the public key and address; raw signatures over real transaction bytes verify",
          arguments: SignatureFixtures.mnemonic)
    func mnemonicVectors(vector: MnemonicVector) throws {
        let pair = try SuiKeyPair(suiPrivateKey: vector.suiPrivateKey)
        #expect(pair.scheme == vector.scheme)
        #expect(pair.publicKey == vector.publicKey)
        #expect(pair.address.description == vector.address)
        #expect(pair.suiPrivateKey == vector.suiPrivateKey)
        #expect(try SuiIntent.transactionData.digest(vector.transaction) == vector.digest)
        let serialized = [vector.scheme.rawValue] + vector.rawSignature + vector.publicKey
        let address = try SuiSignature.verify(intent: .transactionData, message: vector.transaction, serialized: serialized)
        #expect(address.description == vector.address)
        #expect(try pair.sign(digest: vector.digest) == serialized)
    }

    @Test("Secp256r1 suiprivkey strings decode to the keytool's addresses and encode back")
    func secp256r1Mnemonic() throws {
        for vector in SignatureFixtures.secp256r1Mnemonic {
            let text = try #require(vector["suiprivkey_bech32"])
            let pair = try SuiKeyPair(suiPrivateKey: text)
            #expect(pair.scheme == .secp256r1)
            #expect(pair.address.description == vector["address"])
            #expect(pair.suiPrivateKey == text)
        }
    }

    @Test("suiprivkey and base64 keystore forms of the same keys")
    func privateKeyEncoding() throws {
        for vector in SignatureFixtures.privateKeyEncoding {
            let text = try #require(vector["suiprivkey_bech32"])
            let pair = try SuiKeyPair(suiPrivateKey: text)
            #expect(pair.scheme == schemeNamed(vector["scheme"]))
            #expect(pair.address.description == vector["address"])
            #expect(pair.suiPrivateKey == text)
            let flagged = base64Bytes(vector["flag_and_private_key_base64"])
            #expect(pair.flaggedPrivateKey == flagged)
            #expect(Array(flagged.dropFirst()) == hexBytes(vector["private_key_hex"]))
            let fromRaw = try SuiKeyPair(scheme: pair.scheme, privateKey: hexBytes(vector["private_key_hex"]))
            #expect(fromRaw == pair && fromRaw.suiPrivateKey == text)
        }
    }
}

@Suite("SuiSignature: rejections")
struct SuiSignatureRejectionTests {
    static let vectors = SignatureFixtures.personalMessage

    @Test("a flipped bit anywhere in the signature fails", arguments: vectors)
    func flippedSignatureBit(vector: SignedVector) {
        for byte in [1, 17, 32, 33, 48, 64] {
            var serialized = vector.serialized
            serialized[byte] ^= 0x01
            let code = errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message, serialized: serialized) }
            // A flipped bit may also push r or s out of range, which is a malformed signature.
            #expect(code == .signatureInvalid || code == .signatureMalformed, "byte \(byte)")
        }
    }

    @Test("a wrong message fails", arguments: vectors)
    func wrongMessage(vector: SignedVector) {
        var message = vector.message
        message[message.count - 1] ^= 0x20
        #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage(message, serialized: vector.serialized) } == .signatureInvalid)
        #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message + [0], serialized: vector.serialized) } == .signatureInvalid)
        #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage([], serialized: vector.serialized) } == .signatureInvalid)
    }

    @Test("another key of the same scheme fails", arguments: vectors)
    func otherKey(vector: SignedVector) {
        let other = SuiKeyPair.generate(scheme: vector.scheme)
        let serialized = Array(vector.serialized[..<65]) + other.publicKey
        #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message, serialized: serialized) } == .signatureInvalid)
    }

    @Test("a high-s ECDSA signature (the same signature with s replaced by n - s) is refused, not normalised",
          arguments: [SuiSignatureScheme.secp256k1, .secp256r1])
    func highS(scheme: SuiSignatureScheme) throws {
        let pair = SuiKeyPair.generate(scheme: scheme)
        for message in [[UInt8](), Array("hello".utf8), [UInt8](repeating: 7, count: 300)] {
            let serialized = try pair.signPersonalMessage(message)
            let order: [UInt8] = scheme == .secp256k1 ? secp256k1Order : secp256r1Order
            #expect(!Secp256r1.isHighS(serialized[33..<65]) || scheme == .secp256k1)
            let high = Array(serialized[..<33]) + subtract(order, Array(serialized[33..<65])) + Array(serialized[65...])
            #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage(message, serialized: high) } == .signatureInvalid)
        }
    }

    @Test("Secp256r1 normalisation maps a high s to n - s and leaves a low s alone")
    func normalisation() {
        let low = [UInt8](repeating: 1, count: 32) + [UInt8](repeating: 0x11, count: 32)
        #expect(Secp256r1.normalized(low) == low)
        let highS = subtract(secp256r1Order, [UInt8](repeating: 0x11, count: 32))
        #expect(Secp256r1.isHighS(highS[...]))
        #expect(Secp256r1.normalized(Array(low[..<32]) + highS) == low)
        let half = hexBytes("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8")
        #expect(!Secp256r1.isHighS(half[...]))
        let aboveHalf = hexBytes("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a9")
        #expect(Secp256r1.isHighS(aboveHalf[...]))
        #expect(Secp256r1.normalized(Array(low[..<32]) + aboveHalf) == Array(low[..<32]) + half)
    }

    @Test("truncated or extended signatures are malformed", arguments: vectors)
    func truncated(vector: SignedVector) {
        for length in [0, 1, 64, 65, vector.serialized.count - 1] {
            let code = errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message, serialized: Array(vector.serialized.prefix(length))) }
            #expect(code == .signatureMalformed, "length \(length)")
        }
        #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message, serialized: vector.serialized + [0]) } == .signatureMalformed)
    }

    @Test("multisig, BLS, zkLogin and passkey flags are unsupported; unknown flags are malformed")
    func flags() throws {
        let vector = try #require(Self.vectors.first)
        for flag: UInt8 in [3, 4, 5, 6] {
            var serialized = vector.serialized
            serialized[0] = flag
            #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message, serialized: serialized) } == .signatureUnsupportedScheme)
        }
        for flag: UInt8 in [7, 0x80, 0xff] {
            var serialized = vector.serialized
            serialized[0] = flag
            #expect(errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message, serialized: serialized) } == .signatureMalformed)
        }
    }

    @Test("an Ed25519 signature relabelled as Secp256k1 does not verify")
    func relabelled() throws {
        let vector = try #require(Self.vectors.first { $0.scheme == .ed25519 })
        let serialized = [SuiSignatureScheme.secp256k1.rawValue] + vector.serialized[1...] + [0x02]
        let code = errorCode { _ = try SuiSignature.verifyPersonalMessage(vector.message, serialized: serialized) }
        #expect(code == .signatureMalformed || code == .signatureInvalid)
    }
}

/// The secp256k1 group order, big-endian.
let secp256k1Order = hexBytes("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
/// The P-256 group order, big-endian.
let secp256r1Order = hexBytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")

/// `a - b` for 32-byte big-endian numbers with `a >= b`.
func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    var borrow = 0
    for index in stride(from: 31, through: 0, by: -1) {
        var difference = Int(a[index]) - Int(b[index]) - borrow
        borrow = difference < 0 ? 1 : 0
        if difference < 0 { difference += 256 }
        out[index] = UInt8(difference)
    }
    return out
}
