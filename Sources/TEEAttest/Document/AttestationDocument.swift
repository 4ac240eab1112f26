/// The payload of a Nitro attestation document (the COSE_Sign1 payload), parsed but not verified.
///
/// Field rules follow AWS's attestation_process.md: `module_id` non-empty text, `digest` "SHA384",
/// `timestamp` milliseconds since the Unix epoch, `pcrs` 1...32 entries with indices 0...31 and
/// values of 32, 48 or 64 bytes, `certificate` and each `cabundle` entry 1...1024 bytes DER,
/// `public_key` 1...1024 bytes, `user_data` and `nonce` 0...512 bytes (all three optional or null).
public struct AttestationDocument: Sendable, Hashable {
    /// The issuing NSM's identifier (`daas-dev` for the dev attester).
    public var moduleID: String
    /// The PCR digest algorithm; always "SHA384" for accepted documents.
    public var digest: String
    /// When the NSM created the document, in milliseconds since the Unix epoch.
    public var timestampMilliseconds: UInt64
    /// PCR index to value.
    public var pcrs: [Int: [UInt8]]
    /// The leaf certificate (DER) whose key signs the document.
    public var certificate: [UInt8]
    /// The CA bundle (DER), root first: `cabundle[0]` is the root, the last entry issued `certificate`.
    public var cabundle: [[UInt8]]
    /// An optional public key the document binds (for DaaS: the master's TLS SubjectPublicKeyInfo DER).
    public var publicKey: [UInt8]?
    /// Optional application data (for DaaS: cluster id and the CA certificate's SHA-256).
    public var userData: [UInt8]?
    /// The optional nonce the requester supplied.
    public var nonce: [UInt8]?

    /// Most entries accepted in `cabundle`.
    public static let maxCabundle = 8

    /// Creates a document from its fields (used by attesters).
    public init(moduleID: String, digest: String = "SHA384", timestampMilliseconds: UInt64, pcrs: [Int: [UInt8]],
                certificate: [UInt8], cabundle: [[UInt8]], publicKey: [UInt8]? = nil, userData: [UInt8]? = nil, nonce: [UInt8]? = nil) {
        self.moduleID = moduleID
        self.digest = digest
        self.timestampMilliseconds = timestampMilliseconds
        self.pcrs = pcrs
        self.certificate = certificate
        self.cabundle = cabundle
        self.publicKey = publicKey
        self.userData = userData
        self.nonce = nonce
    }

    /// Parses and checks the payload map.
    /// - Throws: ``AttestationError`` with a `document.*` code naming the field.
    public init(payload item: CBOR) throws {
        guard let entries = item.mapValue else {
            throw AttestationError(.documentFieldInvalid, "attestation payload is not a CBOR map")
        }
        var fields: [String: CBOR] = [:]
        for entry in entries {
            guard let key = entry.key.textValue else {
                throw AttestationError(.documentFieldInvalid, "attestation payload has a non-text key")
            }
            fields[key] = entry.value
        }
        func required(_ name: String) throws -> CBOR {
            guard let value = fields[name] else { throw AttestationError(.documentFieldMissing, "attestation document has no \(name)") }
            return value
        }
        func bytes(_ name: String, _ value: CBOR, _ range: ClosedRange<Int>) throws -> [UInt8] {
            guard let b = value.bytesValue, range.contains(b.count) else {
                throw AttestationError(.documentFieldInvalid, "\(name) must be a byte string of \(range.lowerBound)...\(range.upperBound) bytes")
            }
            return b
        }
        func optionalBytes(_ name: String, _ range: ClosedRange<Int>) throws -> [UInt8]? {
            guard let value = fields[name], value != .null else { return nil }
            return try bytes(name, value, range)
        }

        guard let moduleID = try required("module_id").textValue, !moduleID.isEmpty else {
            throw AttestationError(.documentFieldInvalid, "module_id must be non-empty text")
        }
        guard let digest = try required("digest").textValue else {
            throw AttestationError(.documentFieldInvalid, "digest must be text")
        }
        guard digest == "SHA384" else {
            throw AttestationError(.documentUnsupportedDigest, "digest is \(digest), only SHA384 is accepted")
        }
        guard case .unsigned(let timestamp) = try required("timestamp"), timestamp > 0 else {
            throw AttestationError(.documentFieldInvalid, "timestamp must be a positive integer (milliseconds)")
        }
        guard let pcrEntries = try required("pcrs").mapValue, (1...32).contains(pcrEntries.count) else {
            throw AttestationError(.documentFieldInvalid, "pcrs must be a map of 1...32 entries")
        }
        var pcrs: [Int: [UInt8]] = [:]
        for entry in pcrEntries {
            guard case .unsigned(let index) = entry.key, index < 32 else {
                throw AttestationError(.documentFieldInvalid, "pcrs has a key that is not an index in 0...31")
            }
            guard let value = entry.value.bytesValue, [32, 48, 64].contains(value.count) else {
                throw AttestationError(.documentFieldInvalid, "PCR\(index) must be 32, 48 or 64 bytes")
            }
            pcrs[Int(index)] = value
        }
        let certificate = try bytes("certificate", try required("certificate"), 1...1024)
        guard let bundle = try required("cabundle").arrayValue, (1...Self.maxCabundle).contains(bundle.count) else {
            throw AttestationError(.documentFieldInvalid, "cabundle must be an array of 1...\(Self.maxCabundle) certificates")
        }
        let cabundle = try bundle.enumerated().map { try bytes("cabundle[\($0.offset)]", $0.element, 1...1024) }

        self.init(moduleID: moduleID, digest: digest, timestampMilliseconds: timestamp, pcrs: pcrs,
                  certificate: certificate, cabundle: cabundle,
                  publicKey: try optionalBytes("public_key", 1...1024),
                  userData: try optionalBytes("user_data", 0...512),
                  nonce: try optionalBytes("nonce", 0...512))
    }

    /// The payload map in the NSM's field order, absent optional fields as null.
    public var payload: CBOR {
        func optional(_ b: [UInt8]?) -> CBOR { b.map { .bytes($0) } ?? .null }
        return .map([
            .init(.text("module_id"), .text(moduleID)),
            .init(.text("digest"), .text(digest)),
            .init(.text("timestamp"), .unsigned(timestampMilliseconds)),
            .init(.text("pcrs"), .map(pcrs.sorted { $0.key < $1.key }.map { .init(.unsigned(UInt64($0.key)), .bytes($0.value)) })),
            .init(.text("certificate"), .bytes(certificate)),
            .init(.text("cabundle"), .array(cabundle.map { .bytes($0) })),
            .init(.text("public_key"), optional(publicKey)),
            .init(.text("user_data"), optional(userData)),
            .init(.text("nonce"), optional(nonce)),
        ])
    }
}
