/// The signature schemes of Sui, with the flag byte that prefixes serialized signatures and
/// public keys when deriving addresses.
public enum SuiSignatureScheme: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Ed25519 (flag 0x00).
    case ed25519 = 0x00
    /// ECDSA over secp256k1 with SHA-256 (flag 0x01).
    case secp256k1 = 0x01
    /// ECDSA over secp256r1 / P-256 with SHA-256 (flag 0x02).
    case secp256r1 = 0x02

    /// The name the Sui CLI uses: `ed25519`, `secp256k1`, `secp256r1`.
    public var description: String {
        switch self {
        case .ed25519: "ed25519"
        case .secp256k1: "secp256k1"
        case .secp256r1: "secp256r1"
        }
    }
}
