import Foundation
import KubeAPI
import Synchronization
import SuiClient
import TEEAttest

/// The master's own `/readyz` checks besides the API server's: the Sui reader reaches the chain,
/// and the attester produces documents.
enum MasterReadiness {
    /// How long a Sui reachability answer is reused, so probes do not become chain traffic.
    static let suiCheckInterval: Duration = .seconds(10)
    /// How long one reachability read may take.
    static let suiCheckTimeout: Duration = .seconds(5)

    /// `sui-reader`: the chain identifier can be read (within 5 s; an answer is reused for 10 s).
    static func suiReader(_ reader: any SuiReader) -> HealthChecks.Check {
        let last = Mutex<(at: ContinuousClock.Instant, failure: String?)?>(nil)
        return HealthChecks.Check(name: "sui-reader") {
            if let cached = last.withLock({ $0 }), ContinuousClock.now - cached.at < suiCheckInterval { return cached.failure }
            let failure: String? = await withTaskGroup(of: String?.self) { group in
                group.addTask {
                    do {
                        _ = try await reader.chainIdentifier()
                        return nil
                    } catch {
                        return "the Sui reader cannot read the chain: \(error)"
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: suiCheckTimeout)
                    return "the Sui reader did not answer within \(suiCheckTimeout)"
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            last.withLock { $0 = (.now, failure) }
            return failure
        }
    }

    /// `attestation`: the attester produces a document binding the serving key.
    static func attestation(_ snapshots: AttestationSnapshots) -> HealthChecks.Check {
        HealthChecks.Check(name: "attestation") {
            snapshots.current() == nil ? "the \(snapshots.attestation.mode) attester does not produce documents" : nil
        }
    }
}
