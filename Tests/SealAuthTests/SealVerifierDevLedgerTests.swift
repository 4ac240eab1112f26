import AsyncHTTPClient
import Logging
import SuiClient
import SuiDevLedger
import Testing

@testable import SealAuth

/// The verifier against the real test double: the dev ledger over HTTP, both transports.
@Suite("Seal verification against the dev ledger")
struct SealVerifierDevLedgerTests {
    @Test("stake added and withdrawn on the ledger decides the verdict; a stopped ledger fails closed", arguments: SuiReaderConfiguration.Transport.allCases)
    func ledger(_ transport: SuiReaderConfiguration.Transport) async throws {
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let ledger = try SuiDevLedger(stateFile: nil)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Task {
            try await SuiDevLedgerServer(ledger: ledger, configuration: .init(host: "127.0.0.1", port: 0), logger: logger) { port in
                continuation.yield(port)
                continuation.finish()
            }.run()
        }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let url = "http://127.0.0.1:\(port)" + (transport == .graphQL ? "/graphql" : "")
        let configuration = SuiReaderConfiguration(endpoints: [url], transport: transport, requestTimeout: .seconds(60), retries: 0)
        let client = SuiReaders.makeHTTPClient(configuration: configuration)
        let reader = try SuiReaders.make(configuration: configuration, httpClient: client, logger: logger)
        let clock = TestClock()
        let verifier = SealVerifier(
            configuration: SealVerifierConfiguration(policy: SealPolicy(clusterID: "c")), reader: reader, logger: logger, clock: clock.read)
        let key = SuiKeyPair.generate(scheme: .secp256r1)
        func token(stake: [SuiAddress] = []) throws -> String {
            try SealTokenIssuer.issue(keyPair: key, subject: .user("u"), audience: "c", lifetime: 600, stake: stake, now: clock.read()).text
        }
        func refusal(_ text: String) async -> SealAuthError.Code? {
            do {
                _ = try await verifier.verify(text)
                return nil
            } catch {
                return (error as? SealAuthError)?.code ?? SealAuthError.Code(rawValue: "\(error)")
            }
        }

        #expect(await refusal(try token()) == .stakeBelowMinimum)
        let stake = try await ledger.addStake(owner: key.address, principal: 1_500_000_000)
        let listed = try token(stake: [stake.id])
        #expect(await refusal(listed) == nil, "the listed object is read by id")
        clock.advance(6)
        let byOwner = try token()
        #expect(await refusal(byOwner) == nil, "all StakedSui the owner holds")
        _ = try await ledger.withdrawStake(id: stake.id)
        clock.advance(31)
        #expect(await refusal(byOwner) == .stakeBelowMinimum)
        #expect(await refusal(listed) == .stakeObjectInvalid, "a withdrawn object no longer exists")

        let second = try await ledger.addStake(owner: key.address, principal: 1_500_000_000)
        clock.advance(6)
        #expect(await refusal(byOwner) == nil)
        server.cancel()
        _ = try? await server.value
        #expect(await refusal(byOwner) == nil, "the cached verdict outlives the ledger until its TTL")
        #expect(await refusal(try token(stake: [second.id])) == .chainUnavailable, "a stake reading not cached yet")
        clock.advance(31)
        #expect(await refusal(byOwner) == .chainUnavailable)
        try await client.shutdown()
    }
}
