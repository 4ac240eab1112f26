/// The caller-supplied fields of an attestation document, with the NSM's size limits.
public struct AttestationRequest: Sendable, Hashable {
    /// Largest `user_data` the NSM accepts, in bytes.
    public static let maxUserData = 512
    /// Largest `nonce` the NSM accepts, in bytes.
    public static let maxNonce = 512
    /// Largest `public_key` the NSM accepts, in bytes.
    public static let maxPublicKey = 1024

    /// Application data to bind (DaaS: cluster id and CA SHA-256). Default nil.
    public var userData: [UInt8]?
    /// The verifier's nonce. Default nil.
    public var nonce: [UInt8]?
    /// The public key to bind (DaaS: the master's TLS SubjectPublicKeyInfo DER). Default nil.
    public var publicKey: [UInt8]?

    /// Creates a request.
    public init(userData: [UInt8]? = nil, nonce: [UInt8]? = nil, publicKey: [UInt8]? = nil) {
        self.userData = userData
        self.nonce = nonce
        self.publicKey = publicKey
    }

    /// Throws `nsm.request_too_large` when a field exceeds its limit (or `public_key` is empty).
    public func validate() throws {
        if let userData, userData.count > Self.maxUserData {
            throw AttestationError(.nsmRequestTooLarge, "user_data is \(userData.count) bytes, the limit is \(Self.maxUserData)")
        }
        if let nonce, nonce.count > Self.maxNonce {
            throw AttestationError(.nsmRequestTooLarge, "nonce is \(nonce.count) bytes, the limit is \(Self.maxNonce)")
        }
        if let publicKey, publicKey.isEmpty || publicKey.count > Self.maxPublicKey {
            throw AttestationError(.nsmRequestTooLarge, "public_key is \(publicKey.count) bytes, it must be 1...\(Self.maxPublicKey)")
        }
    }
}
