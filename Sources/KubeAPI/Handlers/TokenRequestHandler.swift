import Foundation
import Hummingbird

/// `serviceaccounts/token` (`kubectl create token`): a TokenRequest answered with a signed token
/// for the ServiceAccount, validated as kube-apiserver validates it.
struct TokenRequestHandler: Sendable {
    let context: HandlerContext
    let tokens: ServiceAccountTokens

    func create(_ request: inout ResourceRequest) async throws -> Response {
        let options = try WriteRequestOptions(request.query, kind: "CreateOptions")
        let body = try await request.body()
        let namespace = request.namespace ?? "default"
        let name = request.name
        guard body["kind"]?.stringValue ?? "TokenRequest" == "TokenRequest" else {
            throw APIError.badRequest("a TokenRequest is required, got \(APIError.quoted(body["kind"]?.stringValue ?? ""))")
        }
        let spec = body["spec"] ?? [:]
        var causes: [APIError.Cause] = []
        let expiration = spec["expirationSeconds"].map { $0.integerValue } ?? ServiceAccountTokens.defaultExpirationSeconds
        if let seconds = expiration {
            if seconds < ServiceAccountTokens.minExpirationSeconds {
                causes.append(.init(field: "spec.expirationSeconds", message: "Invalid value: \(seconds): may not specify a duration less than 10 minutes"))
            } else if seconds > ServiceAccountTokens.maxExpirationSeconds {
                causes.append(.init(field: "spec.expirationSeconds", message: "Invalid value: \(seconds): may not specify a duration larger than 2^32 seconds"))
            }
        } else {
            causes.append(.init(field: "spec.expirationSeconds", message: "Invalid value: must be an integer"))
        }
        var audiences = (spec["audiences"]?.arrayValue ?? []).compactMap(\.stringValue)
        if audiences.isEmpty { audiences = ServiceAccountTokens.apiAudiences }
        if audiences.count > 64 || audiences.contains(where: { $0.isEmpty || $0.utf8.count > 1024 }) {
            causes.append(.init(field: "spec.audiences", message: "Invalid value: at most 64 non-empty audiences of at most 1024 bytes"))
        }
        let boundRef = spec["boundObjectRef"]
        let boundKind = boundRef?["kind"]?.stringValue
        if let boundRef, boundRef != .null, ServiceAccountTokens.BoundObject.kind(boundKind ?? "") == nil {
            causes.append(.init(field: "spec.boundObjectRef.kind", type: "FieldValueNotSupported",
                                message: "Unsupported value: \(APIError.quoted(boundKind ?? "")): supported values: \"Pod\", \"Node\", \"Secret\""))
        }
        guard causes.isEmpty, let expirationSeconds = expiration else {
            throw APIError.invalid(
                "TokenRequest.authentication.k8s.io \(APIError.quoted(name))", causes: causes,
                details: ["name": .string(name), "group": "authentication.k8s.io", "kind": "TokenRequest"])
        }
        let account = try await context.objects.get(request.type, namespace: namespace, name: name)
        guard let uid = account[path: ["metadata", "uid"]]?.stringValue else { throw APIError.internalError("the ServiceAccount has no uid") }
        var bound: ServiceAccountTokens.BoundObject?
        if let boundKind, let boundRef, let kind = ServiceAccountTokens.BoundObject.kind(boundKind) {
            guard let type = context.objects.registry.lookup(group: "", version: "v1", plural: kind.plural) else { throw APIError.pathNotFound }
            let boundName = boundRef["name"]?.stringValue ?? ""
            let object = try await context.objects.get(type, namespace: kind.namespaced ? namespace : nil, name: boundName)
            let boundUID = object[path: ["metadata", "uid"]]?.stringValue ?? ""
            if let wanted = boundRef["uid"]?.stringValue, !wanted.isEmpty, wanted != boundUID {
                throw APIError(code: 409, reason: "Conflict", message: "the UID in the bound object reference (\(wanted)) does not match the UID in record. The object might have been deleted and then recreated")
            }
            bound = .init(kind: boundKind, name: boundName, uid: boundUID)
        }
        var answer = body
        answer["apiVersion"] = "authentication.k8s.io/v1"
        answer["kind"] = "TokenRequest"
        answer["metadata"] = ["name": .string(name), "namespace": .string(namespace), "creationTimestamp": .string(ObjectMeta.timestamp(Date()))]
        var answerSpec = spec
        answerSpec["audiences"] = .array(audiences.map { .string($0) })
        answerSpec["expirationSeconds"] = .integer(expirationSeconds)
        answer["spec"] = answerSpec
        if options.dryRun {
            answer["status"] = ["token": "", "expirationTimestamp": .string(ObjectMeta.timestamp(Date() + Double(expirationSeconds)))]
        } else {
            let (token, expires) = try tokens.issue(namespace: namespace, name: name, uid: uid, audiences: audiences, expirationSeconds: expirationSeconds, bound: bound)
            answer["status"] = ["token": .string(token), "expirationTimestamp": .string(ObjectMeta.timestamp(expires))]
        }
        return APIResponse.json(answer, status: 201)
    }
}
