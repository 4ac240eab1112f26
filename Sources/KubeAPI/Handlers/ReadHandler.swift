import Hummingbird

/// `get` and `list`, as JSON or as a Table for `kubectl get`.
struct ReadHandler: Sendable {
    let context: HandlerContext

    func get(_ request: ResourceRequest) async throws -> Response {
        let object = VersionConversion.present(try await context.objects.get(request.stored, namespace: request.namespace, name: request.name), as: request.type)
        if request.wantsTable {
            return APIResponse.json(TableConvertor.table(request.type, items: [object], listMetadata: [:], includeObject: request.query["includeObject"]))
        }
        return APIResponse.json(object)
    }

    func list(_ request: ResourceRequest) async throws -> Response {
        let list = VersionConversion.present(
            try await context.objects.list(request.stored, namespace: request.namespace, options: try request.listOptions()), as: request.type)
        if request.wantsTable {
            return APIResponse.json(
                TableConvertor.table(
                    request.type, items: list["items"]?.arrayValue ?? [], listMetadata: list["metadata"] ?? [:], includeObject: request.query["includeObject"]))
        }
        return APIResponse.json(list)
    }
}
