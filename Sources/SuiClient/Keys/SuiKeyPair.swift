internal import Crypto

/// A Sui private key with its scheme, public key and address, able to sign personal messages.
///
/// The private key never appears in ``description``, `debugDescription` or `dump`: they show the
/// scheme and address only. Two key pairs are equal when their scheme and public key are, which
/// (the public key being derived from the private key) compares no secret.
public struct SuiKeyPair: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The human-readable part of Bech32-encoded Sui private keys.
    public static let privateKeyPrefix = "suiprivkey"

    /// The signature scheme of this key.
    public let scheme: SuiSignatureScheme
    /// The public key: 32 bytes for Ed25519, 33 (compressed SEC1) for Secp256k1 and Secp256r1.
    public let publicKey: [UInt8]
    /// The 32-byte private key (for Ed25519 the RFC 8032 seed).
    private let secret: [UInt8]

    /// A fresh key of `scheme` from the system's cryptographically secure random number generator.
    public static func generate(scheme: SuiSignatureScheme) -> SuiKeyPair {
        var generator = SystemRandomNumberGenerator()
        while true {
            var secret = [UInt8](repeating: 0, count: 32)
            for index in secret.indices { secret[index] = generator.next() }
            // Fails only for a secp256k1/r1 secret outside 1 ..< n (probability about 2^-128).
            if let pair = try? SuiKeyPair(scheme: scheme, privateKey: secret) { return pair }
        }
    }

    /// Wraps a 32-byte private key of `scheme`.
    ///
    /// - Throws: ``SuiClientError/Code/keyMalformed`` when `privateKey` is not 32 bytes or (for
    ///   Secp256k1 and Secp256r1) not in `1 ..< n`.
    public init(scheme: SuiSignatureScheme, privateKey: [UInt8]) throws {
        guard privateKey.count == 32 else {
            throw SuiClientError(code: .keyMalformed, message: "a Sui private key is 32 bytes, not \(privateKey.count)")
        }
        let publicKey: [UInt8]
        switch scheme {
        case .ed25519:
            guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: privateKey) else {
                throw SuiClientError(code: .keyMalformed, message: "not an Ed25519 private key")
            }
            publicKey = Array(key.publicKey.rawRepresentation)
        case .secp256k1:
            guard let key = Secp256k1.publicKey(secret: privateKey) else {
                throw SuiClientError(code: .keyMalformed, message: "not a Secp256k1 private key (zero or not below the group order)")
            }
            publicKey = key
        case .secp256r1:
            guard let key = try? P256.Signing.PrivateKey(rawRepresentation: privateKey) else {
                throw SuiClientError(code: .keyMalformed, message: "not a Secp256r1 private key (zero or not below the group order)")
            }
            publicKey = Array(key.publicKey.compressedRepresentation)
        }
        self.scheme = scheme
        self.publicKey = publicKey
        self.secret = privateKey
    }

    /// Wraps `flag || 32-byte private key`, the payload of `suiprivkey` strings and keystore entries.
    ///
    /// - Throws: ``SuiClientError/Code/keyMalformed`` for another length, an unknown flag or an
    ///   invalid private key.
    package init(flaggedPrivateKey bytes: [UInt8]) throws {
        guard bytes.count == 33 else {
            throw SuiClientError(code: .keyMalformed, message: "a flagged Sui private key is 33 bytes, not \(bytes.count)")
        }
        guard let scheme = SuiSignatureScheme(rawValue: bytes[0]) else {
            throw SuiClientError(code: .keyMalformed, message: "unknown private key scheme flag \(bytes[0])")
        }
        try self.init(scheme: scheme, privateKey: Array(bytes[1...]))
    }

    /// Decodes a Bech32 `suiprivkey1...` string, as `sui keytool export` prints it.
    ///
    /// - Throws: ``SuiClientError/Code/keyMalformed`` for a bad checksum, another human-readable
    ///   part, a payload other than `flag || 32 bytes`, or an invalid private key.
    public init(suiPrivateKey text: String) throws {
        let (hrp, payload) = try Bech32.decode(text)
        guard hrp == Self.privateKeyPrefix else {
            throw SuiClientError(code: .keyMalformed, message: "a Sui private key starts with \(Self.privateKeyPrefix)1")
        }
        try self.init(flaggedPrivateKey: payload)
    }

    /// `flag || 32-byte private key`.
    package var flaggedPrivateKey: [UInt8] { [scheme.rawValue] + secret }

    /// The private key as a Bech32 `suiprivkey1...` string, the form `sui keytool import` accepts.
    /// This is secret: print it only when the user asks for it.
    public var suiPrivateKey: String {
        Bech32.encode(hrp: Self.privateKeyPrefix, payload: flaggedPrivateKey)
    }

    /// The Sui address: Blake2b-256(flag || public key).
    public var address: SuiAddress {
        SuiSignature.address(scheme: scheme, publicKey: publicKey[...])
    }

    /// Signs `message` as a Sui personal message and returns the serialized signature
    /// `flag || signature || public key`, which ``SuiSignature/verifyPersonalMessage(_:serialized:)``
    /// accepts. Ed25519 and Secp256k1 signatures are deterministic; Secp256r1 ones are randomised.
    /// ECDSA signatures are always low-s.
    public func signPersonalMessage(_ message: [UInt8]) throws -> [UInt8] {
        try sign(digest: SuiIntent.personalMessage.digest(message))
    }

    /// Signs a 32-byte intent digest and returns the serialized signature.
    package func sign(digest: [UInt8]) throws -> [UInt8] {
        let signature: [UInt8]
        switch scheme {
        case .ed25519:
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: secret)
            signature = Array(try key.signature(for: digest))
        case .secp256k1:
            guard let raw = Secp256k1.sign(hash: Array(SHA256.hash(data: digest)), secret: secret) else {
                throw SuiClientError(code: .keyMalformed, message: "Secp256k1 signing failed")
            }
            signature = raw
        case .secp256r1:
            let key = try P256.Signing.PrivateKey(rawRepresentation: secret)
            let raw = try key.signature(for: SHA256.hash(data: digest)).rawRepresentation
            signature = Secp256r1.normalized(Array(raw))
        }
        return SuiSignature.serialize(scheme: scheme, signature: signature, publicKey: publicKey)
    }

    /// `SuiKeyPair(<scheme> <address>)`; never the private key.
    public var description: String { "SuiKeyPair(\(scheme) \(address))" }

    /// The same as ``description``; never the private key.
    public var debugDescription: String { description }

    /// Scheme, address and public key only, so `dump` and debuggers never show the private key.
    public var customMirror: Mirror {
        Mirror(self, children: ["scheme": scheme, "address": address, "publicKey": publicKey], displayStyle: .struct)
    }

    /// Equal scheme and public key.
    public static func == (lhs: SuiKeyPair, rhs: SuiKeyPair) -> Bool {
        lhs.scheme == rhs.scheme && lhs.publicKey == rhs.publicKey
    }
}
