import SuiClient

/// Answers Sui JSON-RPC 2.0 requests from a ``SuiDevLedger``, with Sui's response shapes.
struct SuiDevLedgerJSONRPC: Sendable {
    let ledger: SuiDevLedger

    /// JSON-RPC 2.0 error codes.
    enum ErrorCode {
        static let parseError = -32700
        static let invalidRequest = -32600
        static let methodNotFound = -32601
        static let invalidParams = -32602
        static let internalError = -32603
        /// A write method called without the ledger's admin secret.
        static let unauthorized = -32001
    }

    /// The methods that change the ledger: only callers with the admin secret may call them.
    static let writeMethods: Set<String> = ["daas_dev_addStake", "daas_dev_withdrawStake"]

    /// Parameter names, for requests that pass params by name.
    static let parameterNames: [String: [String]] = [
        "sui_getChainIdentifier": [], "sui_getLatestCheckpointSequenceNumber": [],
        "sui_getObject": ["object_id", "options"], "sui_multiGetObjects": ["object_ids", "options"],
        "suix_getOwnedObjects": ["address", "query", "cursor", "limit"], "suix_getStakes": ["owner"],
        "suix_queryEvents": ["query", "cursor", "limit", "descending_order"],
        "daas_dev_addStake": ["address", "principal"], "daas_dev_withdrawStake": ["object_id"],
    ]

    struct Failure: Error {
        let code: Int
        let message: String
    }

    static func errorResponse(id: SuiValue, code: Int, message: String) -> SuiValue {
        ["jsonrpc": "2.0", "id": id, "error": ["code": .number(String(code)), "message": .string(message)]]
    }

    /// The response to one request body (a single request; batches are not supported).
    /// `admin` says whether the caller sent the ledger's admin secret.
    func respond(to body: [UInt8], admin: Bool = false) async -> SuiValue {
        let request: SuiValue
        do {
            request = try SuiValue.parse(body, limits: .init(maxBytes: SuiDevLedgerServer.maxRequestBytes, maxDepth: 32))
        } catch {
            return Self.errorResponse(id: nil, code: ErrorCode.parseError, message: "Parse error")
        }
        let id = request["id"] ?? .null
        guard request["jsonrpc"]?.string == "2.0", let method = request["method"]?.string else {
            return Self.errorResponse(id: id, code: ErrorCode.invalidRequest, message: "Invalid request")
        }
        guard let names = Self.parameterNames[method] else {
            return Self.errorResponse(id: id, code: ErrorCode.methodNotFound, message: "Method not found")
        }
        guard admin || !Self.writeMethods.contains(method) else {
            return Self.errorResponse(
                id: id, code: ErrorCode.unauthorized,
                message: "Unauthorized: \(method) needs the dev ledger's admin secret (Authorization: Bearer <secret>)")
        }
        var params: [SuiValue]
        switch request["params"] {
        case nil, .null?: params = []
        case .array(let items)?: params = items
        case .object(let members)?: params = names.map { members[$0] ?? .null }
        default: return Self.errorResponse(id: id, code: ErrorCode.invalidParams, message: "Invalid params")
        }
        guard params.count <= names.count else {
            return Self.errorResponse(id: id, code: ErrorCode.invalidParams, message: "Invalid params: expected at most \(names.count)")
        }
        params += Array(repeating: .null, count: names.count - params.count)
        do {
            let result = try await call(method, params)
            return ["jsonrpc": "2.0", "id": id, "result": result]
        } catch let failure as Failure {
            return Self.errorResponse(id: id, code: failure.code, message: failure.message)
        } catch let error as SuiClientError {
            return Self.errorResponse(id: id, code: ErrorCode.invalidParams, message: error.message)
        } catch {
            return Self.errorResponse(id: id, code: ErrorCode.internalError, message: "Internal error")
        }
    }

    static func invalid(_ message: String) -> Failure { Failure(code: ErrorCode.invalidParams, message: "Invalid params: \(message)") }

    static func address(_ value: SuiValue, _ name: String) throws -> SuiAddress {
        guard let text = value.string, text.utf8.count <= 66, let address = SuiAddress(hex: text) else { throw invalid("\(name) is not a Sui address") }
        return address
    }

    static func limit(_ value: SuiValue) throws -> Int {
        if value.isNull { return 50 }
        guard let limit = value.uint64, limit > 0 else { throw invalid("limit must be a positive integer") }
        return Int(min(limit, 50))
    }

