import Hummingbird

/// events.k8s.io/v1 Events, stored as core Events: bodies are converted in, objects out.
struct EventsHandler: Sendable {
    let context: HandlerContext
    /// The core/v1 Event resource the events are stored as.
    let core: ResourceType

    func handle(_ request: inout ResourceRequest) async throws -> Response {
        let objects = context.objects
        let namespace = request.info.namespace
        let present = EventConversion.fromCore
        switch (request.info.verb, request.info.subresource) {
        case ("get", nil):
            return APIResponse.json(present(try await objects.get(core, namespace: namespace, name: request.name)))
        case ("list", nil):
            return APIResponse.json(present(try await objects.list(core, namespace: namespace, options: try request.listOptions())))
        case ("watch", nil):
            return try await WatchHandler(context: context).watch(request, type: core, present: present)
        case ("create", nil):
            let options = try WriteRequestOptions(request.query, kind: "CreateOptions")
            let (body, warnings) = try FieldValidation.apply(try await request.body(), type: request.type, query: request.query)
            let created = try await objects.create(
                core, namespace: namespace, body: EventConversion.toCore(body), options: .init(dryRun: options.dryRun, admission: request.admission))
            return APIResponse.json(present(created), status: 201, warnings: warnings)
        case ("update", nil):
            let options = try WriteRequestOptions(request.query, kind: "UpdateOptions")
            let (body, warnings) = try FieldValidation.apply(try await request.body(), type: request.type, query: request.query)
            let updated = try await objects.update(
                core, namespace: namespace, name: request.name, body: EventConversion.toCore(body), options: .init(dryRun: options.dryRun, admission: request.admission))
            return APIResponse.json(present(updated), warnings: warnings)
        case ("patch", nil):
            guard (request.http.headers[.contentType] ?? "").hasPrefix("application/merge-patch+json") else {
                throw PatchHandler.unsupported(["application/merge-patch+json"])
            }
            let options = try WriteRequestOptions(request.query, kind: "PatchOptions")
            let (body, warnings) = try FieldValidation.apply(try await request.body(), type: request.type, query: request.query)
            var patch = EventConversion.toCore(body)
            patch["apiVersion"] = nil
            let patched = try await objects.mergePatch(
                core, namespace: namespace, name: request.name, patch: patch, options: .init(dryRun: options.dryRun, admission: request.admission))
            return APIResponse.json(present(patched), warnings: warnings)
        case ("delete", nil):
            let options = try DeleteRequestOptions(body: try await request.optionalBody(), query: request.query)
            let deletion = try await objects.delete(core, namespace: namespace, name: request.name, options: options.storeOptions(admission: request.admission))
            return APIResponse.json(deletion.removed ? APIResponse.deleted(deletion.object, type: request.type) : present(deletion.object))
        default:
            throw APIError.methodNotAllowed(request.info.verb, request.type.plural)
        }
    }
}
