@testable import SuiClient
import Testing

/// Every relevant `examples[0].result` of Sui's OpenRPC spec through the JSON-RPC decoders.
@Suite("JSON-RPC decoders on the OpenRPC examples")
struct SuiJSONRPCFixtureTests {
    @Test("sui_getChainIdentifier and sui_getLatestCheckpointSequenceNumber")
    func chainAndCheckpoint() throws {
        #expect(try SuiFixtures.openRPCExample("sui_getChainIdentifier").result == "4c78adac")
        let checkpoint = try SuiFixtures.openRPCExample("sui_getLatestCheckpointSequenceNumber").result
        #expect(try SuiJSONRPCDecoding.uint64(checkpoint, "checkpoint") == 507_021)
    }

    @Test("sui_getObject: a Coin<SUI> with owner and content.fields")
    func getObject() throws {
        let example = try SuiFixtures.openRPCExample("sui_getObject")
        let object = try #require(try SuiJSONRPCDecoding.objectResponse(example.result))
        #expect(object.id == address("0x53e4567ccafa5f36ce84c80aa8bc9be64e0d5ae796884274aef3005ae6733809"))
        #expect(object.version == 1)
        #expect(object.digest == "33K5ZXJ3RyubvYaHuEnQ1QXmmbhgtrFwp199dnEbL4n7")
        #expect(object.type == "0x2::coin::Coin<0x2::sui::SUI>")
        #expect(object.owner == .address(address("0xc8ec1d5b84dd6289e193b9f88de4a994358c9f856135236c3e75a925e1c77ac3")))
        #expect(object.contents?["balance"]?.uint64 == 100_000_000)
        #expect(object.contents?["id"]?["id"]?.string == object.id.description)
    }

    @Test("sui_multiGetObjects: five objects in order")
    func multiGetObjects() throws {
        let example = try SuiFixtures.openRPCExample("sui_multiGetObjects")
        let entries = try #require(example.result.array)
        let objects = try entries.map { try SuiJSONRPCDecoding.objectResponse($0) }
        let ids = try #require(example.params["object_ids"]?.array)
        #expect(objects.count == 5)
        #expect(objects.map { $0?.id.description } == ids.map(\.string))
        #expect(objects.allSatisfy { $0?.contents?["balance"]?.uint64 == 100_000_000 })
    }

    @Test("suix_getOwnedObjects: a page with a next cursor")
    func ownedObjects() throws {
        let example = try SuiFixtures.openRPCExample("suix_getOwnedObjects")
        let page = try SuiJSONRPCDecoding.objectPage(example.result)
        #expect(page.items.count == 3)
        #expect(page.nextCursor == "0xe26860fac6839ce2d7ed7e6f29d276a1b4c23f2d9a9b6f0d8b2c17beace292b7")
        #expect(page.items[0].id == address("0x0b37a91692359a98496738a58c17a9334aeacc435c70ab9635e47a277d8f8dd9"))
        #expect(page.items[0].version == 13_488)
        #expect(page.items[0].contents == nil)
        #expect(page.items.allSatisfy { $0.owner == .address(address("0xdbc9abc01a87906b033a75750e741edb2df5ea5d55c96a611371d22799d26827")) })
    }

    @Test("suix_queryEvents: events, ids and a last page")
    func queryEvents() throws {
        let example = try SuiFixtures.openRPCExample("suix_queryEvents")
        let page = try SuiJSONRPCDecoding.eventPage(example.result)
        #expect(page.items.count == 4)
        #expect(page.nextCursor == nil)
        #expect(page.items[0].transactionDigest == "FFwCMgC7FHBLEwfL9JeSeR2EhMAZMykUPVW1kE3HgTMe")
        #expect(page.items[0].eventSequence == 1)
        #expect(page.items[0].type == "0x3::test::Test<0x3::test::Test>")
        #expect(page.items[0].sender == address("0xcceee09f44d558691334ec0aff47af033f57162a2f33056e2585e2c46863ac02"))
        #expect(page.items[0].contents == "some_value")
        // The example's request cursor round-trips through the reader's cursor form.
        let cursor = try #require(SuiJSONRPCDecoding.eventCursor(example.params["cursor"]))
        #expect(cursor == "Eg3ynETJfTfPKyvJzq3VLG6MngURYHPMjjUJ3Xt1t7tf:1")
        #expect(try SuiJSONRPCDecoding.eventID(cursor: cursor) == example.params["cursor"])
    }

    @Test("suix_getStakes: the DelegatedStake shape's u64 strings")
    func getStakes() throws {
        let result = try SuiFixtures.openRPCExample("suix_getStakes").result
        let first = try #require(result.array?.first?["stakes"]?.array?.first)
        #expect(first["principal"]?.uint64 == 200_000_000_000)
        #expect(first["stakeActiveEpoch"]?.uint64 == 63)
    }

    @Test("every Owner variant of the spec")
    func owners() throws {
        let a = "0xc8ec1d5b84dd6289e193b9f88de4a994358c9f856135236c3e75a925e1c77ac3"
        #expect(try SuiJSONRPCDecoding.owner(["AddressOwner": .string(a)]) == .address(address(a)))
        #expect(try SuiJSONRPCDecoding.owner(["ObjectOwner": .string(a)]) == .object(address(a)))
        #expect(try SuiJSONRPCDecoding.owner(["Shared": ["initial_shared_version": "7"]]) == .shared(initialVersion: 7))
        #expect(try SuiJSONRPCDecoding.owner(["Shared": ["initial_shared_version": 7]]) == .shared(initialVersion: 7))
        #expect(try SuiJSONRPCDecoding.owner("Immutable") == .immutable)
        #expect(
            try SuiJSONRPCDecoding.owner(["ConsensusAddressOwner": ["owner": .string(a), "start_version": "9"]])
                == .consensusAddress(address(a), startVersion: 9))
        #expect(throws: SuiClientError.self) { try SuiJSONRPCDecoding.owner(["Party": "x"]) }
    }

    @Test("object errors: notExists and deleted are nil, others are errors")
    func objectErrors() throws {
        #expect(try SuiJSONRPCDecoding.objectResponse(["error": ["code": "notExists", "object_id": "0x1"]]) == nil)
        #expect(try SuiJSONRPCDecoding.objectResponse(["error": ["code": "deleted", "object_id": "0x1", "version": "2", "digest": "x"]]) == nil)
        #expect(throws: SuiClientError.self) { try SuiJSONRPCDecoding.objectResponse(["error": ["code": "unknown"]]) }
    }

    @Test("a JSON-RPC error response is rpc.error with Sui's code")
    func rpcError() {
        do {
            _ = try SuiJSONRPCDecoding.result(["jsonrpc": "2.0", "id": 1, "error": ["code": -32602, "message": "Invalid params"]])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .rpcError)
            #expect(error.rpcCode == -32602)
            #expect(error.message == "Invalid params")
        }
    }
}
