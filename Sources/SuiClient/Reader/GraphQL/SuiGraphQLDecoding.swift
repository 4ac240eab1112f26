/// Decoders from Sui GraphQL RPC response shapes to the model types.
package enum SuiGraphQLDecoding {
    /// `data` of a GraphQL response, or ``SuiClientError/Code/graphQLError`` with the first `errors[]` message.
    package static func data(_ response: SuiValue) throws(SuiClientError) -> SuiValue {
        if let errors = response["errors"]?.array, let first = errors.first {
            let message = first["message"]?.string ?? "GraphQL error"
            throw SuiClientError(code: .graphQLError, message: String(message.prefix(500)))
        }
        guard let data = response["data"], data.object != nil else { throw .malformed("GraphQL response has no data object") }
        return data
    }

    /// A `UInt53` (a JSON number) as u64.
    package static func uint53(_ value: SuiValue?, _ what: String) throws(SuiClientError) -> UInt64 {
        guard case .number(let text)? = value, let number = UInt64(text) else { throw .malformed("\(what) is not a UInt53") }
        return number
    }

    /// The `Owner` union, discriminated by `__typename`.
    package static func owner(_ value: SuiValue?) throws(SuiClientError) -> SuiOwner {
        guard let value, let kind = value["__typename"]?.string else { throw .malformed("owner has no __typename") }
        switch kind {
        case "AddressOwner": return .address(try SuiJSONRPCDecoding.address(value["address"]?["address"], "owner address"))
        case "ObjectOwner": return .object(try SuiJSONRPCDecoding.address(value["address"]?["address"], "owner address"))
        case "Shared": return .shared(initialVersion: try uint53(value["initialSharedVersion"], "initialSharedVersion"))
        case "Immutable": return .immutable
        case "ConsensusAddressOwner":
            return .consensusAddress(
                try SuiJSONRPCDecoding.address(value["address"]?["address"], "owner address"),
                startVersion: try uint53(value["startVersion"], "startVersion"))
        default: throw .malformed("unknown owner kind \(kind.prefix(60))")
        }
    }

    /// An `Object` (with `asMoveObject{contents}`) or a `MoveObject` (with `contents`); `nil` for JSON null.
    package static func object(_ value: SuiValue?) throws(SuiClientError) -> SuiObject? {
        guard let value, !value.isNull else { return nil }
        let id = try SuiJSONRPCDecoding.address(value["address"], "object address")
        guard let digest = value["digest"]?.string else { throw .malformed("object \(id) has no digest") }
        let contents = value["asMoveObject"]?["contents"] ?? value["contents"]
        let json = contents?["json"]
        return SuiObject(
            id: id, version: try uint53(value["version"], "object version"), digest: digest,
            type: contents?["type"]?["repr"]?.string, owner: try owner(value["owner"]),
            contents: json.flatMap { $0.isNull ? nil : $0 })
    }

    /// A connection's `pageInfo` as the next cursor (`nil` on the last page).
    package static func nextCursor(_ connection: SuiValue) throws(SuiClientError) -> String? {
        guard let pageInfo = connection["pageInfo"], let more = pageInfo["hasNextPage"]?.bool else {
            throw .malformed("connection has no pageInfo.hasNextPage")
        }
        return more ? pageInfo["endCursor"]?.string : nil
    }

    /// An `address{objects{...}}` result as a page; a `null` address is an empty page.
    package static func objectPage(_ address: SuiValue?) throws(SuiClientError) -> SuiPage<SuiObject> {
        guard let address, !address.isNull else { return SuiPage(items: [], nextCursor: nil) }
        guard let connection = address["objects"], let nodes = connection["nodes"]?.array else {
            throw .malformed("address.objects has no nodes")
        }
        var items: [SuiObject] = []
        for node in nodes {
            if let object = try object(node) { items.append(object) }
        }
        return SuiPage(items: items, nextCursor: try nextCursor(connection))
    }

    /// An `Event` node.
    package static func event(_ value: SuiValue) throws(SuiClientError) -> SuiEvent {
        guard let digest = value["transaction"]?["digest"]?.string else { throw .malformed("event has no transaction digest") }
        guard let type = value["contents"]?["type"]?["repr"]?.string else { throw .malformed("event has no contents.type.repr") }
        var sender: SuiAddress?
        if let text = value["sender"]?["address"]?.string { sender = SuiAddress(hex: text) }
        var timestamp: UInt64?
        if let text = value["timestamp"]?.string { timestamp = dateTimeMilliseconds(text) }
        return SuiEvent(
            transactionDigest: digest, eventSequence: try uint53(value["sequenceNumber"], "event sequenceNumber"), type: type,
            sender: sender, timestampMs: timestamp, contents: value["contents"]?["json"] ?? .null)
    }

    /// An `events` connection as a page.
    package static func eventPage(_ connection: SuiValue?) throws(SuiClientError) -> SuiPage<SuiEvent> {
        guard let connection, let nodes = connection["nodes"]?.array else { throw .malformed("events has no nodes") }
        var items: [SuiEvent] = []
        for node in nodes { items.append(try event(node)) }
        return SuiPage(items: items, nextCursor: try nextCursor(connection))
    }

    /// Milliseconds since 1970 for an RFC 3339 UTC `DateTime` such as `2024-05-01T12:00:00.123Z`;
    /// `nil` for other forms.
    package static func dateTimeMilliseconds(_ text: String) -> UInt64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 40, bytes.last == UInt8(ascii: "Z"), bytes[10] == UInt8(ascii: "T") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            year >= 1970, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var millis = 0
        if bytes[19] == UInt8(ascii: ".") {
            let fraction = bytes[20..<(bytes.count - 1)]
            guard !fraction.isEmpty, fraction.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let digits = String(decoding: fraction.prefix(3), as: UTF8.self)
            millis = (Int(digits) ?? 0) * [100, 10, 1][digits.count - 1]
        } else if bytes.count != 20 {
            return nil
        }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return UInt64(((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + UInt64(millis)
    }
}
