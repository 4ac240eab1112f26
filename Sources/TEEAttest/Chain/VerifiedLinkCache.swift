import Crypto
import Synchronization

/// Remembers certificate links (issuer DER, certificate DER) whose signature verified, so that
/// intermediates shared by many documents are checked once. Nitro hosts reuse their three
/// cabundle intermediates for a day or more, so a warm cache leaves two P-384 checks per document
/// (leaf link and COSE) instead of five.
///
/// Only the signature result is cached: it depends on nothing but the two byte strings, which the
/// key (their SHA-256) identifies. Validity times, names and constraints are checked on every call.
/// Entries are evicted first-in first-out beyond ``capacity``. Safe to share between tasks.
public final class VerifiedLinkCache: Sendable {
    /// One issuer/certificate pair, identified by SHA-256 over both DER encodings.
    struct Link: Hashable {
        let digest: SHA256.Digest
        init(issuer: [UInt8], certificate: [UInt8]) {
            var hasher = SHA256()
            hasher.update(data: (0..<4).map { UInt8(truncatingIfNeeded: issuer.count >> (24 - 8 * $0)) })
            hasher.update(data: issuer)
            hasher.update(data: certificate)
            digest = hasher.finalize()
        }
    }

    private struct State {
        var members: Set<Link> = []
        var order: [Link] = []
    }

    /// Most links remembered. Default 1,024.
    public let capacity: Int
    private let state = Mutex(State())

    /// An empty cache holding at most `capacity` links.
    public init(capacity: Int = 1_024) {
        self.capacity = max(1, capacity)
    }

    /// Links currently remembered.
    public var count: Int { state.withLock { $0.members.count } }

    func contains(_ link: Link) -> Bool {
        state.withLock { $0.members.contains(link) }
    }

    func insert(_ link: Link) {
        state.withLock { state in
            guard state.members.insert(link).inserted else { return }
            state.order.append(link)
            if state.order.count > capacity {
                state.members.remove(state.order.removeFirst())
            }
        }
    }
}
