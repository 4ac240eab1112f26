public import SuiClient

/// Mints Seal tokens with a Sui key (what `daasctl token` runs).
public enum SealTokenIssuer {
    /// Signs a v1 token for `subject` and `audience`, valid from `now` for `lifetime` seconds.
    /// - Parameters:
    ///   - keyPair: The issuer's Sui key; `iss` is its address.
    ///   - stake: StakedSui object ids to point the verifier at; empty means all the issuer owns.
    ///   - now: Issued-at, in Unix seconds.
    public static func issue(
        keyPair: SuiKeyPair, subject: SealSubject, audience: String, lifetime: Int64, stake: [SuiAddress] = [], now: Int64
    ) throws -> SealToken {
        var nonce = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in nonce.indices { nonce[index] = generator.next() }
        let payload = SealPayload(
            iss: keyPair.address, sub: subject, aud: audience, iat: now, exp: now + lifetime, nonce: Base64URL.encode(nonce), stake: stake)
        let bytes = payload.encoded()
        return SealToken(payload: payload, payloadBytes: bytes, signature: try keyPair.signPersonalMessage(bytes))
    }
}
