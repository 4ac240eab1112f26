/// The CBOR messages exchanged with /dev/nsm, as the NSM API (aws-nitro-enclaves-nsm-api,
/// serde externally-tagged enums) defines them:
///
/// - request `{"Attestation": {"user_data": bstr/null, "nonce": bstr/null, "public_key": bstr/null}}`
/// - response `{"Attestation": {"document": bstr}}` or `{"Error": "<ErrorCode>"}`
public enum NSMMessage {
    /// Largest request the driver accepts, in bytes.
    public static let maxRequestBytes = 0x1000
    /// Size of the response buffer handed to the driver, in bytes.
    public static let maxResponseBytes = 0x3000

    /// The encoded Attestation request.
    /// - Throws: ``AttestationError`` `nsm.request_too_large`.
    public static func attestationRequest(_ request: AttestationRequest) throws -> [UInt8] {
        try request.validate()
        func field(_ b: [UInt8]?) -> CBOR { b.map { .bytes($0) } ?? .null }
        let encoded = CBOREncoder.encode(.map([
            .init(.text("Attestation"), .map([
                .init(.text("user_data"), field(request.userData)),
                .init(.text("nonce"), field(request.nonce)),
                .init(.text("public_key"), field(request.publicKey)),
            ])),
        ]))
        guard encoded.count <= maxRequestBytes else {
            throw AttestationError(.nsmRequestTooLarge, "NSM request of \(encoded.count) bytes exceeds \(maxRequestBytes)")
        }
        return encoded
    }

    /// The document in an Attestation response.
    /// - Throws: ``AttestationError`` `nsm.error_response` (the NSM's error code in the message),
    ///   `nsm.unexpected_response`, or a `cbor.*` code.
    public static func attestationDocument(fromResponse bytes: [UInt8]) throws -> [UInt8] {
        let response = try CBORDecoder(limits: CBORLimits(maxInputBytes: maxResponseBytes)).decode(bytes)
        guard let entries = response.mapValue, entries.count == 1, let variant = entries[0].key.textValue else {
            throw AttestationError(.nsmUnexpectedResponse, "NSM response is not a single-variant map")
        }
        let body = entries[0].value
        switch variant {
        case "Attestation":
            guard let document = body[text: "document"]?.bytesValue else {
                throw AttestationError(.nsmUnexpectedResponse, "NSM Attestation response has no document byte string")
            }
            return document
        case "Error":
            throw AttestationError(.nsmErrorResponse, "NSM returned error \(body.textValue ?? "(unreadable)")")
        default:
            throw AttestationError(.nsmUnexpectedResponse, "NSM answered \(variant) to an Attestation request")
        }
    }
}
