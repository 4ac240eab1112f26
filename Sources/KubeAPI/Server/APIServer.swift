import Foundation
public import Hummingbird
import EncStore
import Metrics
import HTTPTypes
import NIOCore
import Logging

/// The Kubernetes API over HTTP. Each request is, in this order: answered at once if it is a
/// health, version or attestation request (unauthenticated by design); authenticated
/// (`Auth/RequestAuthenticator`, with a per-client bound on token verifications) and resolved
/// through impersonation headers (`Auth/Impersonation`); given a request
/// slot (`InFlightLimiter`); authorized (`Auth/RequestAuthorizer`: Node, then RBAC); then served by
/// discovery or by the handler of its verb (`Handlers/`), whose writes run admission
/// (`Admission/`) and the registry (`Storage/`).
public struct APIServer: HTTPResponder {
    public typealias Context = APIRequestContext

    let objects: ObjectStore
    let authenticator: RequestAuthenticator
    let authorizer: RequestAuthorizer
    let serverAddress: String
    let limits: Limits
    let attestation: (any AttestationProvider)?
    let handlers: ResourceHandlers
    let nodeCertificates: NodeServingCertificates?
    private let inFlight: InFlightLimiter
    private let aggregator: APIServiceProxy?
    private let healthChecks: HealthChecks
    private let operatorEndpoints: OperatorEndpoints
    private let watches: ActiveWatches
    private let tokenWork: ClientWorkLimiter
    private let statsSummaries: StatsSummaryEndpoint
    private let dashboard: DashboardEndpoint?

    /// Creates the server.
    /// - Parameters:
    ///   - objects: The registry requests act on.
    ///   - tokenAuthenticators: Bearer-token authenticators, tried in order.
    ///   - serverAddress: `host:port` clients reach the server at, for discovery.
    ///   - limits: Request limits and watch tuning.
    ///   - attestation: Serves `GET /daas/v1/attestation` when set.
    ///   - watches: The open watches, which the owner ends on shutdown.
    ///   - serviceAccountTokens: Issues (TokenRequest) and authenticates ServiceAccount tokens.
    ///   - nodes: Clients to node agents, for `pods/log`, `exec`, `attach` and `portforward`; nil
    ///     answers 404 there.
    ///   - aggregator: Passes requests for remote APIServices' group-versions to their servers.
    ///   - healthChecks: Checks `/livez` and `/readyz` run besides `ping`, `log`, `etcd` and `shutdown`.
    ///   - operatorEndpoints: `/metrics` and `/daas/v1/status` (RBAC-guarded nonResourceURLs).
    ///   - nodeCertificates: Issues node agents' serving certificates
    ///     (`POST /daas/v1/kubelet-serving-certificate`); nil answers 404 there.
    ///   - resourceUsage: Where node agents' stats summaries go (`POST /daas/v1/stats/summary`)
    ///     and what `metrics.k8s.io` serves.
    ///   - dashboard: Sign-in to the web dashboard under `/daas/dashboard/`; nil serves no dashboard.
    ///   - usageSharing: Shares the usage reports this server receives with masters that share its store.
    public init(
        objects: ObjectStore, tokenAuthenticators: [any TokenAuthenticator] = [], serverAddress: String, limits: Limits = Limits(),
        attestation: (any AttestationProvider)? = nil, watches: ActiveWatches = ActiveWatches(), serviceAccountTokens: ServiceAccountTokens? = nil,
        nodes: NodeConnections? = nil, aggregator: APIServiceProxy? = nil, nodeCertificates: NodeServingCertificates? = nil,
        healthChecks: HealthChecks = HealthChecks(), operatorEndpoints: OperatorEndpoints = OperatorEndpoints(),
        resourceUsage: ResourceUsageStore = ResourceUsageStore(), dashboard: DashboardSessions? = nil, usageSharing: UsageReportSharing? = nil
    ) {
        self.aggregator = aggregator
        self.dashboard = dashboard.map(DashboardEndpoint.init(sessions:))
        self.operatorEndpoints = operatorEndpoints
        var checks = healthChecks
        checks.liveness.insert(HealthChecks.Check(name: "etcd") { [objects] in
            (try? await objects.store.currentRevision()) == nil ? "the store does not answer" : nil
        }, at: 0)
        checks.readiness.append(HealthChecks.Check(name: "shutdown") { [watches] in watches.isClosed ? "the server is shutting down" : nil })
        self.healthChecks = checks
        self.limits = limits
        self.watches = watches
        self.attestation = attestation
        self.inFlight = InFlightLimiter(readOnly: limits.maxRequestsInFlight, mutating: limits.maxMutatingRequestsInFlight)
        self.tokenWork = ClientWorkLimiter(perClient: limits.maxTokenVerificationsPerClient)
        self.objects = objects
        self.authenticator = RequestAuthenticator(tokenAuthenticators: tokenAuthenticators + (serviceAccountTokens.map { [$0] } ?? []), dashboardSessions: dashboard)
        let authorizer = RequestAuthorizer(objects: objects)
        self.authorizer = authorizer
        self.serverAddress = serverAddress
        self.handlers = ResourceHandlers(context: HandlerContext(
            objects: objects, authorizer: authorizer, watches: watches, limits: limits, serviceAccountTokens: serviceAccountTokens, nodes: nodes,
            resourceUsage: resourceUsage))
        self.statsSummaries = StatsSummaryEndpoint(usage: resourceUsage, sharing: usageSharing)
        self.nodeCertificates = nodeCertificates
    }

