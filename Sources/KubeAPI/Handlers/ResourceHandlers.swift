import Hummingbird

/// Routes an authorized resource request to the handler of its verb and subresource. It knows
/// the verbs' names, not what they do.
struct ResourceHandlers: Sendable {
    let context: HandlerContext

    func handle(_ request: inout ResourceRequest) async throws -> Response {
        let type = request.type
        if type.group == ResourceMetricsHandler.group {
            return try await ResourceMetricsHandler(context: context, usage: context.resourceUsage).handle(request)
        }
        if type.isVirtual {
            guard request.info.verb == "create", request.info.name == nil else { throw APIError.methodNotAllowed(request.info.verb, type.plural) }
            return try await ReviewHandler(context: context).create(&request)
        }
        if request.info.subresource == "status", !type.subresources.contains("status") { throw APIError.pathNotFound }
        let scalable = type.subresources.contains("scale")
        switch (request.info.verb, request.info.subresource) {
        case ("get", nil), ("get", "status"):
            return try await ReadHandler(context: context).get(request)
        case ("list", nil):
            return try await ReadHandler(context: context).list(request)
        case ("watch", nil):
            return try await WatchHandler(context: context).watch(request, type: request.stored, present: VersionConversion.presenter(for: type))
        case ("create", nil):
            return try await CreateHandler(context: context).create(&request)
        case ("create", "binding") where type.group.isEmpty && type.plural == "pods":
            return try await BindingHandler(context: context).bind(&request)
        case ("create", "eviction") where type.group.isEmpty && type.plural == "pods":
            return try await EvictionHandler(context: context).evict(&request)
        case ("create", "token") where type.group.isEmpty && type.plural == "serviceaccounts":
            guard let tokens = context.serviceAccountTokens else { throw APIError.pathNotFound }
            return try await TokenRequestHandler(context: context, tokens: tokens).create(&request)
        case ("get", "log") where type.group.isEmpty && type.plural == "pods":
            guard let nodes = context.nodes else { throw APIError.pathNotFound }
            return try await PodLogHandler(context: context, nodes: nodes).log(request)
        case ("create", let subresource?) where type.group.isEmpty && type.plural == "pods" && PodStreamHandler.subresources.contains(subresource),
            ("get", let subresource?) where type.group.isEmpty && type.plural == "pods" && PodStreamHandler.subresources.contains(subresource):
            guard let nodes = context.nodes else { throw APIError.pathNotFound }
            return try await PodStreamHandler(context: context, nodes: nodes).connect(request, channel: request.channel)
        case (_, "proxy") where type.group.isEmpty && type.plural == "nodes":
            guard let nodes = context.nodes else { throw APIError.pathNotFound }
            return try await NodeProxyHandler(context: context, nodes: nodes).proxy(request)
        case ("update", nil), ("update", "status"):
            return try await UpdateHandler(context: context).update(&request)
        case ("patch", nil), ("patch", "status"):
            return try await PatchHandler(context: context).patch(&request)
        case ("get", "scale") where scalable:
            return try await ScaleHandler(context: context).get(request)
        case ("update", "scale") where scalable, ("patch", "scale") where scalable:
            return try await ScaleHandler(context: context).write(&request)
        case ("delete", nil):
            return try await DeleteHandler(context: context).delete(&request)
        case ("deletecollection", nil):
            return try await DeleteHandler(context: context).deleteCollection(&request)
        case (_, "scale"), (_, "status"), (_, "binding"), (_, "token"), (_, "eviction"):
            throw type.subresources.contains(request.info.subresource ?? "") || request.info.subresource == "binding"
                ? APIError.methodNotAllowed(request.info.verb, type.plural) : APIError.pathNotFound
        default:
            throw request.info.subresource == nil ? APIError.methodNotAllowed(request.info.verb, type.plural) : APIError.pathNotFound
        }
    }
}
