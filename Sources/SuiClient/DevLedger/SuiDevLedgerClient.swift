public import AsyncHTTPClient
public import Logging
public import SuiClient

/// Calls a dev ledger's write methods (`daas_dev_addStake`, `daas_dev_withdrawStake`) and reads
/// stakes back over JSON-RPC.
public struct SuiDevLedgerClient: Sendable {
    private let reader: SuiJSONRPCReader

    /// Creates a client for the ledger at `url` (for example `http://127.0.0.1:9000`).
    /// - Parameters:
    ///   - url: the ledger's JSON-RPC URL.
    ///   - secret: the ledger's admin secret, which the write methods require.
    ///   - httpClient: the client to send with; the caller shuts it down.
    ///   - logger: the logger for transport diagnostics.
    /// - Throws: ``SuiClientError/Code/invalidArgument`` for a URL that is not http(s).
    public init(url: String, secret: SuiDevLedgerSecret? = nil, httpClient: HTTPClient, logger: Logger) throws(SuiClientError) {
        var configuration = SuiReaderConfiguration(endpoints: [url], requestTimeout: .seconds(10), retries: 0)
        if let secret { configuration.headers = ["Authorization": secret.authorizationHeader] }
        reader = try SuiJSONRPCReader(configuration: configuration, httpClient: httpClient, logger: logger)
    }

    /// Stakes `principal` MIST from `owner`; returns the new StakedSui object id.
    /// - Throws: ``SuiClientError``; a node that is not a dev ledger answers
    ///   ``SuiClientError/Code/rpcError`` with ``SuiClientError/rpcCode`` -32601.
    public func addStake(owner: SuiAddress, principal: UInt64) async throws(SuiClientError) -> SuiAddress {
        let result = try await reader.call("daas_dev_addStake", [.string(owner.description), .string(String(principal))])
        guard let text = result.string, let id = SuiAddress(hex: text) else {
            throw SuiClientError(code: .responseMalformed, message: "daas_dev_addStake did not return an object id")
        }
        return id
    }

    /// Withdraws the stake with object id `id`.
    /// - Throws: ``SuiClientError``; see ``addStake(owner:principal:)``.
    public func withdrawStake(id: SuiAddress) async throws(SuiClientError) {
        _ = try await reader.call("daas_dev_withdrawStake", [.string(id.description)])
    }

    /// Every StakedSui `owner` holds.
    public func stakes(owner: SuiAddress) async throws(SuiClientError) -> [StakedSui] {
        try await reader.stakes(owner: owner)
    }

    /// Whether `error` says the endpoint is not a dev ledger (method not found).
    public static func isNotDevLedger(_ error: SuiClientError) -> Bool {
        error.code == .rpcError && error.rpcCode == -32601
    }
}
