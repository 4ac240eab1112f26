public import Foundation

/// What a verifier requires of a document beyond a valid signature and chain.
///
/// The defaults accept any authentic document: no PCR pinned, no nonce, no age limit (the leaf
/// certificate's validity, about 3 hours on Nitro, bounds it), a 5-minute clock skew, verification
/// at the current time.
public struct AttestationExpectations: Sendable, Hashable {
    /// PCR index (0...31) to expected value; only these PCRs are compared. Default: none.
    public var pcrs: [Int: [UInt8]]
    /// The nonce the document must carry (compared in constant time). Default: nil, not checked.
    public var nonce: [UInt8]?
    /// The oldest acceptable document, measured from its timestamp to ``time``. Default: nil, no limit.
    public var maxAge: Duration?
    /// How far the document's timestamp may lie after ``time``. Default: 300 seconds.
    public var maxClockSkew: Duration
    /// Require a `public_key` field. Default: false.
    public var requirePublicKey: Bool
    /// Require a `user_data` field. Default: false.
    public var requireUserData: Bool
    /// The verification time for certificate validity and age. Default: nil, the current time.
    public var time: Date?

    /// Parses an expected PCR written `N=HEX` (N in 0...31, a non-empty hex value), as the
    /// command lines take it; `nil` for anything else.
    public static func pcr(parsing spec: String) -> (index: Int, value: [UInt8])? {
        let parts = spec.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let index = Int(parts[0]), (0...31).contains(index),
              let value = try? Hex.decode(String(parts[1])), !value.isEmpty else { return nil }
        return (index, value)
    }

    /// Creates expectations; every parameter defaults to the documented value.
    public init(pcrs: [Int: [UInt8]] = [:], nonce: [UInt8]? = nil, maxAge: Duration? = nil, maxClockSkew: Duration = .seconds(300),
                requirePublicKey: Bool = false, requireUserData: Bool = false, time: Date? = nil) {
        self.pcrs = pcrs
        self.nonce = nonce
        self.maxAge = maxAge
        self.maxClockSkew = maxClockSkew
        self.requirePublicKey = requirePublicKey
        self.requireUserData = requireUserData
        self.time = time
    }

    /// Checks an authenticated document against these expectations at `time`.
    /// - Throws: ``AttestationError`` with a `policy.*` code.
    public func check(_ document: AttestationDocument, at time: Date) throws {
        for (index, expected) in pcrs.sorted(by: { $0.key < $1.key }) {
            guard (0...31).contains(index) else {
                throw AttestationError(.policyPCRIndexInvalid, "expected PCR index \(index) is outside 0...31")
            }
            guard let actual = document.pcrs[index] else {
                throw AttestationError(.policyPCRMissing, "the document has no PCR\(index)")
            }
            guard ConstantTime.equals(actual, expected) else {
                throw AttestationError(.policyPCRMismatch, "PCR\(index) is \(Hex.encode(actual)), expected \(Hex.encode(expected))")
            }
        }
        if let nonce {
            guard let actual = document.nonce else {
                throw AttestationError(.policyNonceMissing, "a nonce was expected but the document carries none")
            }
            guard ConstantTime.equals(actual, nonce) else {
                throw AttestationError(.policyNonceMismatch, "the document's nonce is not the one requested (replayed or stale document)")
            }
        }
        let nowMs = (time.timeIntervalSince1970 * 1000).rounded(.down)
        let ageMs = nowMs - Double(document.timestampMilliseconds)
        if -ageMs > Self.milliseconds(maxClockSkew) {
            throw AttestationError(.policyDocumentFromFuture, "the document's timestamp is \(Int64(-ageMs)) ms after the verification time (allowed skew \(Int64(Self.milliseconds(maxClockSkew))) ms)")
        }
        if let maxAge, ageMs > Self.milliseconds(maxAge) {
            throw AttestationError(.policyDocumentTooOld, "the document is \(Int64(ageMs)) ms old, the limit is \(Int64(Self.milliseconds(maxAge))) ms")
        }
        if requirePublicKey, document.publicKey == nil {
            throw AttestationError(.policyPublicKeyMissing, "the document carries no public_key")
        }
        if requireUserData, document.userData == nil {
            throw AttestationError(.policyUserDataMissing, "the document carries no user_data")
        }
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