    public func respond(to request: Request, context: APIRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        // Parsed once: routing, authorization and the request metrics all read them.
        let query = QueryParameters(request.uri.query ?? "")
        let info = RequestInfo(method: request.method.rawValue, path: request.uri.path, query: query)
        let response: Response
        do {
            response = try await serve(request, query: query, info: info, context: context)
        } catch let error as APIError {
            response = APIResponse.error(error)
        } catch let error as StoreError {
            // Store messages never hold a value or a key secret; they say what failed (etcd's answer).
            context.logger.error("request failed in the store", metadata: ["error": "\(error)"])
            response = APIResponse.error(APIError.internalError(error.message))
        } catch let error as HTTPError where error.status == .contentTooLarge {
            response = APIResponse.error(APIError.tooLarge(limit: RequestBody.maxSize))
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            response = APIResponse.error(APIError.internalError(String(describing: type(of: error))))
        }
        RequestMetrics.record(request, info: info, query: query, status: response.status.code, duration: ContinuousClock.now - started)
        return response
    }

    private func serve(_ request: Request, query: QueryParameters, info: RequestInfo?, context: APIRequestContext) async throws -> Response {
        if let health = await healthChecks.respond(path: request.uri.path, query: query) { return health }
        switch request.uri.path {
        case "/version":
            return APIResponse.json(Discovery.version)
        case "/daas/v1/attestation":
            // Unauthenticated by design: clients fetch it before they trust the server.
            return try await attest(query["nonce"])
        default:
            break
        }
        if let dashboard, request.uri.path.hasPrefix(DashboardEndpoint.path) {
            // Static files and the login exchange (which verifies a token: bounded per client).
            let client = Self.clientAddress(context.channel)
            guard tokenWork.acquire(client) else { throw Self.tooManyRequests }
            defer { tokenWork.release(client) }
            var request = request
            if let response = try await dashboard.respond(&request) { return response }
        }
        let authenticated = try await authenticate(request, context: context)
        let user = try await Impersonation.resolve(request, user: authenticated, authorizer: authorizer)
        // Long-running requests (watches, exec, attach, port-forward) are not counted, as in
        // kube-apiserver (the same test RequestInfo makes).
        let longRunning = query["watch"] == "true" || query["watch"] == "1" || PodStreamHandler.isStreamPath(request.uri.path)
        let mutating = ![.get, .head, .options].contains(request.method)
        guard longRunning || inFlight.acquire(mutating: mutating) else { throw Self.tooManyRequests }
        defer { if !longRunning { inFlight.release(mutating: mutating) } }
        if request.uri.path == "/daas/v1/kubelet-serving-certificate" {
            var request = request
            return try await issueServingCertificate(&request, user: user)
        }
        if request.uri.path == DashboardEndpoint.loginTokensPath, let dashboard {
            // A dashboard session may not mint the login tokens that would prolong it.
            guard RequestAuthenticator.dashboardSession(request) == nil else {
                throw APIError(code: 403, reason: "Forbidden", message: "a dashboard session cannot request login tokens: use your kubeconfig (daasctl dashboard)")
            }
            return try dashboard.loginToken(for: user, method: request.method)
        }
        if request.uri.path == StatsSummaryEndpoint.path {
            var request = request
            return try await statsSummaries.receive(&request, user: user)
        }
        return try await authorizeAndRoute(request, query: query, info: info, user: user, channel: context.channel)
    }

