/// Decoders from Sui JSON-RPC result shapes (as in the OpenRPC spec) to the model types.
package enum SuiJSONRPCDecoding {
    /// A u64 from Sui's `BigInt_for_uint64` (a decimal string) or a plain JSON number.
    package static func uint64(_ value: SuiValue?, _ what: String) throws(SuiClientError) -> UInt64 {
        guard let number = value?.uint64 else { throw .malformed("\(what) is not a u64") }
        return number
    }

    /// A `0x…` Sui address or object id string.
    package static func address(_ value: SuiValue?, _ what: String) throws(SuiClientError) -> SuiAddress {
        guard let text = value?.string, let address = SuiAddress(hex: text) else { throw .malformed("\(what) is not a Sui address") }
        return address
    }

    /// An `Owner`: `{"AddressOwner":..}`, `{"ObjectOwner":..}`, `{"Shared":{"initial_shared_version":..}}`,
    /// `"Immutable"` or `{"ConsensusAddressOwner":{"owner":..,"start_version":..}}`.
    package static func owner(_ value: SuiValue?) throws(SuiClientError) -> SuiOwner {
        if value?.string == "Immutable" { return .immutable }
        guard let members = value?.object, members.count == 1, let member = members.first else {
            throw .malformed("object owner has an unknown shape")
        }
        let (kind, body) = (member.key, member.value)
        switch kind {
        case "AddressOwner": return .address(try address(body, "AddressOwner"))
        case "ObjectOwner": return .object(try address(body, "ObjectOwner"))
        case "Shared": return .shared(initialVersion: try uint64(body["initial_shared_version"], "initial_shared_version"))
        case "ConsensusAddressOwner":
            return .consensusAddress(try address(body["owner"], "owner"), startVersion: try uint64(body["start_version"], "start_version"))
        default: throw .malformed("unknown owner kind \(kind.prefix(60))")
        }
    }

    /// A `SuiObjectResponse`: the object, `nil` for `notExists`/`deleted`, otherwise an error.
    package static func objectResponse(_ value: SuiValue) throws(SuiClientError) -> SuiObject? {
        if let data = value["data"], !data.isNull { return try objectData(data) }
        if let error = value["error"], !error.isNull {
            let code = error["code"]?.string ?? "unknown"
            if code == "notExists" || code == "deleted" { return nil }
            throw SuiClientError(code: .rpcError, message: "object error \(code.prefix(60))")
        }
        throw .malformed("object response has neither data nor error")
    }

    /// An `ObjectData` requested with showType, showOwner and showContent.
    package static func objectData(_ value: SuiValue) throws(SuiClientError) -> SuiObject {
        let id = try address(value["objectId"], "objectId")
        let version = try uint64(value["version"], "version")
        guard let digest = value["digest"]?.string else { throw .malformed("object digest missing") }
        var contents: SuiValue?
        if let content = value["content"], content["dataType"]?.string == "moveObject" { contents = content["fields"] }
        return SuiObject(
            id: id, version: version, digest: digest, type: value["type"]?.string ?? value["content"]?["type"]?.string,
            owner: try owner(value["owner"]), contents: contents)
    }

    /// A `Page_for_SuiObjectResponse_and_ObjectID`.
    package static func objectPage(_ value: SuiValue) throws(SuiClientError) -> SuiPage<SuiObject> {
        guard let data = value["data"]?.array else { throw .malformed("page has no data array") }
        var items: [SuiObject] = []
        for entry in data {
            if let object = try objectResponse(entry) { items.append(object) }
        }
        let more = value["hasNextPage"]?.bool ?? false
        return SuiPage(items: items, nextCursor: more ? value["nextCursor"]?.string : nil)
    }

    /// A cursor string for an `EventID`: `<txDigest>:<eventSeq>`.
    package static func eventCursor(_ value: SuiValue?) -> String? {
        guard let digest = value?["txDigest"]?.string, let sequence = value?["eventSeq"]?.uint64 else { return nil }
        return "\(digest):\(sequence)"
    }

    /// The `EventID` JSON for a cursor string made by ``eventCursor(_:)``.
    package static func eventID(cursor: String) throws(SuiClientError) -> SuiValue {
        let parts = cursor.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 64, UInt64(parts[1]) != nil else {
            throw SuiClientError(code: .invalidArgument, message: "not an event cursor: \(cursor.prefix(100))")
        }
        return ["txDigest": .string(String(parts[0])), "eventSeq": .string(String(parts[1]))]
    }

    /// An `Event`.
    package static func event(_ value: SuiValue) throws(SuiClientError) -> SuiEvent {
        guard let digest = value["id"]?["txDigest"]?.string else { throw .malformed("event id missing") }
        guard let type = value["type"]?.string else { throw .malformed("event type missing") }
        var sender: SuiAddress?
        if let text = value["sender"]?.string { sender = SuiAddress(hex: text) }
        return SuiEvent(
            transactionDigest: digest, eventSequence: try uint64(value["id"]?["eventSeq"], "eventSeq"), type: type,
            sender: sender, timestampMs: value["timestampMs"]?.uint64, contents: value["parsedJson"] ?? .null)
    }

    /// A `Page_for_Event_and_EventID`.
    package static func eventPage(_ value: SuiValue) throws(SuiClientError) -> SuiPage<SuiEvent> {
        guard let data = value["data"]?.array else { throw .malformed("page has no data array") }
        var items: [SuiEvent] = []
        for entry in data { items.append(try event(entry)) }
        let more = value["hasNextPage"]?.bool ?? false
        return SuiPage(items: items, nextCursor: more ? eventCursor(value["nextCursor"]) : nil)
    }

    /// A ``StakedSui`` from an object whose contents are `0x3::staking_pool::StakedSui` fields
    /// (`pool_id`, `stake_activation_epoch`, `principal`; u64 values as strings).
    package static func stakedSui(_ object: SuiObject) throws(SuiClientError) -> StakedSui {
        guard let fields = object.contents else { throw .malformed("StakedSui \(object.id) has no contents") }
        let owner: SuiAddress
        switch object.owner {
        case .address(let address), .consensusAddress(let address, _): owner = address
        default: throw .malformed("StakedSui \(object.id) is not address-owned")
        }
        // `principal` is a Balance<SUI>: a string over both transports, `{"value":..}` in some renderings.
        let principal = fields["principal"]?.uint64 ?? fields["principal"]?["value"]?.uint64
        guard let principal else { throw .malformed("StakedSui \(object.id) has no principal") }
        return StakedSui(
            id: object.id, owner: owner, poolId: try address(fields["pool_id"], "pool_id"),
            stakeActivationEpoch: try uint64(fields["stake_activation_epoch"], "stake_activation_epoch"), principal: principal)
    }

    /// The result of a JSON-RPC 2.0 response, or the ``SuiClientError/Code/rpcError`` it carries.
    package static func result(_ response: SuiValue) throws(SuiClientError) -> SuiValue {
        if let error = response["error"], !error.isNull {
            let message = error["message"]?.string ?? "JSON-RPC error"
            let code = error["code"]?.number.flatMap { Int($0) }
            throw SuiClientError(code: .rpcError, message: String(message.prefix(500)), rpcCode: code)
        }
        guard let result = response["result"] else { throw .malformed("JSON-RPC response has neither result nor error") }
        return result
    }
}

extension SuiValue {
    /// The literal text, if the value is a number.
    var number: String? {
        if case .number(let text) = self { return text }
        return nil
    }
}
