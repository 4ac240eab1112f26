internal import CSodium

/// Blake2b-256 (unkeyed, 32-byte output) through libsodium's `crypto_generichash`: Sui's hash for
/// intent-message digests and addresses.
package enum Blake2b {
    /// Whether `sodium_init` succeeded; evaluated once, thread-safely, on first use.
    static let ready: Bool = sodium_init() >= 0

    /// Blake2b-256 of everything `feed` passes to its `update` callback, in order.
    ///
    /// The hash state lives on the stack (64-byte aligned, as libsodium asks), so hashing several
    /// pieces costs no concatenation.
    package static func hash256(_ feed: (_ update: (UnsafeRawBufferPointer) -> Void) -> Void) -> [UInt8] {
        precondition(ready, "libsodium failed to initialise")
        return withUnsafeTemporaryAllocation(byteCount: crypto_generichash_statebytes(), alignment: 64) { raw in
            let state = raw.baseAddress!
            _ = csodium_generichash_init(state, 32)
            feed { piece in
                _ = csodium_generichash_update(state, piece.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(piece.count))
            }
            return [UInt8](unsafeUninitializedCapacity: 32) { out, count in
                _ = csodium_generichash_final(state, out.baseAddress!, 32)
                count = 32
            }
        }
    }

    /// Blake2b-256 of `bytes`.
    package static func hash256(_ bytes: [UInt8]) -> [UInt8] {
        hash256 { update in bytes.withUnsafeBytes(update) }
    }

    /// Blake2b-256 of `first || second`.
    package static func hash256(_ first: [UInt8], _ second: [UInt8]) -> [UInt8] {
        hash256 { update in
            first.withUnsafeBytes(update)
            second.withUnsafeBytes(update)
        }
    }
}
