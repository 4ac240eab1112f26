import Hummingbird
import NIOCore

/// One request for a resource, resolved and authorized: what every verb handler works from.
struct ResourceRequest: Sendable {
    /// The HTTP request (its body is read at most once).
    var http: Request
    /// What the path and method ask for.
    let info: RequestInfo
    /// The resource served, in the version asked for.
    let type: ResourceType
    /// The resource as stored (``type`` unless its versions differ in fields:
    /// ``VersionConversion``).
    let stored: ResourceType
    /// The namespace, for namespaced kinds.
    let namespace: String?
    /// The query string.
    let query: QueryParameters
    /// Who asks.
    let user: UserInfo
    /// The admission chain writes run.
    let admission: Admission
    /// The client's connection (exec, attach and portforward answer upgrades on it).
    var channel: (any Channel)? = nil

    /// The object name from the path (handlers of named verbs only).
    var name: String { info.name ?? "" }

    /// Whether the client asked for a Table (`kubectl get`).
    var wantsTable: Bool { TableConvertor.wantsTable(http.headers[.accept]) }

    /// The decoded body; 400 when empty.
    mutating func body() async throws -> JSONValue { try await RequestBody.required(&http) }

    /// The decoded body, or nil when empty.
    mutating func optionalBody() async throws -> JSONValue? { try await RequestBody.decode(&http) }

    /// The list options of `labelSelector`, `fieldSelector`, `limit`, `continue` and
    /// `resourceVersion`/`resourceVersionMatch`.
    func listOptions() throws -> ObjectStore.ListOptions {
        var options = ObjectStore.ListOptions()
        options.labelSelector = try LabelSelector.parsingRequest(query["labelSelector"] ?? "")
        options.fieldSelector = try FieldSelector(parsing: query["fieldSelector"] ?? "")
        if let limit = query["limit"] {
            guard let value = Int(limit), value >= 0 else { throw APIError.badRequest("invalid limit \(APIError.quoted(String(limit.prefix(100))))") }
            options.limit = value
        }
        options.continueToken = query["continue"]
        // "" / "0" / NotOlderThan are served at the latest revision, which satisfies them all;
        // Exact reads the store as it was at that revision.
        switch query["resourceVersionMatch"] {
        case nil, "", "NotOlderThan":
            options.allowStale = query["resourceVersion"] == "0" && options.continueToken == nil

        case "Exact":
            guard let text = query["resourceVersion"], let revision = Int64(text), revision > 0 else {
                throw APIError.badRequest("resourceVersionMatch: Invalid value: \"Exact\": resourceVersionMatch \"Exact\" is forbidden for resourceVersion \(APIError.quoted(String((query["resourceVersion"] ?? "").prefix(100))))")
            }
            guard options.continueToken == nil else {
                throw APIError.badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided")
            }
            options.exactResourceVersion = revision
        case let other?:
            throw APIError.badRequest("resourceVersionMatch: Unsupported value: \(APIError.quoted(String(other.prefix(100)))): supported values: \"Exact\", \"NotOlderThan\", \"\"")
        }
        return options
    }
}

/// What every verb handler shares.
struct HandlerContext: Sendable {
    /// The registry.
    let objects: ObjectStore
    /// The authorizer chain (reviews ask it).
    let authorizer: RequestAuthorizer
    /// Open watches, ended on shutdown.
    let watches: ActiveWatches
    /// Watch tuning.
    let limits: APIServer.Limits
    /// Signs ServiceAccount tokens (TokenRequest); nil serves no `serviceaccounts/token`.
    let serviceAccountTokens: ServiceAccountTokens?
    /// Clients to node agents (`pods/log`); nil serves no node subresources.
    var nodes: NodeConnections? = nil
    /// Node and pod usage from node agents' summaries (`metrics.k8s.io`).
    var resourceUsage = ResourceUsageStore()
}