    static let tooManyRequests = APIError(code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.", details: ["retryAfterSeconds": 1])

    /// Authenticates, bounding the bearer-token verifications each client address has in flight.
    private func authenticate(_ request: Request, context: APIRequestContext) async throws -> UserInfo {
        guard RequestAuthenticator.bearerToken(request) != nil else {
            return try await authenticator.authenticate(request, channel: context.channel)
        }
        // A token verified recently costs nothing: only real verifications take a client's slots.
        if let user = authenticator.remembered(request) { return user }
        let client = Self.clientAddress(context.channel)
        guard tokenWork.acquire(client) else { throw Self.tooManyRequests }
        defer { tokenWork.release(client) }
        return try await authenticator.authenticate(request, channel: context.channel)
    }

    /// The client's IP address (HTTP/2 streams ask their connection).
    static func clientAddress(_ channel: any Channel) -> String {
        (channel.remoteAddress ?? channel.parent?.remoteAddress)?.ipAddress ?? "unknown"
    }

    private func authorizeAndRoute(_ request: Request, query: QueryParameters, info: RequestInfo?, user: UserInfo, channel: any Channel) async throws -> Response {
        let path = request.uri.path
        let registry = objects.registry
        let attributes = info.map { AuthorizationAttributes($0, query: query) }
            ?? AuthorizationAttributes(verb: request.method == .get || request.method == .head ? "get" : request.method.rawValue.lowercased(), path: path)
        switch try await authorizer.authorize(user, attributes) {
        case .allow: break
        case .deny(let reason): throw RequestAuthorizer.forbidden(attributes, user: user, reason: reason)
        case .noOpinion: throw RequestAuthorizer.forbidden(attributes, user: user, reason: nil)
        }
        if let response = await operatorEndpoints.respond(path: path, beforeMetrics: recordServerGauges) { return response }
        if let response = try await aggregated(request, path: path, user: user) { return response }
        if let response = try discovery(request, path: path) { return response }
        guard let info, let type = registry.lookup(group: info.group, version: info.version, plural: info.resource),
            type.namespaced || info.namespace == nil || info.resource == "namespaces"
        else { throw APIError.pathNotFound }
        var resourceRequest = ResourceRequest(
            http: request, info: info, type: type, stored: VersionConversion.storageType(for: type, in: registry), namespace: type.namespaced ? info.namespace : nil, query: query, user: user,
            admission: Admission(user: user), channel: channel)
        return try await handlers.handle(&resourceRequest)
    }

    /// The gauges read at scrape time: requests in flight, open watches, stored objects per resource.
    private func recordServerGauges() async {
        let current = inFlight.current
        Gauge(label: "apiserver_current_inflight_requests", dimensions: [("request_kind", "readOnly")]).record(current.readOnly)
        Gauge(label: "apiserver_current_inflight_requests", dimensions: [("request_kind", "mutating")]).record(current.mutating)
        // Per kind, as kube-apiserver labels it.
        for (kind, count) in watches.countsByKind {
            Gauge(label: "apiserver_registered_watchers", dimensions: [("group", kind.group), ("version", kind.version), ("kind", kind.kind)]).record(count)
        }
        if let revision = try? await objects.store.currentRevision() { Gauge(label: "encstore_revision").record(revision) }
        var seen = Set<String>()
        for type in objects.registry.storedTypes where seen.insert(type.storagePrefix).inserted {
            guard let count = try? await objects.store.count(prefix: type.storagePrefix).count else { continue }
            Gauge(label: "apiserver_storage_objects", dimensions: [("resource", type.groupResource)]).record(count)
        }
    }

    /// A request under `/apis/<group>/<version>` of a group-version this server does not serve,
    /// passed to the extension server of its APIService; nil for other requests. The built-in
    /// `metrics.k8s.io` gives way to an APIService with a service (an installed metrics-server),
    /// as the user asked for it.
    private func aggregated(_ request: Request, path: String, user: UserInfo) async throws -> Response? {
        guard let aggregator else { return nil }
        let parts = path.split(separator: "/", maxSplits: 3).map(String.init)
        guard parts.count >= 3, parts[0] == "apis", !objects.registry.versions(of: parts[1]).contains(parts[2]) || parts[1] == ResourceMetricsHandler.group,
            let target = try await aggregator.target(group: parts[1], version: parts[2], objects: objects)
        else { return nil }
        return try await aggregator.proxy(request, to: target, user: user)
    }

    /// Discovery and OpenAPI documents, or nil for other paths.
    private func discovery(_ request: Request, path: String) throws -> Response? {
        let registry = objects.registry
        let remote = aggregator?.resourceLists ?? [:]
        let parts = path.split(separator: "/").map(String.init)
        switch parts.count {
        case 1 where Discovery.wantsAggregated(request.headers[.accept]) && (parts[0] == "api" || parts[0] == "apis"):
            return Response(
                status: .ok, headers: [.contentType: Discovery.aggregatedMediaType],
                body: .init(byteBuffer: ByteBuffer(bytes: Discovery.aggregated(registry, core: parts[0] == "api", remote: remote).serialized())))
        case 1 where parts[0] == "api": return APIResponse.json(Discovery.coreVersions(serverAddress: serverAddress))
        case 1 where parts[0] == "apis": return APIResponse.json(Discovery.groups(registry, remote: remote))
        case 2 where parts[0] == "api":
            guard let list = Discovery.resources(registry, group: "", version: parts[1]) else { throw APIError.pathNotFound }
            return APIResponse.json(list)
        case 2 where parts[0] == "apis":
            guard registry.groups.contains(parts[1]) || Discovery.remoteGroups(remote, excluding: registry).contains(parts[1]) else { throw APIError.pathNotFound }
            return APIResponse.json(Discovery.group(registry, parts[1], remote: remote))
        case 2 where parts == ["openapi", "v3"]:
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIV3.current(registry).index)))
        case 3... where parts[0] == "openapi" && parts[1] == "v3":
            guard let document = OpenAPIV3.current(registry).documents[parts.dropFirst(2).joined(separator: "/")] else { throw APIError.pathNotFound }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        case 2 where parts == ["openapi", "v2"]:
            return Response(
                status: .ok, headers: [.contentType: OpenAPIV2.protobufMediaType],
                body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIV2.document(registry))))
        case 3 where parts[0] == "apis":
            guard let list = Discovery.resources(registry, group: parts[1], version: parts[2]) else { throw APIError.pathNotFound }
            return APIResponse.json(list)
        default:
            return nil
        }
    }

    /// A node agent's serving certificate, for the key of the PEM certificate request in the body:
    /// only a node (`system:node:<name>`, group `system:nodes`) gets one, for its own name.
    private func issueServingCertificate(_ request: inout Request, user: UserInfo) async throws -> Response {
        guard let issuer = nodeCertificates else { throw APIError.pathNotFound }
        guard request.method == .post else { throw APIError.methodNotAllowed(request.method.rawValue, "kubelet-serving-certificate") }
        guard let node = NodeAuthorizer.nodeName(of: user) else {
            throw APIError(code: 403, reason: "Forbidden", message: "only nodes may request a kubelet serving certificate; \(user.name) is not a node")
        }
        let body = try await request.collectBody(upTo: NodeServingCertificates.maxRequestBytes)
        let certificate = try issuer.issue(node: node, requestPEM: String(buffer: body))
        return Response(status: .ok, headers: [.contentType: "application/x-pem-file"], body: .init(byteBuffer: ByteBuffer(string: certificate)))
    }

    /// A fresh attestation document for the client's nonce (8 to 64 bytes of hex).
    private func attest(_ nonceHex: String?) async throws -> Response {
        guard let attestation else { throw APIError.pathNotFound }
        guard let nonceHex, let nonce = Self.hexBytes(nonceHex), (8...64).contains(nonce.count) else {
            throw APIError.badRequest("nonce must be 8 to 64 bytes in hex")
        }
        let document = try await attestation.attestation(nonce: nonce)
        return Response(status: .ok, headers: [.contentType: "application/cbor"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
    }

    /// The bytes of an even-length hex string (either case), on UTF-8 bytes; nil for anything else.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0, digits.count <= 256 else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x41...0x46: byte - 0x41 + 10
            case 0x61...0x66: byte - 0x61 + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
