import Hummingbird

/// `delete` and `deletecollection`, with `DeleteOptions` from the body or the query string:
/// preconditions, `gracePeriodSeconds`, `propagationPolicy` and `dryRun`.
struct DeleteHandler: Sendable {
    let context: HandlerContext

    func delete(_ request: inout ResourceRequest) async throws -> Response {
        let options = try DeleteRequestOptions(body: try await request.optionalBody(), query: request.query)
        let deletion = try await context.objects.delete(
            request.stored, namespace: request.namespace, name: request.name, options: options.storeOptions(admission: request.admission))
        if deletion.removed, !APIResponse.returnsDeletedObject(request.type) {
            return APIResponse.json(APIResponse.deleted(deletion.object, type: request.type))
        }
        return APIResponse.json(VersionConversion.present(deletion.object, as: request.type))
    }

    func deleteCollection(_ request: inout ResourceRequest) async throws -> Response {
        let options = try DeleteRequestOptions(body: try await request.optionalBody(), query: request.query)
        var listOptions = try request.listOptions()
        listOptions.limit = 0
        let list = try await context.objects.list(request.stored, namespace: request.namespace, options: listOptions)
        var deleted: [JSONValue] = []
        for item in list["items"]?.arrayValue ?? [] {
            guard let name = item[path: ["metadata", "name"]]?.stringValue else { continue }
            let namespace = item[path: ["metadata", "namespace"]]?.stringValue
            do {
                deleted.append(try await context.objects.delete(request.stored, namespace: namespace, name: name, options: options.storeOptions(admission: request.admission)).object)
            } catch let error as APIError where error.code == 404 {
                continue  // deleted meanwhile by someone else
            }
        }
        var result = list
        result["items"] = .array(deleted)
        return APIResponse.json(VersionConversion.present(result, as: request.type))
    }
}
