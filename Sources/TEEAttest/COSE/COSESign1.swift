public import Crypto

/// A COSE_Sign1 structure (RFC 9052): `[protected: bstr, unprotected: map, payload: bstr, signature: bstr]`,
/// optionally wrapped in CBOR tag 18. Nitro documents are untagged and signed with ES384.
public struct COSESign1: Sendable, Hashable {
    /// The COSE_Sign1 CBOR tag.
    public static let tag: UInt64 = 18
    /// The COSE algorithm identifier of ECDSA with SHA-384 on P-384.
    public static let es384: Int64 = -35

    /// The serialized protected header (a CBOR map inside a byte string), as received.
    public var protectedHeader: [UInt8]
    /// The unprotected header map's entries.
    public var unprotectedHeader: [CBOR.MapEntry]
    /// The payload bytes, as received (for Nitro: the attestation document's CBOR map).
    public var payload: [UInt8]
    /// The signature; for ES384 the 96-byte `r || s`.
    public var signature: [UInt8]
    /// Whether the input carried tag 18.
    public var tagged: Bool

    /// Creates a structure from its parts.
    public init(protectedHeader: [UInt8], unprotectedHeader: [CBOR.MapEntry] = [], payload: [UInt8], signature: [UInt8], tagged: Bool = false) {
        self.protectedHeader = protectedHeader
        self.unprotectedHeader = unprotectedHeader
        self.payload = payload
        self.signature = signature
        self.tagged = tagged
    }

    /// Parses a decoded CBOR item, tagged (18) or untagged.
    /// - Throws: ``AttestationError`` `cose.malformed` or `cose.unexpected_tag`.
    public init(_ item: CBOR) throws {
        var body = item
        var tagged = false
        if case .tagged(let tag, let inner) = item {
            guard tag == Self.tag else {
                throw AttestationError(.coseUnexpectedTag, "CBOR tag \(tag) where COSE_Sign1 (18) or no tag was expected")
            }
            body = inner
            tagged = true
        }
        guard let parts = body.arrayValue, parts.count == 4 else {
            throw AttestationError(.coseMalformed, "COSE_Sign1 must be an array of 4 items")
        }
        guard let protected = parts[0].bytesValue else {
            throw AttestationError(.coseMalformed, "COSE_Sign1 protected header must be a byte string")
        }
        guard let unprotected = parts[1].mapValue else {
            throw AttestationError(.coseMalformed, "COSE_Sign1 unprotected header must be a map")
        }
        guard let payload = parts[2].bytesValue else {
            throw AttestationError(.coseMalformed, "COSE_Sign1 payload must be a byte string (detached payloads are not accepted)")
        }
        guard let signature = parts[3].bytesValue else {
            throw AttestationError(.coseMalformed, "COSE_Sign1 signature must be a byte string")
        }
        self.init(protectedHeader: protected, unprotectedHeader: unprotected, payload: payload, signature: signature, tagged: tagged)
    }

    /// Decodes and parses `bytes`.
    /// - Throws: ``AttestationError`` with a `cbor.*` or `cose.*` code.
    public init(decoding bytes: [UInt8], decoder: CBORDecoder = CBORDecoder()) throws {
        try self.init(decoder.decode(bytes))
    }

    /// The algorithm named by the protected header's label 1.
    /// - Throws: ``AttestationError`` `cose.malformed` when the header is not a map with an integer label 1.
    public func algorithm(decoder: CBORDecoder = CBORDecoder()) throws -> Int64 {
        let header: CBOR
        do {
            header = try decoder.decode(protectedHeader)
        } catch let error as AttestationError {
            throw AttestationError(.coseMalformed, "protected header is not valid CBOR: \(error.message)")
        }
        guard header.mapValue != nil, let alg = header[int: 1]?.int64Value else {
            throw AttestationError(.coseMalformed, "protected header has no integer algorithm (label 1)")
        }
        return alg
    }

    /// `Sig_structure = ["Signature1", protected, external_aad = h'', payload]`, the bytes that are signed.
    public var signedBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + protectedHeader.count + 24)
        CBOREncoder.head(4, 4, &out)
        CBOREncoder.append(.text("Signature1"), to: &out)
        CBOREncoder.head(2, UInt64(protectedHeader.count), &out)
        out += protectedHeader
        CBOREncoder.head(2, 0, &out)
        CBOREncoder.head(2, UInt64(payload.count), &out)
        out += payload
        return out
    }

    /// Checks that the protected header says ES384 and the signature verifies with `key`.
    /// - Throws: ``AttestationError`` `cose.unsupported_algorithm`, `cose.malformed` or `cose.signature_invalid`.
    public func verifyES384(with key: P384.Signing.PublicKey) throws {
        let alg = try algorithm()
        guard alg == Self.es384 else {
            throw AttestationError(.coseUnsupportedAlgorithm, "COSE algorithm \(alg) is not ES384 (-35)")
        }
        guard signature.count == 96, let sig = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else {
            throw AttestationError(.coseSignatureInvalid, "ES384 signature must be 96 bytes (r || s), got \(signature.count)")
        }
        guard key.isValidSignature(sig, for: signedBytes) else {
            throw AttestationError(.coseSignatureInvalid, "COSE_Sign1 ES384 signature does not verify with the leaf certificate's key")
        }
    }

    /// Signs `payload` with ES384 under the protected header `{1: -35}`.
    public static func signES384(payload: [UInt8], with key: P384.Signing.PrivateKey, tagged: Bool = false) throws -> COSESign1 {
        var unsigned = COSESign1(protectedHeader: CBOREncoder.encode(.map([.init(.unsigned(1), .integer(es384))])),
                                 payload: payload, signature: [], tagged: tagged)
        do {
            unsigned.signature = Array(try key.signature(for: unsigned.signedBytes).rawRepresentation)
        } catch {
            throw AttestationError(.devSigningFailed, "ES384 signing failed: \(error)")
        }
        return unsigned
    }

    /// The CBOR encoding (with tag 18 when ``tagged``).
    public var encoded: [UInt8] {
        let body = CBOR.array([.bytes(protectedHeader), .map(unprotectedHeader), .bytes(payload), .bytes(signature)])
        return CBOREncoder.encode(tagged ? .tagged(Self.tag, body) : body)
    }
}
