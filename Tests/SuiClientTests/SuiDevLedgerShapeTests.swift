import SuiClient
import SuiDevLedger
import Testing

/// The dev ledger's answers use only the member names Sui's own answers use.
@Suite("Dev ledger response shapes match Sui's")
struct SuiDevLedgerShapeTests {
    static func keys(_ value: SuiValue?) -> Set<String> { Set(value?.object?.keys ?? [:].keys) }

    static func rpc(_ port: Int, _ method: String, _ params: String) async throws -> SuiValue {
        let (_, json) = try await post("http://127.0.0.1:\(port)/", #"{"jsonrpc":"2.0","id":7,"method":"\#(method)","params":\#(params)}"#)
        let response = try #require(json)
        #expect(Self.keys(response) == ["jsonrpc", "id", "result"])
        return try #require(response["result"])
    }

    @Test("JSON-RPC objects, pages and events against the OpenRPC examples")
    func jsonRPC() async throws {
        let ledger = try SuiDevLedger(stateFile: nil)
        let owner = address("0xabc")
        let stake = try await ledger.addStake(owner: owner, principal: 9)
        let objectExample = try SuiFixtures.openRPCExample("sui_getObject").result
        let pageExample = try SuiFixtures.openRPCExample("suix_getOwnedObjects").result
        let eventsExample = try SuiFixtures.openRPCExample("suix_queryEvents").result
        let stakesExample = try SuiFixtures.openRPCExample("suix_getStakes").result
        try await withDevLedger(ledger) { port in
            let options = #"{"showType":true,"showOwner":true,"showContent":true}"#
            let object = try await Self.rpc(port, "sui_getObject", #"["\#(stake.id)",\#(options)]"#)
            #expect(Self.keys(object) == Self.keys(objectExample))
            #expect(Self.keys(object["data"]).isSubset(of: Self.keys(objectExample["data"])))
            #expect(Self.keys(object["data"]?["content"]) == Self.keys(objectExample["data"]?["content"]))
            #expect(object["data"]?["content"]?["fields"]?["id"]?["id"]?.string == stake.id.description)

            let page = try await Self.rpc(port, "suix_getOwnedObjects", #"["\#(owner)",{"options":\#(options)},null,1]"#)
            #expect(Self.keys(page) == Self.keys(pageExample))

            let events = try await Self.rpc(port, "suix_queryEvents", #"[{"MoveEventType":"0x3::validator::StakingRequestEvent"},null,10,false]"#)
            #expect(Self.keys(events) == Self.keys(eventsExample))
            let event = try #require(events["data"]?.array?.first)
            let exampleEvent = try #require(eventsExample["data"]?.array?.first)
            #expect(Self.keys(event) == Self.keys(exampleEvent).union(["timestampMs"]))
            #expect(Self.keys(event["id"]) == Self.keys(exampleEvent["id"]))
            #expect(Self.keys(event["parsedJson"]) == ["pool_id", "validator_address", "staker_address", "epoch", "amount"])

            let stakes = try await Self.rpc(port, "suix_getStakes", #"["\#(owner)"]"#)
            let pool = try #require(stakes.array?.first)
            let examplePool = try #require(stakesExample.array?.first)
            #expect(Self.keys(pool) == Self.keys(examplePool))
            let stakeKeys = Self.keys(pool["stakes"]?.array?.first)
            let exampleStakeKeys = Self.keys(examplePool["stakes"]?.array?.first)
            #expect(!stakeKeys.isEmpty && stakeKeys.isSubset(of: exampleStakeKeys))
        }
    }

    @Test("GraphQL owner union, object contents and event nodes against the real responses")
    func graphQL() async throws {
        let ledger = try SuiDevLedger(stateFile: nil)
        let stake = try await ledger.addStake(owner: address("0xabc"), principal: 9)
        let owners = try SuiFixtures.json("graphql/responses/objects_owner.task9.json")
        let moveObject = try SuiFixtures.json("graphql/responses/objects_as_move_object.task3.json")
        let filtered = try SuiFixtures.json("graphql/responses/events_filter_type.task11.json")
        let paged = try SuiFixtures.json("graphql/responses/events_paginate.task7.json")
        try await withDevLedger(ledger) { port in
            let query = SuiValue.string(SuiGraphQLQueries.object)
            let body: SuiValue = ["query": query, "variables": ["address": .string(stake.id.description)]]
            let (_, json) = try await post("http://127.0.0.1:\(port)/graphql", body.jsonText)
            let object = try #require(json?["data"]?["object"])
            #expect(object["owner"]?["__typename"] == "AddressOwner")
            #expect(Self.keys(object["owner"]) == Self.keys(owners["data"]?["addressOwned"]?["owner"]))
            #expect(Self.keys(object["asMoveObject"]?["contents"]) == Self.keys(moveObject["data"]?["object"]?["asMoveObject"]?["contents"]))
            #expect(object["asMoveObject"]?["contents"]?["type"]?["repr"]?.string?.hasPrefix("0x0000000000000000000000000000000000000000000000000000000000000003::") == true)

            let events: SuiValue = ["query": .string(SuiGraphQLQueries.events), "variables": ["type": "0x3::validator", "first": 5]]
            let (_, eventJSON) = try await post("http://127.0.0.1:\(port)/graphql", events.jsonText)
            let connection = try #require(eventJSON?["data"]?["events"])
            #expect(Self.keys(connection["pageInfo"]).isSubset(of: Self.keys(paged["data"]?["allEvents"]?["pageInfo"])))
            let node = try #require(connection["nodes"]?.array?.first)
            let realKeys = Self.keys(filtered["data"]?["allEvents"]?["nodes"]?.array?.first)
                .union(Self.keys(paged["data"]?["allEvents"]?["nodes"]?.array?.first)).union(["contents"])
            #expect(Self.keys(node).isSubset(of: realKeys))
            #expect(node["timestamp"]?.string.flatMap(SuiGraphQLDecoding.dateTimeMilliseconds) != nil)
        }
    }
}
