import Hummingbird

/// `create` (POST to a collection): field validation, admission, defaulting, validation, and the
/// write, or with `dryRun=All` all of it but the write.
struct CreateHandler: Sendable {
    let context: HandlerContext

    func create(_ request: inout ResourceRequest) async throws -> Response {
        let options = try WriteRequestOptions(request.query, kind: "CreateOptions")
        let (body, warnings) = try FieldValidation.apply(try await request.body(), type: request.type, query: request.query)
        let created = try await context.objects.create(
            request.stored, namespace: request.namespace, body: VersionConversion.toStorage(body, from: request.type),
            options: options.store(request))
        return APIResponse.written(created, type: request.type, status: 201, warnings: warnings)
    }
}
