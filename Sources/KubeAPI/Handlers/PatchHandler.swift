import Hummingbird

/// `patch` of an object or its status: JSON merge patch and strategic merge patch.
struct PatchHandler: Sendable {
    let context: HandlerContext

    /// The patch types served, as kube-apiserver names them in a 415.
    static let mediaTypes = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"]

    static func unsupported(_ accepted: [String]) -> APIError {
        APIError(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: \(accepted.joined(separator: ", "))")
    }

    func patch(_ request: inout ResourceRequest) async throws -> Response {
        let contentType = request.http.headers[.contentType] ?? ""
        let strategic = contentType.hasPrefix("application/strategic-merge-patch+json")
        let json = contentType.hasPrefix("application/json-patch+json")
        guard strategic || json || contentType.hasPrefix("application/merge-patch+json") else { throw Self.unsupported(Self.mediaTypes) }
        let options = try WriteRequestOptions(request.query, kind: "PatchOptions")
        guard request.query["force"] == nil else {
            throw APIError.invalidOptions("PatchOptions", causes: [.init(field: "force", type: "FieldValueForbidden", message: "Forbidden: may not be specified for non-apply patch")])
        }
        let write = ObjectStore.WriteOptions(dryRun: options.dryRun, admission: request.admission)
        if json {
            let patched = try await context.objects.jsonPatch(
                request.type, namespace: request.namespace, name: request.name, patch: try await request.body(), subresource: request.info.subresource, options: write)
            return APIResponse.json(patched)
        }
        // Strategic patches carry $-directives the schema does not know, so only plain merge patches are pruned.
        let (body, warnings) = strategic ? (try await request.body(), []) : try FieldValidation.apply(try await request.body(), type: request.type, query: request.query)
        let patched = strategic
            ? try await context.objects.strategicMergePatch(
                request.type, namespace: request.namespace, name: request.name, patch: body, subresource: request.info.subresource, options: write)
            : try await context.objects.mergePatch(
                request.type, namespace: request.namespace, name: request.name, patch: body, subresource: request.info.subresource, options: write)
        return APIResponse.json(patched, warnings: warnings)
    }
}
