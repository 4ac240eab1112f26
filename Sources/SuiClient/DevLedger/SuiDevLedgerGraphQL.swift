import SuiClient

/// Answers the GraphQL documents ``SuiGraphQLReader`` sends, with Sui GraphQL RPC's response
/// shapes. Not a GraphQL engine: a document is recognized by its exact text (whitespace aside).
struct SuiDevLedgerGraphQL: Sendable {
    let ledger: SuiDevLedger

    struct Failure: Error {
        let message: String
    }

    static func errors(_ message: String) -> SuiValue {
        ["errors": [["message": .string(message)]]]
    }

    /// Whitespace-insensitive form of a document, for recognizing it.
    static func canonical(_ document: String) -> String {
        document.split(whereSeparator: { $0.isWhitespace || $0 == "," }).joined(separator: " ")
    }

    static let known: [String: String] = Dictionary(
        uniqueKeysWithValues: SuiGraphQLQueries.all.map { (canonical($0.value), $0.key) })

    /// The response to one `POST /graphql` body.
    func respond(to body: [UInt8]) async -> SuiValue {
        guard let request = try? SuiValue.parse(body, limits: .init(maxBytes: SuiDevLedgerServer.maxRequestBytes, maxDepth: 32)),
            let query = request["query"]?.string
        else { return Self.errors("request body is not a GraphQL request") }
        guard query.utf8.count <= 5000 else { return Self.errors("Query payload too large") }
        guard let operation = Self.known[Self.canonical(query)] else {
            return Self.errors("the K3s-DaaS dev ledger does not support this query document")
        }
        let variables = request["variables"]?.object ?? [:]
        do {
            return ["data": try await execute(operation, variables)]
        } catch let failure as Failure {
            return Self.errors(failure.message)
        } catch {
            return Self.errors("\(error)")
        }
    }

    static func address(_ value: SuiValue?, _ name: String) throws -> SuiAddress {
        guard let text = value?.string, text.utf8.count <= 66, let address = SuiAddress(hex: text) else {
            throw Failure(message: "Invalid value for argument \"\(name)\": not a SuiAddress")
        }
        return address
    }

    static func first(_ value: SuiValue?) throws -> Int {
        guard let value, !value.isNull else { return 20 }
        guard case .number(let text) = value, let first = Int(text), first >= 0 else { throw Failure(message: "Invalid value for argument \"first\"") }
        guard first <= 50 else { throw Failure(message: "Page size is too large: \(first) > 50") }
        return first
    }

    func execute(_ operation: String, _ variables: [String: SuiValue]) async throws -> SuiValue {
        switch operation {
        case "ChainIdentifier":
            return ["chainIdentifier": .string(await ledger.chainIdentifier)]
        case "LatestCheckpoint":
            return ["checkpoint": ["sequenceNumber": .number(String(await ledger.latestCheckpoint))]]
        case "GetObject":
            let id = try Self.address(variables["address"], "address")
            return ["object": await object(id)]
        case "MultiGetObjects":
            guard let keys = variables["keys"]?.array, keys.count <= 200 else { throw Failure(message: "keys must be a list of at most 200") }
            var objects: [SuiValue] = []
            for key in keys { objects.append(await object(try Self.address(key["address"], "address"))) }
            return ["multiGetObjects": .array(objects)]
        case "GetOwnedObjects":
            return ["address": try await ownedObjects(variables)]
        case "EventsByType":
            return ["events": try await events(variables)]
        default:
            throw Failure(message: "unknown operation")
        }
    }

    func object(_ id: SuiAddress) async -> SuiValue {
        guard let stake = await ledger.stakeRecord(id: id) else { return .null }
        return SuiDevLedgerRendering.graphQLObject(stake, asMoveObject: true)
    }

    func ownedObjects(_ variables: [String: SuiValue]) async throws -> SuiValue {
        let owner = try Self.address(variables["owner"], "owner")
        let first = try Self.first(variables["first"])
        var matches = true
        if let type = variables["type"]?.string {
            guard type.utf8.count <= 1024 else { throw Failure(message: "type filter too long") }
            matches = SuiDevLedger.typeMatches(StakedSui.moveType, filter: type)
        }
        var after: SuiAddress?
        if let cursor = variables["after"]?.string {
            guard let decoded = SuiDevLedgerRendering.decodeCursor(cursor), let id = decoded["o"]?.string.flatMap(SuiAddress.init(hex:)) else {
                throw Failure(message: "Invalid cursor")
            }
            after = id
        }
        var records: [SuiDevLedgerState.Stake] = []
        var more = false
        if matches { (records, more) = await ledger.stakeRecords(owner: owner, after: after, limit: first) }
        let endCursor: SuiValue = records.last.map { .string(SuiDevLedgerRendering.cursor(["o": .string($0.id.description)])) } ?? .null
        return [
            "objects": [
                "pageInfo": ["hasNextPage": .bool(more), "endCursor": endCursor],
                "nodes": .array(records.map { SuiDevLedgerRendering.graphQLObject($0, asMoveObject: false) }),
            ]
        ]
    }

    func events(_ variables: [String: SuiValue]) async throws -> SuiValue {
        guard let type = variables["type"]?.string, type.utf8.count <= 1024 else { throw Failure(message: "type is required") }
        let first = try Self.first(variables["first"])
        var after: (UInt64, UInt64)?
        if let cursor = variables["after"]?.string {
            guard let decoded = SuiDevLedgerRendering.decodeCursor(cursor), let t = decoded["t"]?.uint64, let e = decoded["e"]?.uint64 else {
                throw Failure(message: "Invalid cursor")
            }
            after = (t, e)
        }
        let (records, more) = await ledger.eventRecords(type: type, after: after, limit: first)
        let endCursor: SuiValue = records.last.map {
            .string(SuiDevLedgerRendering.cursor(["t": .number(String($0.transactionIndex)), "e": .number(String($0.eventSequence))]))
        } ?? .null
        return [
            "pageInfo": ["hasNextPage": .bool(more), "endCursor": endCursor],
            "nodes": .array(records.map(SuiDevLedgerRendering.graphQLEvent)),
        ]
    }
}
