import Crypto
import Foundation

/// A compact JWS (`header.payload.signature`, RFC 7515) signed with ES256, the form of a
/// ServiceAccount token. Parsing is bounded: the caller caps the token's length, the header and
/// payload must be strict unpadded base64url of JSON objects, the signature exactly 64 bytes.
struct CompactJWS: Sendable {
    /// The parsed header and claims.
    let header: JSONValue
    let claims: JSONValue
    /// The bytes the signature covers (`header.payload`, ASCII).
    let signingInput: [UInt8]
    /// The raw ECDSA signature (r || s).
    let signature: [UInt8]

    /// Parses `token`; nil when it is not a compact JWS at all (another authenticator's token).
    /// - Throws: ``APIError/unauthorized`` when it looks like one but is malformed.
    static func parse(_ token: String) throws(APIError) -> CompactJWS? {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].first == UInt8(ascii: "e") else { return nil }  // `{"` encodes as `ey`
        guard let headerBytes = base64URLDecode(parts[0]), let claimBytes = base64URLDecode(parts[1]),
              let signature = base64URLDecode(parts[2]), signature.count == 64
        else { throw APIError.unauthorized }
        let parser = JSONParser(maxDepth: 8)
        guard let header = try? parser.parse(headerBytes), header.objectValue != nil,
              let claims = try? parser.parse(claimBytes), claims.objectValue != nil
        else { throw APIError.unauthorized }
        return CompactJWS(header: header, claims: claims, signingInput: Array(parts[0]) + [UInt8(ascii: ".")] + Array(parts[1]), signature: signature)
    }

    /// Signs `claims` with `key`; `keyID` goes in the header's `kid`.
    static func sign(claims: JSONValue, keyID: String, key: P256.Signing.PrivateKey) throws -> String {
        let header: JSONValue = ["alg": "ES256", "kid": .string(keyID)]
        let input = base64URLEncode(header.serialized()) + "." + base64URLEncode(claims.serialized())
        let signature = try key.signature(for: Array(input.utf8))
        return input + "." + base64URLEncode(Array(signature.rawRepresentation))
    }

    /// Whether `key` signed this token.
    func isSigned(by key: P256.Signing.PublicKey) -> Bool {
        guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
        return key.isValidSignature(parsed, for: signingInput)
    }

    /// Unpadded base64url (RFC 4648 §5).
    static func base64URLEncode(_ bytes: some Collection<UInt8>) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.last == "=" { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    /// Strict unpadded base64url: nil for any other byte, padding, or an impossible length.
    static func base64URLDecode(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 4 != 1, text.count <= 8192 else { return nil }
        var standard: [UInt8] = []
        standard.reserveCapacity(text.count + 3)
        for byte in text {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): standard.append(byte)
            case UInt8(ascii: "-"): standard.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): standard.append(UInt8(ascii: "/"))
            default: return nil
            }
        }
        while standard.count % 4 != 0 { standard.append(UInt8(ascii: "=")) }
        return Data(base64Encoded: Data(standard)).map(Array.init)
    }
}
