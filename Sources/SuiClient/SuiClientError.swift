/// The one error type of SuiClient: a stable, machine-readable ``Code`` and a human message.
///
/// Errors the chain itself returns keep Sui's own code (``rpcCode``) and message.
public struct SuiClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable identifier for one kind of failure, such as `signature.invalid`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The dotted identifier, `<area>.<failure>`.
        public let rawValue: String
        /// Wraps a raw identifier.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The raw identifier.
        public var description: String { rawValue }

        // MARK: Signatures and keys
        /// The serialized signature is not `flag || signature || public key` of a known scheme.
        public static let signatureMalformed = Code(rawValue: "signature.malformed")
        /// The signature flag names a scheme this library does not verify (multisig, zkLogin, passkey).
        public static let signatureUnsupportedScheme = Code(rawValue: "signature.unsupported_scheme")
        /// The signature does not verify over the message with the embedded public key.
        public static let signatureInvalid = Code(rawValue: "signature.invalid")
        /// A private key (Bech32 `suiprivkey`, base64 keystore entry or raw bytes) is malformed.
        public static let keyMalformed = Code(rawValue: "key.malformed")
        /// BCS bytes are malformed (truncated, over-long or non-canonical ULEB128, and the like).
        public static let bcsMalformed = Code(rawValue: "bcs.malformed")

        // MARK: Keystore
        /// The keystore file does not exist or cannot be read or written.
        public static let keystoreUnreadable = Code(rawValue: "keystore.unreadable")
        /// The keystore file is readable or writable by group or other; `chmod 600` it.
        public static let keystoreInsecurePermissions = Code(rawValue: "keystore.insecure_permissions")
        /// The keystore file exceeds the size limit.
        public static let keystoreTooLarge = Code(rawValue: "keystore.too_large")
        /// The keystore is not a JSON array of base64 `flag || private key` strings.
        public static let keystoreMalformed = Code(rawValue: "keystore.malformed")
        /// The keystore holds no key at all.
        public static let keystoreEmpty = Code(rawValue: "keystore.empty")
        /// The keystore holds no key for the requested address.
        public static let keystoreKeyNotFound = Code(rawValue: "keystore.key_not_found")

        // MARK: Transport
        /// No endpoint could be reached (connection refused, DNS, TLS, timeout) after retries.
        public static let transportUnavailable = Code(rawValue: "transport.unavailable")
        /// The endpoint answered with an HTTP status other than 200.
        public static let transportHTTPStatus = Code(rawValue: "transport.http_status")
        /// The response is not the JSON shape the protocol defines.
        public static let responseMalformed = Code(rawValue: "response.malformed")
        /// The response body exceeds the configured size limit.
        public static let responseTooLarge = Code(rawValue: "response.too_large")
        /// The JSON-RPC service returned an `error` object; ``SuiClientError/rpcCode`` holds its code.
        public static let rpcError = Code(rawValue: "rpc.error")
        /// The GraphQL service returned `errors[]`; the message is the first one's.
        public static let graphQLError = Code(rawValue: "graphql.error")
        /// A request argument is out of range (for example a page size above 50).
        public static let invalidArgument = Code(rawValue: "argument.invalid")
    }

    /// What failed.
    public var code: Code
    /// A human-readable explanation; never contains key material.
    public var message: String
    /// The JSON-RPC error code Sui returned, for ``Code/rpcError``.
    public var rpcCode: Int?

    /// Creates an error.
    public init(code: Code, message: String, rpcCode: Int? = nil) {
        self.code = code
        self.message = message
        self.rpcCode = rpcCode
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
