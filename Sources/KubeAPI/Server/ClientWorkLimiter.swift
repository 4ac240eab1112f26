import Synchronization

/// Bounds the token verifications in flight per client address, so one client flooding the
/// server with junk or fresh-key tokens (each of which may cost a signature check and a chain
/// read) cannot take every slot: beyond the bound it gets 429 at once, other clients are served.
final class ClientWorkLimiter: Sendable {
    private let perClient: Int
    private let inFlight = Mutex<[String: Int]>([:])

    init(perClient: Int) { self.perClient = perClient }

    /// Takes a slot for `client`; false when it already holds all of its own.
    func acquire(_ client: String) -> Bool {
        inFlight.withLock { counts in
            let current = counts[client, default: 0]
            guard current < perClient else { return false }
            counts[client] = current + 1
            return true
        }
    }

    /// Gives a slot back.
    func release(_ client: String) {
        inFlight.withLock { counts in
            let current = counts[client, default: 1] - 1
            counts[client] = current > 0 ? current : nil
        }
    }
}
