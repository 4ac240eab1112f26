public import AsyncHTTPClient
public import Logging

/// A ``SuiReader`` over Sui GraphQL RPC (`POST …/graphql` with `{query, variables}`).
///
/// Cursors are the service's opaque `endCursor` strings. Page sizes are at most 50, the
/// service's default maximum.
public struct SuiGraphQLReader: SuiReader {
    private let transport: SuiHTTPTransport

    /// Creates a reader.
    /// - Parameters:
    ///   - configuration: endpoints (full URLs including `/graphql`) and limits
    ///     (``SuiReaderConfiguration/transport`` is ignored).
    ///   - httpClient: the client to send with; the caller shuts it down.
    ///   - logger: receives failover and retry diagnostics.
    /// - Throws: ``SuiClientError/Code/invalidArgument`` for an unusable configuration.
    public init(configuration: SuiReaderConfiguration, httpClient: HTTPClient, logger: Logger) throws(SuiClientError) {
        transport = try SuiHTTPTransport(configuration: configuration, httpClient: httpClient, logger: logger)
    }

    /// Sends `query` with `variables` and returns `data`.
    /// - Throws: ``SuiClientError/Code/graphQLError`` with the first `errors[]` message.
    public func execute(_ query: String, variables: [String: SuiValue] = [:]) async throws(SuiClientError) -> SuiValue {
        guard query.utf8.count < 5000 else { throw SuiClientError(code: .invalidArgument, message: "GraphQL query exceeds 5 KB") }
        let body: SuiValue = ["query": .string(query), "variables": .object(variables)]
        return try SuiGraphQLDecoding.data(try await transport.post(body, method: SuiGraphQLQueries.operationName(of: query) ?? "graphql"))
    }

    /// `chainIdentifier`.
    public func chainIdentifier() async throws(SuiClientError) -> String {
        guard let identifier = try await execute(SuiGraphQLQueries.chainIdentifier)["chainIdentifier"]?.string else {
            throw .malformed("chainIdentifier is not a string")
        }
        return identifier
    }

    /// `checkpoint { sequenceNumber }` of the latest checkpoint.
    public func latestCheckpoint() async throws(SuiClientError) -> UInt64 {
        try SuiGraphQLDecoding.uint53(try await execute(SuiGraphQLQueries.latestCheckpoint)["checkpoint"]?["sequenceNumber"], "checkpoint sequenceNumber")
    }

    /// `object(address:)`.
    public func object(id: SuiAddress) async throws(SuiClientError) -> SuiObject? {
        let data = try await execute(SuiGraphQLQueries.object, variables: ["address": .string(id.description)])
        return try SuiGraphQLDecoding.object(data["object"])
    }

    /// `multiGetObjects(keys:)` (at most 50 ids).
    public func objects(ids: [SuiAddress]) async throws(SuiClientError) -> [SuiObject?] {
        guard !ids.isEmpty else { return [] }
        guard ids.count <= 50 else { throw SuiClientError(code: .invalidArgument, message: "at most 50 object ids per call") }
        let keys: [SuiValue] = ids.map { ["address": .string($0.description)] }
        let data = try await execute(SuiGraphQLQueries.multiGetObjects, variables: ["keys": .array(keys)])
        guard let entries = data["multiGetObjects"]?.array, entries.count == ids.count else {
            throw .malformed("multiGetObjects returned the wrong count")
        }
        var objects: [SuiObject?] = []
        for entry in entries { objects.append(try SuiGraphQLDecoding.object(entry)) }
        return objects
    }

    /// `address(address:){objects(filter:{type:}, first:, after:)}`.
    public func ownedObjects(owner: SuiAddress, type: String?, cursor: String?, limit: Int) async throws(SuiClientError) -> SuiPage<SuiObject> {
        try SuiClientError.checkLimit(limit)
        try SuiClientError.checkText(type, "type")
        try SuiClientError.checkText(cursor, "cursor")
        let data = try await execute(
            SuiGraphQLQueries.ownedObjects,
            variables: [
                "owner": .string(owner.description), "type": type.map { .string($0) } ?? .null,
                "first": .number(String(limit)), "after": cursor.map { .string($0) } ?? .null,
            ])
        return try SuiGraphQLDecoding.objectPage(data["address"])
    }

    /// Owned objects of type `0x3::staking_pool::StakedSui`, all pages, principal read from `contents.json`.
    public func stakes(owner: SuiAddress) async throws(SuiClientError) -> [StakedSui] {
        try await StakePaging.collect { cursor async throws(SuiClientError) in
            try await ownedObjects(owner: owner, type: StakedSui.moveType, cursor: cursor, limit: 50)
        }
    }

    /// `events(filter:{type:}, first:, after:)`.
    public func events(type: String, cursor: String?, limit: Int) async throws(SuiClientError) -> SuiPage<SuiEvent> {
        try SuiClientError.checkLimit(limit)
        try SuiClientError.checkText(type, "type")
        try SuiClientError.checkText(cursor, "cursor")
        let data = try await execute(
            SuiGraphQLQueries.events,
            variables: ["type": .string(type), "first": .number(String(limit)), "after": cursor.map { .string($0) } ?? .null])
        return try SuiGraphQLDecoding.eventPage(data["events"])
    }
}
