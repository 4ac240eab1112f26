import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SealAuth
import SuiClient
import SuiDevLedger

/// `daas-bench seal`: Seal token verification throughput and latency, against the issue's targets
/// (cached >= 1,000,000/s, uncached >= 10,000/s per core) and the seed's claim of 10,000 tokens/s
/// with a cache.
struct SealBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Seal token verifications/s (cached, uncached per scheme) and cold p50/p99 through the dev ledger.")

    @Option(help: "Cached verifications timed.") var cached = 2_000_000
    @Option(help: "Distinct tokens verified per scheme (uncached: signature + cached stake).") var uncached = 20_000
    @Option(help: "Cold verifications (a dev ledger round trip each) per transport.") var cold = 1_000

    func run() async throws {
        var logger = Logger(label: "daas-bench")
        logger.logLevel = .critical
        let ledger = try SuiDevLedger(stateFile: nil, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = SuiDevLedgerServer(ledger: ledger, configuration: .init(host: "127.0.0.1", port: 0), logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw ValidationError("the dev ledger did not start") }
            try await measure(ledger: ledger, url: "http://127.0.0.1:\(port)", logger: logger)
            group.cancelAll()
        }
    }

    private func measure(ledger: SuiDevLedger, url: String, logger: Logger) async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("workload: Seal v1 tokens (user role, 600 s lifetime, stake looked up by owner) verified by SealVerifier on one task; dev ledger on loopback; cores: \(cores)")
        let clusterID = "bench-cluster"
        let policy = SealPolicy(clusterID: clusterID)
        let reader = try SuiReaders.make(configuration: SuiReaderConfiguration(endpoints: [url]), httpClient: .shared, logger: logger)
        func verifier(_ reader: any SuiReader) -> SealVerifier {
            var configuration = SealVerifierConfiguration(policy: policy)
            configuration.stakeTTL = 3_600
            configuration.cacheCapacity = max(100_000, uncached + cold)
            return SealVerifier(configuration: configuration, reader: reader, logger: logger)
        }
        let now = SealVerifier.unixNow()
        let clock = ContinuousClock()

        // Cached: the same token again and again.
        let key = SuiKeyPair.generate(scheme: .ed25519)
        _ = try await ledger.addStake(owner: key.address, principal: 5_000_000_000)
        let hot = verifier(reader)
        let token = try SealTokenIssuer.issue(keyPair: key, subject: .user("bench"), audience: clusterID, lifetime: 600, now: now).text
        _ = try await hot.verify(token)
        var start = clock.now
        for _ in 0..<cached { _ = try await hot.verify(token) }
        let cachedRate = Double(cached) / seconds(clock.now - start)
        print(String(format: "cached: %d verifications of one token: %.0f/s (target 1,000,000/s: %.2fx; seed's claim 10,000/s: %.1fx)",
                     cached, cachedRate, cachedRate / 1_000_000, cachedRate / 10_000))

        // Uncached: distinct tokens of one staked key, so each costs parsing + signature + a stake-cache hit.
        for scheme in SuiSignatureScheme.allCases {
            let key = SuiKeyPair.generate(scheme: scheme)
            _ = try await ledger.addStake(owner: key.address, principal: 5_000_000_000)
            let tokens = try (0..<uncached).map { _ in
                try SealTokenIssuer.issue(keyPair: key, subject: .user("bench"), audience: clusterID, lifetime: 600, now: now).text
            }
            let warm = verifier(reader)
            _ = try await warm.verify(try SealTokenIssuer.issue(keyPair: key, subject: .user("bench"), audience: clusterID, lifetime: 600, now: now).text)
            start = clock.now
            for text in tokens { _ = try await warm.verify(text) }
            let rate = Double(uncached) / seconds(clock.now - start)
            print(String(format: "uncached %@: %d distinct tokens (signature + cached stake): %.0f/s (target 10,000/s per core: %.2fx)",
                         scheme.description, uncached, rate, rate / 10_000))
        }

        // Cold: a new address each time, so every verification reads its stake from the ledger.
        for transport in SuiReaderConfiguration.Transport.allCases {
            let endpoint = transport == .graphQL ? url + "/graphql" : url
            let coldReader = try SuiReaders.make(configuration: SuiReaderConfiguration(endpoints: [endpoint], transport: transport), httpClient: .shared, logger: logger)
            let coldVerifier = verifier(coldReader)
            var tokens: [String] = []
            for _ in 0..<cold {
                let key = SuiKeyPair.generate(scheme: .ed25519)
                _ = try await ledger.addStake(owner: key.address, principal: 2_000_000_000)
                tokens.append(try SealTokenIssuer.issue(keyPair: key, subject: .user("bench"), audience: clusterID, lifetime: 600, now: now).text)
            }
            var samples: [Double] = []
            for text in tokens {
                let begin = clock.now
                _ = try await coldVerifier.verify(text)
                samples.append(seconds(clock.now - begin) * 1_000_000)
            }
            print(String(format: "cold (%@ to the dev ledger, stake by owner): %d verifications: p50 %.0f us, p99 %.0f us",
                         transport.rawValue, cold, percentile(samples, 0.5), percentile(samples, 0.99)))
        }
    }
}
