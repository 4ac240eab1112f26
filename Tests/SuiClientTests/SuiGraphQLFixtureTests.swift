@testable import SuiClient
import Testing

/// The real Sui GraphQL responses in Fixtures/graphql/responses through the GraphQL decoders.
@Suite("GraphQL decoders on the real responses")
struct SuiGraphQLFixtureTests {
    static let owner = "0xfccc9a421bbb13c1a66a1aa98f0ad75029ede94857779c6915b44f94068b921e"

    @Test("chainIdentifier and the latest checkpoint")
    func chainAndCheckpoint() throws {
        let chain = try SuiGraphQLDecoding.data(try SuiFixtures.json("graphql/responses/chain_identifier.task1.json"))
        #expect(chain["chainIdentifier"] == "a6a639f2")
        let checkpoint = try SuiGraphQLDecoding.data(try SuiFixtures.json("graphql/responses/checkpoints_latest.task3.json"))
        #expect(try SuiGraphQLDecoding.uint53(checkpoint["checkpoint"]?["sequenceNumber"], "sequenceNumber") == 1)
    }

    @Test("all five Owner variants by __typename")
    func owners() throws {
        let data = try SuiGraphQLDecoding.data(try SuiFixtures.json("graphql/responses/objects_owner.task9.json"))
        #expect(try SuiGraphQLDecoding.owner(data["addressOwned"]?["owner"]) == .address(address(Self.owner)))
        #expect(
            try SuiGraphQLDecoding.owner(data["objectOwned"]?["owner"])
                == .object(address("0xbd7430e5f9dab0031bb607fdc355a093638684fdf1e983f68784347d65bf5196")))
        #expect(try SuiGraphQLDecoding.owner(data["shared"]?["owner"]) == .shared(initialVersion: 4))
        #expect(try SuiGraphQLDecoding.owner(data["immutable"]?["owner"]) == .immutable)
        #expect(try SuiGraphQLDecoding.owner(data["partyOwned"]?["owner"]) == .consensusAddress(address(Self.owner), startVersion: 6))
    }

    @Test("asMoveObject contents: type repr and json with a u64 string")
    func moveObject() throws {
        let data = try SuiGraphQLDecoding.data(try SuiFixtures.json("graphql/responses/objects_as_move_object.task3.json"))
        // The fixture selects no address/owner; add them to exercise the whole object decoder.
        guard case .object(var object)? = data["object"] else { throw SuiClientError(code: .responseMalformed, message: "no object") }
        object["address"] = "0xb0d826786ad374b9e6e79da4a2d6c8d5f23c413aeb76fa0b07e5636d173a4a8f"
        object["version"] = 3
        object["digest"] = "x"
        object["owner"] = ["__typename": "Immutable"]
        let decoded = try #require(try SuiGraphQLDecoding.object(.object(object)))
        #expect(decoded.type == "0x0000000000000000000000000000000000000000000000000000000000000002::coin::Coin<0x0000000000000000000000000000000000000000000000000000000000000002::sui::SUI>")
        #expect(decoded.contents?["balance"]?.uint64 == 299_999_998_012_000)
        #expect(decoded.contents?["id"]?.string == decoded.id.description)
    }

    @Test("address.objects pages: nodes and pageInfo")
    func addressObjects() throws {
        let data = try SuiGraphQLDecoding.data(try SuiFixtures.json("graphql/responses/addressable_objects.task14.json"))
        let all = try #require(data["all"]?["objects"])
        #expect(try SuiGraphQLDecoding.nextCursor(all) == nil)
        let nodes = try #require(all["nodes"]?.array)
        #expect(nodes.count == 9)
        #expect(try SuiJSONRPCDecoding.address(nodes[0]["address"], "address") == address("0x1dff7845e8b1d28e0310597dc3066b125fb0cc8e2f03ac4b5b67b161243e905d"))
        #expect(try SuiGraphQLDecoding.uint53(nodes[0]["version"], "version") == 10)
        #expect(data["bags"]?["objects"]?["nodes"]?.array?.count == 2)
    }

    @Test("events filtered by type: type repr, sender and transaction digest")
    func eventsByType() throws {
        let data = try SuiGraphQLDecoding.data(try SuiFixtures.json("graphql/responses/events_filter_type.task11.json"))
        let nodes = try #require(data["allEvents"]?["nodes"]?.array)
        let events = try nodes.map(SuiGraphQLDecoding.event)
        #expect(events.count == nodes.count)
        #expect(events[0].eventSequence == 0)
        #expect(events[0].transactionDigest == "893a5xUy8yqoQEqnYScZfMcxa17T5PV8UbYD7KgvYZGo")
        #expect(events[0].sender == address(Self.owner))
        #expect(events[0].type.hasSuffix("::M1::EventA<0x12b1e4878608d4abc3bbefd543beccd4699946c4c7aae266601506f51254e829::M1::T1>"))
    }

    @Test("event pages: opaque cursors, sequence numbers, DateTime timestamps")
    func eventsPaginate() throws {
        let data = try SuiGraphQLDecoding.data(try SuiFixtures.json("graphql/responses/events_paginate.task7.json"))
        let connection = try #require(data["allEvents"])
        #expect(try SuiGraphQLDecoding.nextCursor(connection) == nil)
        #expect(connection["pageInfo"]?["endCursor"] == "eyJ0Ijo0LCJlIjo5fQ==")
        let nodes = try #require(connection["nodes"]?.array)
        #expect(try SuiGraphQLDecoding.uint53(nodes[2]["sequenceNumber"], "sequenceNumber") == 1)
        #expect(nodes[0]["timestamp"]?.string.flatMap(SuiGraphQLDecoding.dateTimeMilliseconds) == 0)
        #expect(nodes[0]["transaction"]?["digest"] == "DhaVK5GB4BbpNomsmGoyAkoVaSUgFvdLP1x9r4XYXvjd")
    }

    @Test("DateTime parsing")
    func dateTimes() {
        #expect(SuiGraphQLDecoding.dateTimeMilliseconds("1970-01-01T00:00:00Z") == 0)
        #expect(SuiGraphQLDecoding.dateTimeMilliseconds("2024-05-01T12:00:00.123Z") == 1_714_564_800_123)
        #expect(SuiGraphQLDecoding.dateTimeMilliseconds("2024-05-01T12:00:00+02:00") == nil)
    }

    @Test("errors[] is graphql.error with the first message")
    func errors() {
        do {
            _ = try SuiGraphQLDecoding.data(["data": nil, "errors": [["message": "first"], ["message": "second"]]])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .graphQLError)
            #expect(error.message == "first")
        }
    }
}
