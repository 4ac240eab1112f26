import Hummingbird

/// `patch` of an object or its status: JSON patch, JSON merge patch, strategic merge patch and
/// server-side apply.
struct PatchHandler: Sendable {
    let context: HandlerContext

    /// The patch types served, as kube-apiserver lists them in a 415.
    static let mediaTypes = [
        "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", applyMediaType,
    ]
    /// Server-side apply's patch type.
    static let applyMediaType = "application/apply-patch+yaml"

    static func unsupported(_ accepted: [String]) -> APIError {
        APIError(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: \(accepted.joined(separator: ", "))")
    }

    func patch(_ request: inout ResourceRequest) async throws -> Response {
        let contentType = request.http.headers[.contentType] ?? ""
        // Custom resources have no patch strategies, so no strategic merge patch (as apiextensions-apiserver).
        var accepted = request.type.custom == nil ? Self.mediaTypes : Self.mediaTypes.filter { $0 != "application/strategic-merge-patch+json" }
        // Server-side apply tracks fields in the stored version; a version with other fields is not applied to.
        if VersionConversion.convertsFields(request.type) { accepted.removeAll { $0 == Self.applyMediaType } }
        guard let patchType = accepted.first(where: { contentType.hasPrefix($0) }) else { throw Self.unsupported(accepted) }
        let options = try WriteRequestOptions(request.query, kind: "PatchOptions")
        if patchType == Self.applyMediaType { return try await apply(&request, options: options) }
        guard request.query["force"] == nil else {
            throw APIError.invalidOptions("PatchOptions", causes: [.init(field: "force", type: "FieldValueForbidden", message: "Forbidden: may not be specified for non-apply patch")])
        }
        let write = options.store(request)
        let type = request.type
        let view = VersionConversion.convertsFields(type)
            ? ObjectStore.PatchView(type: type, present: { VersionConversion.present($0, as: type) }, store: { VersionConversion.toStorage($0, from: type) }) : nil
        switch patchType {
        case "application/json-patch+json":
            let patched = try await context.objects.jsonPatch(
                request.stored, namespace: request.namespace, name: request.name, patch: try await request.body(), subresource: request.info.subresource, options: write, view: view)
            return APIResponse.written(patched, type: request.type)
        case "application/strategic-merge-patch+json":
            // Strategic patches carry $-directives the schema does not know, so they are not pruned here.
            let patched = try await context.objects.strategicMergePatch(
                request.stored, namespace: request.namespace, name: request.name, patch: try await request.body(), subresource: request.info.subresource, options: write, view: view)
            return APIResponse.written(patched, type: request.type)
        default:
            let (body, warnings) = try FieldValidation.apply(try await request.body(), type: request.type, query: request.query)
            let patched = try await context.objects.mergePatch(
                request.stored, namespace: request.namespace, name: request.name, patch: body, subresource: request.info.subresource, options: write, view: view)
            return APIResponse.written(patched, type: request.type, warnings: warnings)
        }
    }

    /// Server-side apply: `fieldManager` is required, `force` takes other managers' fields, and
    /// applying to a missing object creates it (201).
    private func apply(_ request: inout ResourceRequest, options: WriteRequestOptions) async throws -> Response {
        guard let manager = options.fieldManager else {
            throw APIError.invalidOptions("PatchOptions", causes: [.init(field: "fieldManager", type: "FieldValueRequired", message: "Required value: is required for apply patch")])
        }
        let force = try request.query.flag("force") ?? false
        let (config, warnings) = try FieldValidation.apply(try await request.body(), type: request.type, query: request.query)
        var write = options.store(request)
        write.fieldManager = manager
        let result = try await context.objects.apply(
            request.stored, namespace: request.namespace, name: request.name, config: config, subresource: request.info.subresource, force: force, options: write)
        return APIResponse.written(result.object, type: request.type, status: result.created ? 201 : 200, warnings: warnings)
    }
}
