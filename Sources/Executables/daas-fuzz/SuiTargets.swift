import Foundation
import SuiClient

/// Sui JSON-RPC response decoding: the JSON parser with Sui's limits, then every decoder the
/// reader applies to a result.
struct SuiJSONRPCTarget: FuzzTarget {
    let name = "sui-jsonrpc"
    var dictionary: [[UInt8]] { ["\"jsonrpc\":\"2.0\"", "\"result\":", "\"error\":", "\"data\":", "\"owner\":", "\"AddressOwner\":", "\"Shared\":", "\"principal\":", "\"nextCursor\":", "\"hasNextPage\":"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        let spec = try SuiValue.parse(try FixtureFiles.read("Tests/SuiClientTests/Fixtures/openrpc.json"))
        var seeds: [[UInt8]] = []
        for method in spec["methods"]?.array ?? [] {
            for example in method["examples"]?.array ?? [] {
                if let result = example["result"]?["value"] ?? example["result"] {
                    seeds.append(Array((["jsonrpc": "2.0", "id": 1, "result": result] as SuiValue).jsonText.utf8))
                }
            }
        }
        seeds.append(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad"}}"#.bytes)
        return seeds.filter { $0.count <= 32 << 10 }
    }

    func run(_ input: [UInt8]) async {
        guard let response = try? SuiValue.parse(input, limits: .init(maxBytes: 1 << 20)), let result = try? SuiJSONRPCDecoding.result(response) else { return }
        _ = try? SuiJSONRPCDecoding.objectResponse(result)
        _ = try? SuiJSONRPCDecoding.objectPage(result)
        _ = try? SuiJSONRPCDecoding.eventPage(result)
        if let object = try? SuiJSONRPCDecoding.objectData(result) { _ = try? SuiJSONRPCDecoding.stakedSui(object) }
        for item in result.array ?? [] {
            _ = try? SuiJSONRPCDecoding.objectResponse(item)
            _ = try? SuiJSONRPCDecoding.event(item)
        }
        _ = try? SuiJSONRPCDecoding.uint64(result, "value")
        _ = try? SuiJSONRPCDecoding.owner(result["owner"])
        if let cursor = SuiJSONRPCDecoding.eventCursor(result["nextCursor"]) { _ = try? SuiJSONRPCDecoding.eventID(cursor: cursor) }
    }
}

/// Sui GraphQL response decoding, from Sui's own recorded responses.
struct SuiGraphQLTarget: FuzzTarget {
    let name = "sui-graphql"
    var dictionary: [[UInt8]] { ["\"data\":", "\"errors\":", "\"nodes\":", "\"pageInfo\":", "\"endCursor\":", "\"__typename\":", "\"AddressOwner\"", "\"timestamp\":\"2024-05-01T12:00:00.123Z\""].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        try FixtureFiles.list("Tests/SuiClientTests/Fixtures/graphql/responses", suffix: ".json").map { try FixtureFiles.read($0) }
    }

    func run(_ input: [UInt8]) async {
        guard let response = try? SuiValue.parse(input, limits: .init(maxBytes: 1 << 20)), let data = try? SuiGraphQLDecoding.data(response) else { return }
        for value in data.object?.values.map({ $0 }) ?? [] {
            _ = try? SuiGraphQLDecoding.object(value)
            _ = try? SuiGraphQLDecoding.objectPage(value)
            _ = try? SuiGraphQLDecoding.eventPage(value)
            _ = try? SuiGraphQLDecoding.owner(value["owner"])
            for node in value["nodes"]?.array ?? [] { _ = try? SuiGraphQLDecoding.event(node) }
            if let text = value["timestamp"]?.string { _ = SuiGraphQLDecoding.dateTimeMilliseconds(text) }
        }
    }
}
