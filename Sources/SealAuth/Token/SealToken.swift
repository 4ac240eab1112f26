/// A Seal token v1: `seal.v1.<base64url(payload JSON)>.<base64url(Sui serialized signature)>`.
public struct SealToken: Sendable, Hashable {
    /// The text prefix of every v1 token.
    public static let prefix = "seal.v1."
    /// The largest token accepted, in bytes: far above any real one (about 400 bytes), far below
    /// what could cost the verifier.
    public static let maxLength = 4096

    /// The decoded claims.
    public var payload: SealPayload
    /// The exact payload bytes the signature covers.
    public var payloadBytes: [UInt8]
    /// The Sui serialized signature (`flag || signature || public key`).
    public var signature: [UInt8]

    /// Parses the token's structure and payload. It checks the format only; ``SealVerifier``
    /// checks everything else.
    public init(parsing text: String) throws(SealAuthError) {
        guard text.utf8.count <= Self.maxLength else {
            throw SealAuthError(code: .malformed, message: "the token is longer than \(Self.maxLength) bytes")
        }
        guard text.hasPrefix(Self.prefix) else { throw SealAuthError(code: .malformed, message: "the token does not start with seal.v1.") }
        let parts = text.dropFirst(Self.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw SealAuthError(code: .malformed, message: "the token is not seal.v1.<payload>.<signature>") }
        guard let payloadBytes = Base64URL.decode(parts[0]), let signature = Base64URL.decode(parts[1]), !payloadBytes.isEmpty, !signature.isEmpty else {
            throw SealAuthError(code: .malformed, message: "a token part is not unpadded base64url")
        }
        self.payloadBytes = payloadBytes
        self.signature = signature
        self.payload = try SealPayload.decode(payloadBytes)
    }

    /// Assembles a token from payload bytes and a signature over them.
    public init(payload: SealPayload, payloadBytes: [UInt8], signature: [UInt8]) {
        self.payload = payload
        self.payloadBytes = payloadBytes
        self.signature = signature
    }

    /// The token text.
    public var text: String {
        Self.prefix + Base64URL.encode(payloadBytes) + "." + Base64URL.encode(signature)
    }
}
