public import AsyncHTTPClient
public import Logging

/// A ``SuiReader`` over Sui JSON-RPC 2.0 (`sui_*`/`suix_*` methods on a full node).
///
/// Event cursors are `<txDigest>:<eventSeq>`; object cursors are Sui's object-id cursors.
public struct SuiJSONRPCReader: SuiReader {
    private let transport: SuiHTTPTransport
    private let requestIDs = RequestIDs()

    /// The options every object read asks for.
    static let objectOptions: SuiValue = ["showType": true, "showOwner": true, "showContent": true]

    /// Creates a reader.
    /// - Parameters:
    ///   - configuration: endpoints and limits (``SuiReaderConfiguration/transport`` is ignored).
    ///   - httpClient: the client to send with; the caller shuts it down.
    ///   - logger: receives failover and retry diagnostics.
    /// - Throws: ``SuiClientError/Code/invalidArgument`` for an unusable configuration.
    public init(configuration: SuiReaderConfiguration, httpClient: HTTPClient, logger: Logger) throws(SuiClientError) {
        transport = try SuiHTTPTransport(configuration: configuration, httpClient: httpClient, logger: logger)
    }

    /// Calls `method` with positional `params` and returns its `result`.
    /// - Throws: ``SuiClientError/Code/rpcError`` with Sui's code for an `error` response.
    public func call(_ method: String, _ params: [SuiValue]) async throws(SuiClientError) -> SuiValue {
        let request: SuiValue = ["jsonrpc": "2.0", "id": .number(String(requestIDs.next())), "method": .string(method), "params": .array(params)]
        let response = try await transport.post(request, method: method)
        return try SuiJSONRPCDecoding.result(response)
    }

    /// `sui_getChainIdentifier`.
    public func chainIdentifier() async throws(SuiClientError) -> String {
        guard let identifier = try await call("sui_getChainIdentifier", []).string else { throw .malformed("chain identifier is not a string") }
        return identifier
    }

    /// `sui_getLatestCheckpointSequenceNumber`.
    public func latestCheckpoint() async throws(SuiClientError) -> UInt64 {
        try SuiJSONRPCDecoding.uint64(try await call("sui_getLatestCheckpointSequenceNumber", []), "checkpoint sequence number")
    }

    /// `sui_getObject` with showType, showOwner and showContent.
    public func object(id: SuiAddress) async throws(SuiClientError) -> SuiObject? {
        try SuiJSONRPCDecoding.objectResponse(try await call("sui_getObject", [.string(id.description), Self.objectOptions]))
    }

    /// `sui_multiGetObjects` (at most 50 ids).
    public func objects(ids: [SuiAddress]) async throws(SuiClientError) -> [SuiObject?] {
        guard !ids.isEmpty else { return [] }
        guard ids.count <= 50 else { throw SuiClientError(code: .invalidArgument, message: "at most 50 object ids per call") }
        let result = try await call("sui_multiGetObjects", [.array(ids.map { .string($0.description) }), Self.objectOptions])
        guard let entries = result.array, entries.count == ids.count else { throw .malformed("multiGetObjects returned the wrong count") }
        var objects: [SuiObject?] = []
        for entry in entries { objects.append(try SuiJSONRPCDecoding.objectResponse(entry)) }
        return objects
    }

    /// `suix_getOwnedObjects` with a `StructType` filter when `type` is given.
    public func ownedObjects(owner: SuiAddress, type: String?, cursor: String?, limit: Int) async throws(SuiClientError) -> SuiPage<SuiObject> {
        try SuiClientError.checkLimit(limit)
        try SuiClientError.checkText(type, "type")
        try SuiClientError.checkText(cursor, "cursor")
        var query: [String: SuiValue] = ["options": Self.objectOptions]
        if let type { query["filter"] = ["StructType": .string(type)] }
        let result = try await call(
            "suix_getOwnedObjects",
            [.string(owner.description), .object(query), cursor.map { .string($0) } ?? .null, .number(String(limit))])
        return try SuiJSONRPCDecoding.objectPage(result)
    }

    /// Every StakedSui `owner` owns: `suix_getOwnedObjects` filtered by `0x3::staking_pool::StakedSui`, all pages.
    public func stakes(owner: SuiAddress) async throws(SuiClientError) -> [StakedSui] {
        try await StakePaging.collect { cursor async throws(SuiClientError) in
            try await ownedObjects(owner: owner, type: StakedSui.moveType, cursor: cursor, limit: 50)
        }
    }

    /// `suix_queryEvents` with a `MoveEventType` filter, ascending.
    public func events(type: String, cursor: String?, limit: Int) async throws(SuiClientError) -> SuiPage<SuiEvent> {
        try SuiClientError.checkLimit(limit)
        try SuiClientError.checkText(type, "type")
        try SuiClientError.checkText(cursor, "cursor")
        var cursorValue: SuiValue = .null
        if let cursor { cursorValue = try SuiJSONRPCDecoding.eventID(cursor: cursor) }
        let result = try await call("suix_queryEvents", [["MoveEventType": .string(type)], cursorValue, .number(String(limit)), false])
        return try SuiJSONRPCDecoding.eventPage(result)
    }
}
