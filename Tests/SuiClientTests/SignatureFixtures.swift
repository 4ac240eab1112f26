import Foundation
import SuiClient

/// The vectors of Fixtures/signatures.json.
enum SignatureFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Each section's `vectors`, with the string fields of each vector.
    static let sections: [String: [[String: String]]] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("signatures.json")),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.compactMapValues { part in
            ((part as? [String: Any])?["vectors"] as? [[String: Any]])?.map { $0.compactMapValues { $0 as? String } }
        }
    }()

    static func vectors(_ section: String) -> [[String: String]] { sections[section] ?? [] }

    static let personalMessage = vectors("personal_message_vectors").map(SignedVector.init)
    static let transactionData = vectors("transaction_data_intent_vectors").map(SignedVector.init)
    static let mnemonic = vectors("mnemonic_transaction_vectors").map(MnemonicVector.init)
    static let secp256r1Mnemonic = vectors("secp256r1_mnemonic_vectors")
    static let privateKeyEncoding = vectors("private_key_encoding_vectors")
}

/// The JSON scheme names: `ED25519`, `Secp256k1`, `Secp256r1`.
func schemeNamed(_ name: String?) -> SuiSignatureScheme? {
    switch name?.lowercased() {
    case "ed25519": .ed25519
    case "secp256k1": .secp256k1
    case "secp256r1": .secp256r1
    default: nil
    }
}

/// A fixed secret key with a message and its expected signature.
struct SignedVector: Sendable, CustomStringConvertible {
    var scheme: SuiSignatureScheme
    var secretKey: [UInt8]
    var publicKey: [UInt8]
    var address: String
    var message: [UInt8]
    var intentMessage: [UInt8]
    var digest: [UInt8]
    var serialized: [UInt8]
    var description: String { "\(scheme)" }

    init(_ fields: [String: String]) {
        scheme = schemeNamed(fields["scheme"]) ?? .ed25519
        secretKey = hexBytes(fields["secret_key_hex"])
        publicKey = hexBytes(fields["public_key_hex"])
        address = fields["address"] ?? ""
        message = hexBytes(fields["message_hex"])
        intentMessage = hexBytes(fields["intent_message_hex"])
        digest = hexBytes(fields["blake2b256_digest_hex"])
        serialized = base64Bytes(fields["serialized_signature_base64"])
    }
}

/// A mnemonic-derived key with its suiprivkey and a raw signature over transaction bytes.
struct MnemonicVector: Sendable, CustomStringConvertible {
    var scheme: SuiSignatureScheme
    var publicKey: [UInt8]
    var address: String
    var suiPrivateKey: String
    var transaction: [UInt8]
    var digest: [UInt8]
    var rawSignature: [UInt8]
    var description: String { "\(scheme) \(address.prefix(10))" }

    init(_ fields: [String: String]) {
        scheme = schemeNamed(fields["scheme"]) ?? .ed25519
        publicKey = base64Bytes(fields["public_key_base64"])
        address = fields["address"] ?? ""
        suiPrivateKey = fields["suiprivkey_bech32"] ?? ""
        transaction = base64Bytes(fields["tx_bytes_base64"])
        digest = base64Bytes(fields["tx_intent_digest_base64"])
        rawSignature = base64Bytes(fields["raw_signature_base64"])
    }
}

func hexBytes(_ text: String?) -> [UInt8] {
    var digits = Substring(text ?? "")
    if digits.hasPrefix("0x") { digits = digits.dropFirst(2) }
    var out: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex, let next = digits.index(index, offsetBy: 2, limitedBy: digits.endIndex) {
        guard let byte = UInt8(digits[index..<next], radix: 16) else { return [] }
        out.append(byte)
        index = next
    }
    return out
}

func base64Bytes(_ text: String?) -> [UInt8] {
    Data(base64Encoded: text ?? "").map { Array($0) } ?? []
}

/// The SuiClientError code `body` throws, or nil when it does not throw.
func errorCode(_ body: () throws -> Void) -> SuiClientError.Code? {
    do {
        try body()
        return nil
    } catch let error as SuiClientError {
        return error.code
    } catch {
        return SuiClientError.Code(rawValue: "unexpected: \(error)")
    }
}

