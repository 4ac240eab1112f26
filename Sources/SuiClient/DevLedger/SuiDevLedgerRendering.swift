import Foundation
import SuiClient

/// Sui's JSON-RPC and GraphQL renderings of the ledger's objects and events.
enum SuiDevLedgerRendering {
    static let stakedSuiType = StakedSui.moveType

    // MARK: JSON-RPC

    /// `StakedSui` fields as `content.fields` (UID as `{"id":..}`, u64 as strings).
    static func jsonRPCFields(_ stake: SuiDevLedgerState.Stake) -> SuiValue {
        [
            "id": ["id": .string(stake.id.description)], "pool_id": .string(stake.poolId.description),
            "stake_activation_epoch": .string(String(stake.stakeActivationEpoch)), "principal": .string(String(stake.principal)),
        ]
    }

    /// An `ObjectData` honouring `showType`, `showOwner` and `showContent`.
    static func jsonRPCObject(_ stake: SuiDevLedgerState.Stake, options: SuiValue?) -> SuiValue {
        var data: [String: SuiValue] = [
            "objectId": .string(stake.id.description), "version": .string(String(stake.version)), "digest": .string(stake.digest),
        ]
        if options?["showType"]?.bool == true { data["type"] = .string(stakedSuiType) }
        if options?["showOwner"]?.bool == true { data["owner"] = ["AddressOwner": .string(stake.owner.description)] }
        if options?["showContent"]?.bool == true {
            data["content"] = [
                "dataType": "moveObject", "type": .string(stakedSuiType), "hasPublicTransfer": false, "fields": jsonRPCFields(stake),
            ]
        }
        return ["data": .object(data)]
    }

    /// A `SuiObjectResponse` for a missing object.
    static func jsonRPCNotExists(_ id: String) -> SuiValue {
        ["error": ["code": "notExists", "object_id": .string(id)]]
    }

    /// An `Event`.
    static func jsonRPCEvent(_ event: SuiDevLedgerState.Event) -> SuiValue {
        [
            "id": ["txDigest": .string(event.transactionDigest), "eventSeq": .string(String(event.eventSequence))],
            "packageId": "0x3", "transactionModule": "sui_system", "sender": .string(event.sender.description),
            "type": .string(event.type), "parsedJson": (try? SuiValue.parse(event.json)) ?? .null,
            "bcsEncoding": "base64", "bcs": "", "timestampMs": .string(String(event.timestampMs)),
        ]
    }

    // MARK: GraphQL

    /// A `MoveObject` / `Object` node with the selection ``SuiGraphQLQueries`` asks for.
    static func graphQLObject(_ stake: SuiDevLedgerState.Stake, asMoveObject: Bool) -> SuiValue {
        let contents: SuiValue = [
            "type": ["repr": .string(SuiDevLedger.normalizedType(stakedSuiType))],
            "json": [
                "id": .string(stake.id.description), "pool_id": .string(stake.poolId.description),
                "stake_activation_epoch": .string(String(stake.stakeActivationEpoch)), "principal": .string(String(stake.principal)),
            ],
        ]
        var node: [String: SuiValue] = [
            "address": .string(stake.id.description), "version": .number(String(stake.version)), "digest": .string(stake.digest),
            "owner": ["__typename": "AddressOwner", "address": ["address": .string(stake.owner.description)]],
        ]
        if asMoveObject { node["asMoveObject"] = ["contents": contents] } else { node["contents"] = contents }
        return .object(node)
    }

    /// An `Event` node.
    static func graphQLEvent(_ event: SuiDevLedgerState.Event) -> SuiValue {
        [
            "sequenceNumber": .number(String(event.eventSequence)), "timestamp": .string(dateTime(milliseconds: event.timestampMs)),
            "sender": ["address": .string(event.sender.description)],
            "contents": ["type": ["repr": .string(SuiDevLedger.normalizedType(event.type))], "json": (try? SuiValue.parse(event.json)) ?? .null],
            "transaction": ["digest": .string(event.transactionDigest)],
        ]
    }

    /// RFC 3339 UTC with milliseconds, as Sui GraphQL's `DateTime`.
    static func dateTime(milliseconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds / 1000)).addingTimeInterval(Double(milliseconds % 1000) / 1000))
    }

    /// An opaque Base64 cursor over a small JSON object, like Sui GraphQL's (`{"t":2,"e":0}`).
    static func cursor(_ value: SuiValue) -> String {
        Data(value.jsonText.utf8).base64EncodedString()
    }

    /// The JSON object inside a cursor made by ``cursor(_:)``.
    static func decodeCursor(_ text: String) -> SuiValue? {
        guard text.utf8.count <= 512, let data = Data(base64Encoded: text) else { return nil }
        return try? SuiValue.parse(Array(data))
    }
}
