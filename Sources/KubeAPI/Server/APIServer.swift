import Foundation
public import Hummingbird
import HTTPTypes
import NIOCore
import NIOSSL
import X509
import SwiftASN1
import Logging

/// The Kubernetes API over HTTP: authentication, discovery, and the generic registry's verbs.
public struct APIServer: HTTPResponder {
    public typealias Context = APIRequestContext

    let objects: ObjectStore
    let tokenAuthenticators: [any TokenAuthenticator]
    let authorizer: RBACAuthorizer
    let nodeAuthorizer: NodeAuthorizer
    let serverAddress: String
    let limits: Limits
    let attestation: (any AttestationProvider)?
    private let inFlight: InFlightLimiter
    private let parser = JSONParser()
    private static let maxBodySize = 3 << 20

    /// Creates the server.
    /// - Parameters:
    ///   - objects: The registry requests act on.
    ///   - tokenAuthenticators: Bearer-token authenticators, tried in order.
    ///   - serverAddress: `host:port` clients reach the server at, for discovery.
    public init(
        objects: ObjectStore, tokenAuthenticators: [any TokenAuthenticator] = [], serverAddress: String, limits: Limits = Limits(),
        attestation: (any AttestationProvider)? = nil
    ) {
        self.limits = limits
        self.attestation = attestation
        self.inFlight = InFlightLimiter(readOnly: limits.maxRequestsInFlight, mutating: limits.maxMutatingRequestsInFlight)
        self.objects = objects
        self.tokenAuthenticators = tokenAuthenticators
        self.authorizer = RBACAuthorizer(objects: objects)
        self.nodeAuthorizer = NodeAuthorizer(objects: objects)
        self.serverAddress = serverAddress
    }

