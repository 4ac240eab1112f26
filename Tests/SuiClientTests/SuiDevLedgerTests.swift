import Foundation
import SuiClient
import SuiDevLedger
import Testing

@Suite("Dev ledger")
struct SuiDevLedgerTests {
    static let owner = address("0x0000000000000000000000000000000000000000000000000000000000000a11")

    @Test("state persists across restart in a 0600 file")
    func persistence() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.json").path
        let first = try SuiDevLedger(stateFile: path)
        let stake = try await first.addStake(owner: Self.owner, principal: 42)
        let removed = try await first.addStake(owner: Self.owner, principal: 7)
        try await first.withdrawStake(id: removed.id)
        try await first.tick()
        let identifier = await first.chainIdentifier
        let checkpoint = await first.latestCheckpoint
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let second = try SuiDevLedger(stateFile: path)
        #expect(await second.chainIdentifier == identifier)
        #expect(await second.latestCheckpoint == checkpoint)
        #expect(await second.stakes(owner: Self.owner) == [stake])
        #expect(await second.stake(id: removed.id) == nil)
        try await withDevLedger(second) { port in
            let page = try await reader(.jsonRPC, port: port).events(type: "0x3::validator", cursor: nil, limit: 50)
            #expect(page.items.map(\.type) == [SuiDevLedger.stakingRequestEventType, SuiDevLedger.stakingRequestEventType, SuiDevLedger.unstakingRequestEventType])
        }
    }

    @Test("a corrupt state file is an error, not a fresh ledger")
    func corruptState() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SuiClientError.self) { try SuiDevLedger(stateFile: path) }
    }

    @Test("withdrawing an unknown stake and zero principals are rejected")
    func invalidWrites() async throws {
        let ledger = try SuiDevLedger(stateFile: nil)
        await #expect(throws: SuiClientError.self) { try await ledger.withdrawStake(id: address("0x5")) }
        await #expect(throws: SuiClientError.self) { try await ledger.addStake(owner: Self.owner, principal: 0) }
    }

    @Test("type matching: short and long addresses, generics, module prefixes")
    func typeMatching() {
        #expect(SuiDevLedger.typeMatches("0x3::staking_pool::StakedSui", filter: "0x0000000000000000000000000000000000000000000000000000000000000003::staking_pool::StakedSui"))
        #expect(SuiDevLedger.typeMatches("0x2::coin::Coin<0x2::sui::SUI>", filter: "0x2::coin::Coin"))
        #expect(SuiDevLedger.typeMatches("0x3::validator::StakingRequestEvent", filter: "0x3::validator"))
        #expect(!SuiDevLedger.typeMatches("0x3::validator::StakingRequestEvent", filter: "0x3::valid"))
        #expect(SuiDevLedger.shortType(SuiDevLedger.normalizedType("0x2::coin::Coin<0x2::sui::SUI>")) == "0x2::coin::Coin<0x2::sui::SUI>")
    }
}

