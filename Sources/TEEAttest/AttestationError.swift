/// The one error type of TEEAttest: a stable, machine-readable ``Code`` and a human message.
///
/// Callers branch on ``code`` (it never changes between releases); ``message`` is for people and
/// may name the offending field, certificate or value.
public struct AttestationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable identifier for one kind of failure, such as `chain.certificate_expired`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The dotted identifier, `<area>.<failure>`.
        public let rawValue: String
        /// Wraps a raw identifier.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The raw identifier.
        public var description: String { rawValue }

        // MARK: Input
        /// The input exceeds a configured size limit before any parsing.
        public static let inputTooLarge = Code(rawValue: "input.too_large")
        /// The input is neither CBOR nor valid hexadecimal.
        public static let inputInvalidHex = Code(rawValue: "input.invalid_hex")

        // MARK: CBOR
        /// The CBOR input ends inside an item.
        public static let cborTruncated = Code(rawValue: "cbor.truncated")
        /// The CBOR input is not well-formed (reserved bits, stray break, bad chunk, bad simple value).
        public static let cborMalformed = Code(rawValue: "cbor.malformed")
        /// Nesting exceeds ``CBORLimits/maxDepth``.
        public static let cborTooDeep = Code(rawValue: "cbor.too_deep")
        /// A length or the item count exceeds a ``CBORLimits`` bound.
        public static let cborTooLarge = Code(rawValue: "cbor.too_large")
        /// A text string is not valid UTF-8.
        public static let cborInvalidUTF8 = Code(rawValue: "cbor.invalid_utf8")
        /// A map holds the same key twice.
        public static let cborDuplicateKey = Code(rawValue: "cbor.duplicate_key")
        /// Bytes follow the single top-level item.
        public static let cborTrailingBytes = Code(rawValue: "cbor.trailing_bytes")

        // MARK: COSE
        /// The input is not a COSE_Sign1 structure (array of 4 with the right types).
        public static let coseMalformed = Code(rawValue: "cose.malformed")
        /// The input carries a CBOR tag other than 18 (COSE_Sign1).
        public static let coseUnexpectedTag = Code(rawValue: "cose.unexpected_tag")
        /// The protected header names an algorithm other than ES384 (-35).
        public static let coseUnsupportedAlgorithm = Code(rawValue: "cose.unsupported_algorithm")
        /// The ES384 signature does not verify with the leaf certificate's key.
        public static let coseSignatureInvalid = Code(rawValue: "cose.signature_invalid")

        // MARK: Attestation document
        /// A mandatory field of the attestation document is absent.
        public static let documentFieldMissing = Code(rawValue: "document.field_missing")
        /// A field of the attestation document has the wrong type or size.
        public static let documentFieldInvalid = Code(rawValue: "document.field_invalid")
        /// The document's PCR digest is not SHA384.
        public static let documentUnsupportedDigest = Code(rawValue: "document.unsupported_digest")

        // MARK: Certificate chain
        /// A certificate (leaf, cabundle entry or root) is not valid DER X.509.
        public static let chainCertificateMalformed = Code(rawValue: "chain.certificate_malformed")
        /// A certificate's issuer is not the subject of the next certificate up the chain.
        public static let chainIssuerMismatch = Code(rawValue: "chain.issuer_mismatch")
        /// A certificate's signature does not verify with its issuer's key.
        public static let chainSignatureInvalid = Code(rawValue: "chain.signature_invalid")
        /// A certificate's notAfter is before the verification time.
        public static let chainCertificateExpired = Code(rawValue: "chain.certificate_expired")
        /// A certificate's notBefore is after the verification time.
        public static let chainCertificateNotYetValid = Code(rawValue: "chain.certificate_not_yet_valid")
        /// Basic constraints, path length, key usage or a critical extension forbid this chain.
        public static let chainConstraintsViolated = Code(rawValue: "chain.constraints_violated")
        /// The chain does not end at a trusted root.
        public static let chainUntrustedRoot = Code(rawValue: "chain.untrusted_root")
        /// The leaf certificate's key is not a P-384 ECDSA key.
        public static let chainUnsupportedKey = Code(rawValue: "chain.unsupported_key")

        // MARK: Policy
        /// An expected PCR index is outside 0...31 (a configuration error).
        public static let policyPCRIndexInvalid = Code(rawValue: "policy.pcr_index_invalid")
        /// The document lacks a PCR the expectations pin.
        public static let policyPCRMissing = Code(rawValue: "policy.pcr_missing")
        /// A PCR differs from its expected value.
        public static let policyPCRMismatch = Code(rawValue: "policy.pcr_mismatch")
        /// A nonce was expected but the document carries none.
        public static let policyNonceMissing = Code(rawValue: "policy.nonce_missing")
        /// The document's nonce differs from the expected one (a replay or a stale document).
        public static let policyNonceMismatch = Code(rawValue: "policy.nonce_mismatch")
        /// The document's timestamp is older than the allowed maximum age.
        public static let policyDocumentTooOld = Code(rawValue: "policy.document_too_old")
        /// The document's timestamp is later than the verification time plus the allowed clock skew.
        public static let policyDocumentFromFuture = Code(rawValue: "policy.document_from_future")
        /// A public_key was required but the document carries none.
        public static let policyPublicKeyMissing = Code(rawValue: "policy.public_key_missing")
        /// user_data was required but the document carries none.
        public static let policyUserDataMissing = Code(rawValue: "policy.user_data_missing")

        // MARK: NSM
        /// The NSM device cannot be opened (not inside a Nitro Enclave).
        public static let nsmDeviceUnavailable = Code(rawValue: "nsm.device_unavailable")
        /// The NSM ioctl failed.
        public static let nsmIoctlFailed = Code(rawValue: "nsm.ioctl_failed")
        /// The NSM answered with an error code.
        public static let nsmErrorResponse = Code(rawValue: "nsm.error_response")
        /// The NSM answered with something other than an attestation document.
        public static let nsmUnexpectedResponse = Code(rawValue: "nsm.unexpected_response")
        /// An attestation request field exceeds the NSM's size limit.
        public static let nsmRequestTooLarge = Code(rawValue: "nsm.request_too_large")

        // MARK: Dev attester
        /// The dev attester cannot read or write its state directory.
        public static let devStorageFailed = Code(rawValue: "dev.storage_failed")
        /// A dev attester private key file is readable by group or others.
        public static let devInsecureKeyPermissions = Code(rawValue: "dev.insecure_key_permissions")
        /// The dev attester's stored keys and certificates do not belong together.
        public static let devStateInvalid = Code(rawValue: "dev.state_invalid")
        /// The measured executable cannot be read.
        public static let devMeasurementFailed = Code(rawValue: "dev.measurement_failed")
        /// Creating or signing a certificate or document failed.
        public static let devSigningFailed = Code(rawValue: "dev.signing_failed")

        // MARK: Master (MasterAttestationClient)
        /// The master URL is not `https://host[:port]`.
        public static let masterInvalidURL = Code(rawValue: "master.invalid_url")
        /// The master could not be reached, or the TLS connection failed or timed out.
        public static let masterUnreachable = Code(rawValue: "master.unreachable")
        /// The master answered the attestation request with a status other than 200.
        public static let masterHTTPStatus = Code(rawValue: "master.http_status")
        /// The TLS key the server presented is not the attested `public_key`.
        public static let masterKeyMismatch = Code(rawValue: "master.key_mismatch")
        /// The attested `user_data` is not a master binding.
        public static let masterBindingInvalid = Code(rawValue: "master.binding_invalid")
        /// The CA the server presented is not the attested CA, or not the CA the client pinned.
        public static let masterCAMismatch = Code(rawValue: "master.ca_mismatch")
        /// The attested cluster id is not the one the client pinned.
        public static let masterClusterMismatch = Code(rawValue: "master.cluster_mismatch")
        /// The AWS Nitro root is trusted without an expected PCR0, which any enclave would satisfy.
        public static let masterPCR0Required = Code(rawValue: "master.pcr0_required")
        /// A trust option (root, PCR, cluster id, CA hash) is malformed.
        public static let masterTrustInvalid = Code(rawValue: "master.trust_invalid")
    }

    /// What failed, stable across releases.
    public let code: Code
    /// A one-line explanation for people.
    public let message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `<code>: <message>`.
    public var description: String { "\(code.rawValue): \(message)" }
}