    public func respond(to request: Request, context: APIRequestContext) async throws -> Response {
        let query = Self.queryParameters(request.uri.query ?? "")
        // Long-running watches are not counted, as in kube-apiserver (the same test RequestInfo makes).
        let longRunning = query["watch"] == "true" || query["watch"] == "1"
        let mutating = ![.get, .head, .options].contains(request.method)
        guard longRunning || inFlight.acquire(mutating: mutating) else {
            let error = APIError(code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.", details: ["retryAfterSeconds": 1])
            var response = Self.json(error.status, status: 429)
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { if !longRunning { inFlight.release(mutating: mutating) } }
        do {
            return try await handle(request, query: query, context: context)
        } catch let error as APIError {
            return Self.json(error.status, status: error.code)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            let tooLarge = APIError.tooLarge(limit: Self.maxBodySize)
            return Self.json(tooLarge.status, status: tooLarge.code)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            let internalError = APIError.internalError(String(describing: type(of: error)))
            return Self.json(internalError.status, status: internalError.code)
        }
    }

    private func handle(_ request: Request, query: [String: String], context: APIRequestContext) async throws -> Response {
        let path = request.uri.path
        switch path {
        case "/healthz", "/livez", "/readyz":
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        case "/version":
            return Self.json(Discovery.version)
        case "/daas/v1/attestation":
            // Unauthenticated by design: clients fetch it before they trust the server.
            return try await attest(query["nonce"])
        default:
            break
        }
        let user = try await authenticate(request, context: context)
        let registry = objects.registry
        let parts = path.split(separator: "/").map(String.init)
        let info = RequestInfo(method: request.method.rawValue, path: path, query: query)
        let attributes = info.map {
            AuthorizationAttributes(verb: $0.verb, apiGroup: $0.group, resource: $0.resource, subresource: $0.subresource, namespace: $0.namespace, name: $0.name)
        } ?? AuthorizationAttributes(verb: request.method == .get || request.method == .head ? "get" : request.method.rawValue.lowercased(), path: path)
        switch try await authorize(user, attributes) {
        case .allow: break
        case .deny(let reason): throw Self.forbidden(attributes, user: user, reason: reason)
        case .noOpinion: throw Self.forbidden(attributes, user: user, reason: nil)
        }
        switch parts.count {
        case 1 where Discovery.wantsAggregated(request.headers[.accept]) && (parts[0] == "api" || parts[0] == "apis"):
            return Response(
                status: .ok, headers: [.contentType: Discovery.aggregatedMediaType],
                body: .init(byteBuffer: ByteBuffer(bytes: Discovery.aggregated(registry, core: parts[0] == "api").serialized())))
        case 1 where parts[0] == "api": return Self.json(Discovery.coreVersions(serverAddress: serverAddress))
        case 1 where parts[0] == "apis": return Self.json(Discovery.groups(registry))
        case 2 where parts[0] == "api":
            guard let list = Discovery.resources(registry, group: "", version: parts[1]) else { throw APIError.pathNotFound }
            return Self.json(list)
        case 2 where parts[0] == "apis":
            guard registry.groups.contains(parts[1]) else { throw APIError.pathNotFound }
            return Self.json(Discovery.group(registry, parts[1]))
        case 2 where parts == ["openapi", "v3"]:
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIV3.builtIn.index)))
        case 3... where parts[0] == "openapi" && parts[1] == "v3":
            guard let document = OpenAPIV3.builtIn.documents[parts.dropFirst(2).joined(separator: "/")] else { throw APIError.pathNotFound }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        case 2 where parts == ["openapi", "v2"]:
            return Response(
                status: .ok, headers: [.contentType: OpenAPIV2.protobufMediaType],
                body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIV2.document(registry))))
        case 3 where parts[0] == "apis":
            guard let list = Discovery.resources(registry, group: parts[1], version: parts[2]) else { throw APIError.pathNotFound }
            return Self.json(list)
        default:
            break
        }
        guard let info, let type = registry.lookup(group: info.group, version: info.version, plural: info.resource),
            type.namespaced || info.namespace == nil || info.resource == "namespaces"
        else { throw APIError.pathNotFound }
        if type.group == "events.k8s.io", type.plural == "events", let core = registry.lookup(group: "", version: "v1", plural: "events") {
            return try await serveEvents(info, type: type, core: core, query: query, request: request)
        }
        if type.isVirtual {
            guard info.verb == "create", info.name == nil else { throw APIError.methodNotAllowed(info.verb, type.plural) }
            var request = request
            return Self.json(try await review(type, body: try await readBody(&request), user: user), status: 201)
        }
        return try await serve(info, type: type, query: query, request: request, user: user)
    }

    /// The authorizer chain: node authorization for node identities, then RBAC. `.noOpinion`
    /// means nothing allowed the request.
    private func authorize(_ user: UserInfo, _ attributes: AuthorizationAttributes) async throws -> NodeAuthorizer.Decision {
        if let node = NodeAuthorizer.nodeName(of: user) {
            let decision = try await nodeAuthorizer.authorize(node: node, attributes)
            if decision != .noOpinion { return decision }
        }
        return try await authorizer.authorize(user, attributes) ? .allow : .noOpinion
    }

    /// kube-apiserver's 403 for `attributes`, with the node authorizer's `reason` appended when given.
    static func forbidden(_ attributes: AuthorizationAttributes, user: UserInfo, reason: String?) -> APIError {
        var details: JSONValue = ["kind": .string(attributes.resource)]
        if let name = attributes.name { details["name"] = .string(name) }
        if !attributes.apiGroup.isEmpty { details["group"] = .string(attributes.apiGroup) }
        let message = attributes.forbiddenMessage(user: user.name) + (reason.map { ": \($0)" } ?? "")
        return APIError(code: 403, reason: "Forbidden", message: message, details: attributes.path == nil ? details : nil)
    }

    /// The caller's identity: a bearer token if one is sent, else the verified client certificate.
    private func authenticate(_ request: Request, context: APIRequestContext) async throws -> UserInfo {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            let token = String(header.dropFirst(7))
            for authenticator in tokenAuthenticators {
                if let user = try? await authenticator.authenticate(token: token) { return user }
            }
            throw APIError.unauthorized
        }
        // HTTP/1.1 requests run on the TLS connection's channel; HTTP/2 streams on a child of it.
        var peer = try? await context.channel.nioSSL_peerCertificate().get()
        if peer == nil, let parent = context.channel.parent { peer = try? await parent.nioSSL_peerCertificate().get() }
        guard let peer,
            let certificate = try? Certificate(derEncoded: peer.toDERBytes()),
            let user = ClientCertificateIdentity.user(of: certificate)
        else { throw APIError.unauthorized }
        return user
    }

    private func serve(_ info: RequestInfo, type: ResourceType, query: [String: String], request: Request, user: UserInfo) async throws -> Response {
        var request = request
        let namespace = type.namespaced ? info.namespace : nil
        switch (info.verb, info.subresource) {
        case ("get", nil), ("get", "status"):
            let object = try await objects.get(type, namespace: namespace, name: info.name!)
            if TableConvertor.wantsTable(request.headers[.accept]) {
                return Self.json(TableConvertor.table(type, items: [object], listMetadata: [:], includeObject: query["includeObject"]))
            }
            return Self.json(object)
        case ("get", "scale") where type.subresources.contains("scale"):
            return Self.json(Scale.of(try await objects.get(type, namespace: namespace, name: info.name!), type: type))
        case ("list", nil):
            let list = try await objects.list(type, namespace: namespace, options: try listOptions(query))
            if TableConvertor.wantsTable(request.headers[.accept]) {
                return Self.json(
                    TableConvertor.table(type, items: list["items"]?.arrayValue ?? [], listMetadata: list["metadata"] ?? [:], includeObject: query["includeObject"]))
            }
            return Self.json(list)
        case ("watch", nil):
            return try await watch(type, namespace: namespace, info: info, query: query, table: TableConvertor.wantsTable(request.headers[.accept]))
        case ("create", nil):
            let (body, warnings) = try validateFields(try await readBody(&request), type: type, query: query)
            if let node = NodeAuthorizer.nodeName(of: user), let reason = NodeAuthorizer.admitCreate(node: node, type: type, body: body) {
                let attributes = AuthorizationAttributes(verb: "create", apiGroup: type.group, resource: type.plural, namespace: namespace)
                throw Self.forbidden(attributes, user: user, reason: reason)
            }
            return Self.json(try await objects.create(type, namespace: namespace, body: body), status: 201, warnings: warnings)
        case ("create", "binding") where type.plural == "pods":
            let body = try await readBody(&request)
            guard let node = body[path: ["target", "name"]]?.stringValue, !node.isEmpty else {
                throw APIError.badRequest("binding target name is required")
            }
            try await objects.bind(type, namespace: namespace ?? "default", name: info.name!, node: node)
            return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201)
        case ("update", nil), ("update", "status"):
            let (body, warnings) = try validateFields(try await readBody(&request), type: type, query: query)
            return Self.json(
                try await objects.update(type, namespace: namespace, name: info.name!, body: body, subresource: info.subresource), warnings: warnings)
        case ("update", "scale"), ("patch", "scale"):
            guard type.subresources.contains("scale") else { throw APIError.pathNotFound }
            let body = try await readBody(&request)
            let current = Scale.of(try await objects.get(type, namespace: namespace, name: info.name!), type: type)
            let scale = info.verb == "patch" ? MergePatch.apply(body, to: current) : body
            guard let replicas = scale[path: ["spec", "replicas"]]?.integerValue, replicas >= 0 else {
                throw APIError.invalid(type, name: info.name!, causes: [APIError.Cause(field: "spec.replicas", message: "Invalid value: must be greater than or equal to 0")])
            }
            let updated = try await objects.mergePatch(type, namespace: namespace, name: info.name!, patch: ["spec": ["replicas": .integer(replicas)]])
            return Self.json(Scale.of(updated, type: type))
        case ("patch", nil), ("patch", "status"):
            let contentType = request.headers[.contentType] ?? ""
            let strategic = contentType.hasPrefix("application/strategic-merge-patch+json")
            guard strategic || contentType.hasPrefix("application/merge-patch+json") else {
                throw APIError(
                    code: 415, reason: "UnsupportedMediaType",
                    message: "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json")
            }
            // Strategic patches carry $-directives the schema does not know, so only plain merge patches are pruned.
            let (body, warnings) = strategic ? (try await readBody(&request), []) : try validateFields(try await readBody(&request), type: type, query: query)
            let patched = strategic
                ? try await objects.strategicMergePatch(type, namespace: namespace, name: info.name!, patch: body, subresource: info.subresource)
                : try await objects.mergePatch(type, namespace: namespace, name: info.name!, patch: body, subresource: info.subresource)
            return Self.json(patched, warnings: warnings)
        case ("delete", nil):
            let body = try await readOptionalBody(&request)
            let options = ObjectStore.DeleteOptions(
                uid: body?[path: ["preconditions", "uid"]]?.stringValue,
                resourceVersion: body?[path: ["preconditions", "resourceVersion"]]?.stringValue)
            return Self.json(try await objects.delete(type, namespace: namespace, name: info.name!, options: options))
        case ("deletecollection", nil):
            let list = try await objects.list(type, namespace: namespace, options: try listOptions(query))
            var deleted: [JSONValue] = []
            for item in list["items"]?.arrayValue ?? [] {
                guard let name = item[path: ["metadata", "name"]]?.stringValue else { continue }
                let itemNamespace = item[path: ["metadata", "namespace"]]?.stringValue
                if let object = try? await objects.delete(type, namespace: itemNamespace, name: name) { deleted.append(object) }
            }
            var result = list
            result["items"] = .array(deleted)
            return Self.json(result)
        default:
            throw APIError.methodNotAllowed(info.verb, type.plural)
        }
    }

    /// Applies `fieldValidation`: `Strict` refuses fields the schema does not define (400),
    /// `Warn` (the default) drops them with a `Warning` header each, `Ignore` drops them silently.
    private func validateFields(_ body: JSONValue, type: ResourceType, query: [String: String]) throws -> (JSONValue, [String]) {
        let (pruned, unknown) = SchemaRegistry.kubernetes.prune(body, type: type)
        guard !unknown.isEmpty else { return (body, []) }
        let messages = unknown.map { "unknown field \"\($0)\"" }
        switch query["fieldValidation"] ?? "Warn" {
        case "Strict":
            throw APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): strict decoding error: \(messages.joined(separator: ", "))")
        case "Ignore":
            return (pruned, [])
        case "Warn":
            return (pruned, messages)
        case let other:
            throw APIError.badRequest("fieldValidation must be one of \"Ignore\", \"Warn\" or \"Strict\", got \"\(other)\"")
        }
    }

    /// SelfSubjectAccessReview (`kubectl auth can-i`) and SelfSubjectReview (`kubectl auth whoami`).
    private func review(_ type: ResourceType, body: JSONValue, user: UserInfo) async throws -> JSONValue {
        var result = body
        result["apiVersion"] = .string(type.apiVersion)
        result["kind"] = .string(type.kind)
        result["metadata"] = ["creationTimestamp": .null]
        switch type.plural {
        case "selfsubjectreviews":
            result["status"] = ["userInfo": ["username": .string(user.name), "groups": .array(user.groups.map { .string($0) })]]
        default:
            let attributes: AuthorizationAttributes
            if let resource = body[path: ["spec", "resourceAttributes"]] {
                func field(_ key: String) -> String? { resource[key]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
                attributes = AuthorizationAttributes(
                    verb: field("verb") ?? "", apiGroup: field("group") ?? "", resource: field("resource") ?? "",
                    subresource: field("subresource"), namespace: field("namespace"), name: field("name"))
            } else if let nonResource = body[path: ["spec", "nonResourceAttributes"]] {
                attributes = AuthorizationAttributes(verb: nonResource["verb"]?.stringValue ?? "", path: nonResource["path"]?.stringValue ?? "")
            } else {
                throw APIError.invalid(type, name: "", causes: [APIError.Cause(field: "spec", type: "FieldValueRequired", message: "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified")])
            }
            switch try await authorize(user, attributes) {
            case .allow: result["status"] = ["allowed": true, "reason": "allowed"]
            case .deny(let reason): result["status"] = ["allowed": false, "denied": true, "reason": .string(reason)]
            case .noOpinion: result["status"] = ["allowed": false]
            }
        }
        return result
    }

    private func listOptions(_ query: [String: String]) throws -> ObjectStore.ListOptions {
        var options = ObjectStore.ListOptions()
        options.labelSelector = try LabelSelector(parsing: query["labelSelector"] ?? "")
        options.fieldSelector = try FieldSelector(parsing: query["fieldSelector"] ?? "")
        if let limit = query["limit"] {
            guard let value = Int(limit), value >= 0 else { throw APIError.badRequest("invalid limit \"\(limit)\"") }
            options.limit = value
        }
        options.continueToken = query["continue"]
        // "" / "0" / NotOlderThan are served at the latest revision, which satisfies them all;
        // Exact reads the store as it was at that revision.
        switch query["resourceVersionMatch"] {
        case nil, "", "NotOlderThan":
            break
        case "Exact":
            guard let text = query["resourceVersion"], let revision = Int64(text), revision > 0 else {
                throw APIError.badRequest("resourceVersionMatch: Invalid value: \"Exact\": resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"\(query["resourceVersion"] ?? "")\"")
            }
            guard options.continueToken == nil else {
                throw APIError.badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided")
            }
            options.exactResourceVersion = revision
        case let other?:
            throw APIError.badRequest("resourceVersionMatch: Unsupported value: \"\(other)\": supported values: \"Exact\", \"NotOlderThan\", \"\"")
        }
        return options
    }

    /// Streams watch events as JSON lines, each object passed through `present` (and made a
    /// one-row Table when `table`).
    private func watch(
        _ type: ResourceType, namespace: String?, info: RequestInfo, query: [String: String], table: Bool,
        present: @escaping @Sendable (JSONValue) -> JSONValue = { $0 }
    ) async throws -> Response {
        var options = ObjectStore.WatchOptions()
        options.list = try listOptions(query)
        options.list.limit = 0
        if let name = info.name {
            options.list.fieldSelector.requirements.append(.init(path: ["metadata", "name"], value: name, equal: true))
        }
        options.resourceVersion = query["resourceVersion"]
        if let timeout = query["timeoutSeconds"].flatMap(Int.init), timeout > 0 { options.timeout = .seconds(timeout) }
        if query["allowWatchBookmarks"] == "true" { options.bookmarkInterval = limits.bookmarkInterval }
        let events = try await objects.watch(type, namespace: namespace, options: options)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody { writer in
                do {
                    var first = true
                    for try await event in events {
                        var event = event
                        event["object"] = event["object"].map(present)
                        if table, let object = event["object"] {
                            // As kube-apiserver: each object becomes a one-row Table; only the first carries the columns.
                            var rows = TableConvertor.table(type, items: [object], listMetadata: object["metadata"] ?? [:], includeObject: query["includeObject"])
                            if !first { rows["columnDefinitions"] = [] }
                            event["object"] = rows
                            first = false
                        }
                        try await writer.write(ByteBuffer(bytes: event.serialized() + [0x0A]))
                    }
                } catch let error as APIError {
                    let event: JSONValue = ["type": "ERROR", "object": error.status]
                    try await writer.write(ByteBuffer(bytes: event.serialized() + [0x0A]))
                }
                try await writer.finish(nil)
            })
    }

    private func readBody(_ request: inout Request) async throws -> JSONValue {
        guard let body = try await readOptionalBody(&request) else {
            throw APIError.badRequest("the body of the request was empty")
        }
        return body
    }

    private func readOptionalBody(_ request: inout Request) async throws -> JSONValue? {
        let buffer = try await request.collectBody(upTo: Self.maxBodySize)
        guard buffer.readableBytes > 0 else { return nil }
        let contentType = request.headers[.contentType] ?? "application/json"
        if contentType.hasPrefix("application/vnd.kubernetes.protobuf") {
            return try ProtobufDecoder(schema: .kubernetes).decodeObject(Array(buffer.readableBytesView))
        }
        if contentType.hasPrefix("application/yaml") {
            return try YAMLBodyDecoder().decode(Array(buffer.readableBytesView))
        }
        guard contentType.contains("json") else {
            throw APIError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
        }
        do {
            return try parser.parse(buffer.readableBytesView)
        } catch {
            throw APIError.badRequest("the body of the request could not be decoded: \(error)")
        }
    }

    /// A fresh attestation document for the client's nonce (8 to 64 bytes of hex).
    private func attest(_ nonceHex: String?) async throws -> Response {
        guard let attestation else { throw APIError.pathNotFound }
        guard let nonceHex, nonceHex.count % 2 == 0, (16...128).contains(nonceHex.count),
            let nonce = Self.hexBytes(nonceHex)
        else { throw APIError.badRequest("nonce must be 8 to 64 bytes in hex") }
        let document = try await attestation.attestation(nonce: nonce)
        return Response(status: .ok, headers: [.contentType: "application/cbor"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let value = UInt8(String([high, low]), radix: 16) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    /// events.k8s.io/v1 Events, stored as core Events: bodies are converted in, objects out.
    private func serveEvents(_ info: RequestInfo, type: ResourceType, core: ResourceType, query: [String: String], request: Request) async throws -> Response {
        var request = request
        let namespace = info.namespace
        let present = EventConversion.fromCore
        switch (info.verb, info.subresource) {
        case ("get", nil):
            return Self.json(present(try await objects.get(core, namespace: namespace, name: info.name!)))
        case ("list", nil):
            return Self.json(present(try await objects.list(core, namespace: namespace, options: try listOptions(query))))
        case ("watch", nil):
            return try await watch(core, namespace: namespace, info: info, query: query, table: false, present: present)
        case ("create", nil):
            let (body, warnings) = try validateFields(try await readBody(&request), type: type, query: query)
            return Self.json(present(try await objects.create(core, namespace: namespace, body: EventConversion.toCore(body))), status: 201, warnings: warnings)
        case ("update", nil):
            let (body, warnings) = try validateFields(try await readBody(&request), type: type, query: query)
            return Self.json(present(try await objects.update(core, namespace: namespace, name: info.name!, body: EventConversion.toCore(body))), warnings: warnings)
        case ("patch", nil):
            guard (request.headers[.contentType] ?? "").hasPrefix("application/merge-patch+json") else {
                throw APIError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json")
            }
            let (body, warnings) = try validateFields(try await readBody(&request), type: type, query: query)
            var patch = EventConversion.toCore(body)
            patch["apiVersion"] = nil
            return Self.json(present(try await objects.mergePatch(core, namespace: namespace, name: info.name!, patch: patch)), warnings: warnings)
        case ("delete", nil):
            return Self.json(present(try await objects.delete(core, namespace: namespace, name: info.name!)))
        default:
            throw APIError.methodNotAllowed(info.verb, type.plural)
        }
    }

    /// Parses a query string as a form: `+` is a space, then percent-escapes are decoded.
    static func queryParameters(_ query: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            parameters[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return parameters
    }

    static func json(_ value: JSONValue, status: Int = 200, warnings: [String] = []) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        for warning in warnings {
            headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \"\(warning.replacingOccurrences(of: "\"", with: "\\\""))\""))
        }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }
}

/// The `autoscaling/v1` Scale view of a scalable object.
enum Scale {
    static func of(_ object: JSONValue, type: ResourceType) -> JSONValue {
        var metadata = object["metadata"]?.objectValue ?? [:]
        metadata = metadata.filter { ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"].contains($0.key) }
        var selector = ""
        if let labels = object[path: ["spec", "selector", "matchLabels"]]?.stringMap ?? object[path: ["spec", "selector"]]?.stringMap {
            selector = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(metadata),
            "spec": ["replicas": .integer(object[path: ["spec", "replicas"]]?.integerValue ?? 1)],
            "status": ["replicas": .integer(object[path: ["status", "replicas"]]?.integerValue ?? 0), "selector": .string(selector)],
        ]
    }
}
