import Synchronization

/// Plaintexts of recently read or written values, so hot reads skip AES-GCM.
///
/// An entry is keyed by key path and is used only while the stored record still carries the same
/// modRevision and the same envelope nonce, which every seal draws afresh. A replaced, deleted or
/// re-sealed value therefore never matches, and a cached plaintext is always one this process
/// authenticated (or sealed) itself. The cache lives only in process memory, which the TEE
/// protects; a new process starts empty, so stored ciphertext is authenticated again on first read.
/// When over its byte budget it drops arbitrary entries until it is at three quarters of it.
final class ValueCache: Sendable {
    private struct Entry {
        var modRevision: Int64
        var nonce: Nonce
        var value: [UInt8]
    }

    /// The 96-bit nonce of an envelope.
    struct Nonce: Equatable {
        var high: UInt64
        var low: UInt32

        init?(envelope: UnsafeRawBufferPointer) {
            guard envelope.count >= Sealer.overhead else { return nil }
            high = envelope.loadUnaligned(fromByteOffset: 9, as: UInt64.self)
            low = envelope.loadUnaligned(fromByteOffset: 17, as: UInt32.self)
        }
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    /// A cache holding at most about `capacity` bytes of keys and values; 0 disables it.
    init(capacity: Int) { self.capacity = capacity }

    func lookup(_ key: String, modRevision: Int64, nonce: Nonce) -> [UInt8]? {
        guard capacity > 0 else { return nil }
        return state.withLock { state in
            guard let entry = state.entries[key], entry.modRevision == modRevision, entry.nonce == nonce else { return nil }
            return entry.value
        }
    }

    func insert(_ key: String, modRevision: Int64, nonce: Nonce, value: [UInt8]) {
        let size = key.utf8.count + value.count + 64
        guard capacity > 0, size <= capacity / 4 else { return }
        state.withLock { state in
            if let old = state.entries.updateValue(Entry(modRevision: modRevision, nonce: nonce, value: value), forKey: key) {
                state.bytes -= key.utf8.count + old.value.count + 64
            }
            state.bytes += size
            guard state.bytes > capacity else { return }
            while state.bytes > capacity * 3 / 4, let victim = state.entries.first {
                state.entries.remove(at: state.entries.startIndex)
                state.bytes -= victim.key.utf8.count + victim.value.value.count + 64
            }
        }
    }
}