    func call(_ method: String, _ params: [SuiValue]) async throws -> SuiValue {
        switch method {
        case "sui_getChainIdentifier":
            return .string(await ledger.chainIdentifier)
        case "sui_getLatestCheckpointSequenceNumber":
            return .string(String(await ledger.latestCheckpoint))
        case "sui_getObject":
            let id = try Self.address(params[0], "object_id")
            return await object(id, options: params[1])
        case "sui_multiGetObjects":
            guard let ids = params[0].array, ids.count <= 50 else { throw Self.invalid("object_ids must be an array of at most 50 ids") }
            var results: [SuiValue] = []
            for id in ids { results.append(await object(try Self.address(id, "object_id"), options: params[1])) }
            return .array(results)
        case "suix_getOwnedObjects":
            return try await ownedObjects(params)
        case "suix_getStakes":
            return try await delegatedStakes(owner: Self.address(params[0], "owner"))
        case "suix_queryEvents":
            return try await queryEvents(params)
        case "daas_dev_addStake":
            let owner = try Self.address(params[0], "address")
            guard let text = params[1].string, text.utf8.count <= 20, let principal = UInt64(text) else {
                throw Self.invalid("principal must be a decimal u64 string")
            }
            return .string(try await ledger.addStake(owner: owner, principal: principal).id.description)
        case "daas_dev_withdrawStake":
            let id = try Self.address(params[0], "object_id")
            return .string(try await ledger.withdrawStake(id: id).id.description)
        default:
            throw Failure(code: ErrorCode.methodNotFound, message: "Method not found")
        }
    }

    func object(_ id: SuiAddress, options: SuiValue) async -> SuiValue {
        guard let stake = await ledger.stakeRecord(id: id) else { return SuiDevLedgerRendering.jsonRPCNotExists(id.description) }
        return SuiDevLedgerRendering.jsonRPCObject(stake, options: options)
    }

    func ownedObjects(_ params: [SuiValue]) async throws -> SuiValue {
        let owner = try Self.address(params[0], "address")
        let query = params[1]
        var matches = true
        if let filter = query["filter"], !filter.isNull {
            guard let type = filter["StructType"]?.string, type.utf8.count <= 1024 else {
                throw Self.invalid("the dev ledger supports only the StructType filter")
            }
            matches = SuiDevLedger.typeMatches(StakedSui.moveType, filter: type)
        }
        let after = params[2].isNull ? nil : try Self.address(params[2], "cursor")
        let limit = try Self.limit(params[3])
        var records: [SuiDevLedgerState.Stake] = []
        var more = false
        if matches { (records, more) = await ledger.stakeRecords(owner: owner, after: after, limit: limit) }
        let options = query["options"]
        return [
            "data": .array(records.map { SuiDevLedgerRendering.jsonRPCObject($0, options: options) }),
            "nextCursor": records.last.map { .string($0.id.description) } ?? .null,
            "hasNextPage": .bool(more),
        ]
    }

    func delegatedStakes(owner: SuiAddress) async throws -> SuiValue {
        let stakes = await ledger.stakes(owner: owner)
        guard !stakes.isEmpty else { return [] }
        let epoch = await ledger.epoch
        let validator = await ledger.validatorAddress
        let entries: [SuiValue] = stakes.map { stake in
            [
                "stakedSuiId": .string(stake.id.description), "stakeRequestEpoch": .string(String(stake.stakeActivationEpoch - 1)),
                "stakeActiveEpoch": .string(String(stake.stakeActivationEpoch)), "principal": .string(String(stake.principal)),
                "status": stake.stakeActivationEpoch <= epoch ? "Active" : "Pending",
            ]
        }
        return [["validatorAddress": .string(validator.description), "stakingPool": .string(stakes[0].poolId.description), "stakes": .array(entries)]]
    }

    func queryEvents(_ params: [SuiValue]) async throws -> SuiValue {
        let query = params[0]
        let type: String?
        if let move = query["MoveEventType"]?.string, move.utf8.count <= 1024 {
            type = move
        } else if query["All"]?.array?.isEmpty == true {
            type = nil
        } else {
            throw Self.invalid("the dev ledger supports only the MoveEventType filter")
        }
        var after: (UInt64, UInt64)?
        if !params[1].isNull {
            guard let digest = params[1]["txDigest"]?.string, let sequence = params[1]["eventSeq"]?.uint64,
                let position = await ledger.eventPosition(digest: digest, sequence: sequence)
            else { throw Self.invalid("unknown event cursor") }
            after = position
        }
        let limit = try Self.limit(params[2])
        if params[3].bool == true { throw Self.invalid("the dev ledger supports only ascending order") }
        let (records, more) = await ledger.eventRecords(type: type, after: after, limit: limit)
        let last: SuiValue = records.last.map { ["txDigest": .string($0.transactionDigest), "eventSeq": .string(String($0.eventSequence))] } ?? .null
        return ["data": .array(records.map(SuiDevLedgerRendering.jsonRPCEvent)), "nextCursor": last, "hasNextPage": .bool(more)]
    }
}
