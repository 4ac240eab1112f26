/// The one error type of SealAuth: a stable ``Code`` naming why a token was refused, and a
/// human message that never contains the token or key material.
public struct SealAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable identifier for one reason a token is refused, such as `token.expired`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The dotted identifier, `<area>.<failure>`.
        public let rawValue: String
        /// Wraps a raw identifier.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The raw identifier.
        public var description: String { rawValue }

        /// Not `seal.v1.<payload>.<signature>`, bad base64url, oversized, or a payload that is not
        /// the v1 JSON object.
        public static let malformed = Code(rawValue: "token.malformed")
        /// `dom` is not `k3s-daas/seal/v1`: the signature was made for another protocol.
        public static let wrongDomain = Code(rawValue: "token.wrong_domain")
        /// `exp - iat` exceeds the role's maximum lifetime, or `exp <= iat`.
        public static let lifetimeTooLong = Code(rawValue: "token.lifetime_too_long")
        /// `exp` has passed (beyond the allowed clock skew).
        public static let expired = Code(rawValue: "token.expired")
        /// `iat` lies in the future (beyond the allowed clock skew).
        public static let notYetValid = Code(rawValue: "token.not_yet_valid")
        /// `aud` is not this cluster's id.
        public static let wrongAudience = Code(rawValue: "token.wrong_audience")
        /// `sub` is not `node:<name>` or `user:<name>` with a valid name.
        public static let invalidSubject = Code(rawValue: "token.invalid_subject")
        /// The Sui signature is malformed, of an unsupported scheme, or does not verify.
        public static let badSignature = Code(rawValue: "token.bad_signature")
        /// The signing key's address is not `iss`.
        public static let addressMismatch = Code(rawValue: "token.address_mismatch")
        /// A listed stake object does not exist, is not StakedSui, or is not owned by `iss`.
        public static let stakeObjectInvalid = Code(rawValue: "stake.object_invalid")
        /// The staked principal is below the role's minimum.
        public static let stakeBelowMinimum = Code(rawValue: "stake.below_minimum")
        /// The token's nonce was revoked.
        public static let revokedToken = Code(rawValue: "revoked.token")
        /// The issuing address was revoked.
        public static let revokedAddress = Code(rawValue: "revoked.address")
        /// The chain could not be read, so an uncached token cannot be verified (fail closed).
        public static let chainUnavailable = Code(rawValue: "chain.unavailable")
    }

    /// Why the token was refused.
    public var code: Code
    /// A human-readable explanation, safe to log.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
