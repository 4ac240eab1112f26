import Hummingbird

/// `update` (PUT) of an object or its status.
struct UpdateHandler: Sendable {
    let context: HandlerContext

    func update(_ request: inout ResourceRequest) async throws -> Response {
        let options = try WriteRequestOptions(request.query, kind: "UpdateOptions")
        let (body, warnings) = try FieldValidation.apply(try await request.body(), type: request.type, query: request.query)
        let updated = try await context.objects.update(
            request.stored, namespace: request.namespace, name: request.name, body: VersionConversion.toStorage(body, from: request.type), subresource: request.info.subresource,
            options: options.store(request))
        return APIResponse.written(updated, type: request.type, warnings: warnings)
    }
}
