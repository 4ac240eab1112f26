import Hummingbird

/// `pods/binding`: assigns a pod to a node once, as the scheduler does.
struct BindingHandler: Sendable {
    let context: HandlerContext

    func bind(_ request: inout ResourceRequest) async throws -> Response {
        let options = try WriteRequestOptions(request.query, kind: "CreateOptions")
        let body = try await request.body()
        guard let node = body[path: ["target", "name"]]?.stringValue, !node.isEmpty else {
            throw APIError.badRequest("binding target name is required")
        }
        if options.dryRun {
            // Checks only: the pod exists and is not bound yet.
            let pod = try await context.objects.get(request.type, namespace: request.namespace, name: request.name)
            if let bound = pod[path: ["spec", "nodeName"]]?.stringValue, !bound.isEmpty { throw ObjectStore.alreadyBound(request.name, to: bound) }
        } else {
            try await context.objects.bind(request.type, namespace: request.namespace ?? "default", name: request.name, node: node)
        }
        return APIResponse.json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201)
    }
}