@Suite("Dev ledger JSON-RPC and GraphQL protocol")
struct SuiDevLedgerProtocolTests {
    @Test("JSON-RPC error codes for bad requests")
    func jsonRPCErrors() async throws {
        let ledger = try SuiDevLedger(stateFile: nil)
        try await withDevLedger(ledger) { port in
            let url = "http://127.0.0.1:\(port)/"
            func code(_ body: String) async throws -> Int? {
                let (status, json) = try await post(url, body)
                #expect(status == 200)
                return (json?["error"]?["code"]).flatMap { Int($0.jsonText) }
            }
            #expect(try await code("{nope") == -32700)
            #expect(try await code(#"{"jsonrpc":"2.0","id":1,"method":"sui_nope","params":[]}"#) == -32601)
            #expect(try await code(#"{"jsonrpc":"2.0","id":1,"method":"sui_getObject","params":["not-an-id"]}"#) == -32602)
            #expect(try await code(#"{"jsonrpc":"2.0","id":1,"method":"sui_getObject","params":["0x1",{},3]}"#) == -32602)
            #expect(try await code(#"{"jsonrpc":"2.0","id":1,"method":"daas_dev_addStake","params":["0x1","-5"]}"#) == -32001, "no secret configured: nobody mints")
            #expect(try await code(#"{"id":1,"method":"sui_getChainIdentifier"}"#) == -32600)

            let (_, ok) = try await post(url, #"{"jsonrpc":"2.0","id":"abc","method":"sui_getChainIdentifier"}"#)
            #expect(ok?["jsonrpc"] == "2.0")
            #expect(ok?["id"] == "abc")
            #expect(ok?["result"]?.string == (await ledger.chainIdentifier))

            // Named params, as Sui accepts them; a missing object is Sui's notExists error object.
            let (_, missing) = try await post(url, #"{"jsonrpc":"2.0","id":2,"method":"sui_getObject","params":{"object_id":"0x77"}}"#)
            #expect(missing?["result"]?["error"]?["code"] == "notExists")

            let (tooLarge, _) = try await post(url, "[" + String(repeating: "1,", count: 600_000) + "1]")
            #expect(tooLarge == 413)
        }
    }

    @Test("stake minting needs the admin secret (constant-time compared); reads stay open")
    func adminSecret() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-secret-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secret = try SuiDevLedgerSecret.loadOrCreate(path: directory + "/secret")
        #expect(try SuiDevLedgerSecret.loadOrCreate(path: directory + "/secret") == secret, "created once, then reused")
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/secret")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        chmod(directory + "/secret", 0o644)
        #expect(throws: SuiClientError.self) { try SuiDevLedgerSecret.load(path: directory + "/secret") }
        let ledger = try SuiDevLedger(stateFile: nil)
        try await withDevLedger(ledger, secret: secret) { port in
            let url = "http://127.0.0.1:\(port)/"
            let mint = #"{"jsonrpc":"2.0","id":1,"method":"daas_dev_addStake","params":["0x1","5"]}"#
            for header in [nil, "Bearer " + String(repeating: "0", count: 64), "Bearer " + secret.text.dropLast() + "\u{301}", secret.text, "Bearer"] {
                let (_, json) = try await post(url, mint, authorization: header)
                #expect(json?["error"]?["code"]?.jsonText == "-32001", "\(String(describing: header))")
            }
            let (_, minted) = try await post(url, mint, authorization: secret.authorizationHeader)
            #expect(minted?["result"]?.string != nil)
            let (_, read) = try await post(url, #"{"jsonrpc":"2.0","id":2,"method":"suix_getStakes","params":["0x1"]}"#)
            #expect(read?["result"]?.array?.count == 1, "reads need no secret")
            let client = try SuiDevLedgerClient(url: url, secret: secret, httpClient: testHTTPClient, logger: quietLogger)
            _ = try await client.addStake(owner: address("0x2"), principal: 7)
            let anonymous = try SuiDevLedgerClient(url: url, httpClient: testHTTPClient, logger: quietLogger)
            await #expect(throws: SuiClientError.self) { _ = try await anonymous.addStake(owner: address("0x2"), principal: 7) }
        }
    }

    @Test("suix_getStakes answers the DelegatedStake shape")
    func delegatedStakes() async throws {
        let ledger = try SuiDevLedger(stateFile: nil)
        let owner = address("0xabc")
        let stake = try await ledger.addStake(owner: owner, principal: 123)
        try await withDevLedger(ledger) { port in
            let (_, json) = try await post("http://127.0.0.1:\(port)/", #"{"jsonrpc":"2.0","id":1,"method":"suix_getStakes","params":["\#(owner)"]}"#)
            let pool = try #require(json?["result"]?.array?.first)
            #expect(pool["stakingPool"]?.string == stake.poolId.description)
            #expect(pool["stakes"]?.array?.first?["principal"] == "123")
            #expect(pool["stakes"]?.array?.first?["stakedSuiId"]?.string == stake.id.description)
        }
    }

    @Test("unknown GraphQL documents get errors[]")
    func graphQLUnknownDocument() async throws {
        let ledger = try SuiDevLedger(stateFile: nil)
        try await withDevLedger(ledger) { port in
            let (status, json) = try await post("http://127.0.0.1:\(port)/graphql", #"{"query":"query { epoch { referenceGasPrice } }"}"#)
            #expect(status == 200)
            #expect(json?["errors"]?.array?.first?["message"]?.string?.isEmpty == false)
            #expect(json?["data"] == nil)
        }
    }
}
