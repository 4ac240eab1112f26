import Hummingbird

/// The virtual kinds computed per request and never stored: SelfSubjectAccessReview
/// (`kubectl auth can-i`) and SelfSubjectReview (`kubectl auth whoami`).
struct ReviewHandler: Sendable {
    let context: HandlerContext

    func create(_ request: inout ResourceRequest) async throws -> Response {
        _ = try WriteRequestOptions(request.query, kind: "CreateOptions")
        let body = try await request.body()
        let type = request.type
        let user = request.user
        var result = body
        result["apiVersion"] = .string(type.apiVersion)
        result["kind"] = .string(type.kind)
        result["metadata"] = ["creationTimestamp": .null]
        switch type.plural {
        case "selfsubjectreviews":
            var info: JSONValue = ["username": .string(user.name), "groups": .array(user.groups.map { .string($0) })]
            if !user.extra.isEmpty { info["extra"] = .object(user.extra.mapValues { .array($0.map { .string($0) }) }) }
            result["status"] = ["userInfo": info]
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
            switch try await context.authorizer.authorize(user, attributes) {
            case .allow: result["status"] = ["allowed": true, "reason": "allowed"]
            case .deny(let reason): result["status"] = ["allowed": false, "denied": true, "reason": .string(reason)]
            case .noOpinion: result["status"] = ["allowed": false]
            }
        }
        return APIResponse.json(result, status: 201)
    }
}
