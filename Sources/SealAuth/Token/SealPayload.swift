import Foundation
public import SuiClient

/// The signed claims of a Seal token v1 (DESIGN.md, "Seal token v1").
public struct SealPayload: Sendable, Hashable {
    /// The domain every v1 payload carries, so a signature made for anything else never verifies.
    public static let domain = "k3s-daas/seal/v1"

    /// The domain separator; must equal ``domain``.
    public var dom: String
    /// The issuing Sui address.
    public var iss: SuiAddress
    /// The subject: a node or a user.
    public var sub: SealSubject
    /// The audience: the cluster id the token is for.
    public var aud: String
    /// Issued-at, in Unix seconds.
    public var iat: Int64
    /// Expiry, in Unix seconds.
    public var exp: Int64
    /// 16 random bytes, base64url: names this token for revocation.
    public var nonce: String
    /// Stake object ids the issuer points at; empty means "all StakedSui the issuer owns".
    public var stake: [SuiAddress]

    /// Creates a payload with the v1 domain.
    public init(iss: SuiAddress, sub: SealSubject, aud: String, iat: Int64, exp: Int64, nonce: String, stake: [SuiAddress] = []) {
        self.dom = Self.domain
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.iat = iat
        self.exp = exp
        self.nonce = nonce
        self.stake = stake
    }

    /// The number of random bytes in a nonce: 16, written as 22 characters of unpadded base64url.
    public static let nonceBytes = 16
    /// The longest audience (cluster id) accepted, in bytes.
    public static let maxAudienceBytes = 253
    /// The most stake objects a token may list.
    public static let maxStakeObjects = 64

    /// Whether `nonce` has the form DESIGN.md gives: 16 bytes in unpadded base64url.
    public static func isValidNonce(_ nonce: String) -> Bool {
        nonce.utf8.count == 22 && Base64URL.decode(Substring(nonce))?.count == nonceBytes
    }

    /// The payload as the JSON bytes that are signed, with the fields in the order DESIGN.md gives.
    public func encoded() -> [UInt8] {
        var json = "{\"dom\":\(Self.quote(dom)),\"iss\":\"\(iss)\",\"sub\":\(Self.quote(sub.description)),\"aud\":\(Self.quote(aud))"
        json += ",\"iat\":\(iat),\"exp\":\(exp),\"nonce\":\(Self.quote(nonce))"
        if !stake.isEmpty { json += ",\"stake\":[" + stake.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
        json += "}"
        return Array(json.utf8)
    }

    /// Decodes the signed JSON bytes. The domain is checked by the verifier, not here, so a
    /// wrong domain is reported as such.
    static func decode(_ bytes: [UInt8]) throws(SealAuthError) -> SealPayload {
        // SuiClient's bounded parser, not Foundation's JSONDecoder, which traps on deep nesting.
        guard let object = try? SuiValue.parse(bytes, limits: .init(maxBytes: SealToken.maxLength, maxDepth: 4)), let wire = Wire(object) else {
            throw SealAuthError(code: .malformed, message: "the payload is not a Seal v1 JSON object")
        }
        // Byte-level checks: a Character count would let combining marks change the answer.
        let issBytes = wire.iss.utf8
        guard issBytes.count == 66, issBytes.starts(with: "0x".utf8), let iss = SuiAddress(hex: wire.iss) else {
            throw SealAuthError(code: .malformed, message: "iss is not a 0x-prefixed 64-digit Sui address")
        }
        guard let sub = SealSubject(wire.sub) else {
            throw SealAuthError(code: .invalidSubject, message: "sub must be node:<dns-1123 name> or user:<name>")
        }
        guard wire.aud.utf8.count <= Self.maxAudienceBytes else {
            throw SealAuthError(code: .malformed, message: "aud is longer than \(Self.maxAudienceBytes) bytes")
        }
        guard Self.isValidNonce(wire.nonce) else {
            throw SealAuthError(code: .malformed, message: "nonce must be \(Self.nonceBytes) bytes in unpadded base64url")
        }
        guard (wire.stake ?? []).count <= Self.maxStakeObjects else {
            throw SealAuthError(code: .malformed, message: "at most \(Self.maxStakeObjects) stake objects may be listed")
        }
        var stake: [SuiAddress] = []
        for text in wire.stake ?? [] {
            let bytes = text.utf8
            guard bytes.count >= 3, bytes.count <= 66, bytes.starts(with: "0x".utf8), let id = SuiAddress(hex: text) else {
                throw SealAuthError(code: .malformed, message: "a stake entry is not a 0x-prefixed object id")
            }
            stake.append(id)
        }
        var payload = SealPayload(iss: iss, sub: sub, aud: wire.aud, iat: wire.iat, exp: wire.exp, nonce: wire.nonce, stake: stake)
        payload.dom = wire.dom
        return payload
    }

    /// The payload's members with their JSON types checked; nil when one is missing or mistyped.
    private struct Wire {
        var dom: String
        var iss: String
        var sub: String
        var aud: String
        var iat: Int64
        var exp: Int64
        var nonce: String
        var stake: [String]?

        init?(_ object: SuiValue) {
            guard case .object = object, let dom = object["dom"]?.string, let iss = object["iss"]?.string, let sub = object["sub"]?.string,
                let aud = object["aud"]?.string, let nonce = object["nonce"]?.string,
                case .number(let iat)? = object["iat"], let iatValue = Int64(iat), case .number(let exp)? = object["exp"], let expValue = Int64(exp)
            else { return nil }
            switch object["stake"] {
            case nil, .null?:
                stake = nil
            case .array(let items)?:
                var strings: [String] = []
                for item in items {
                    guard let text = item.string else { return nil }
                    strings.append(text)
                }
                stake = strings
            default:
                return nil
            }
            (self.dom, self.iss, self.sub, self.aud, self.nonce, self.iat, self.exp) = (dom, iss, sub, aud, nonce, iatValue, expValue)
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
