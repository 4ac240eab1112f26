import Hummingbird

/// The `scale` subresource (`autoscaling/v1` Scale) of scalable kinds: get, update and merge patch.
struct ScaleHandler: Sendable {
    let context: HandlerContext

    func get(_ request: ResourceRequest) async throws -> Response {
        APIResponse.json(Scale.of(try await context.objects.get(request.type, namespace: request.namespace, name: request.name), type: request.type))
    }

    func write(_ request: inout ResourceRequest) async throws -> Response {
        let patch = request.info.verb == "patch"
        let options = try WriteRequestOptions(request.query, kind: patch ? "PatchOptions" : "UpdateOptions")
        let contentType = request.http.headers[.contentType] ?? ""
        // Server-side apply of a Scale is not served: its ownership would have to map onto the object's replicas field.
        let accepted = PatchHandler.mediaTypes.filter { $0 != PatchHandler.applyMediaType }
        if patch, !accepted.contains(where: { contentType.hasPrefix($0) }) {
            throw PatchHandler.unsupported(accepted)
        }
        let body = try await request.body()
        let current = Scale.of(try await context.objects.get(request.type, namespace: request.namespace, name: request.name), type: request.type)
        let scale = !patch ? body : contentType.hasPrefix("application/json-patch+json") ? try JSONPatch.apply(body, to: current) : MergePatch.apply(body, to: current)
        guard let replicas = scale[path: ["spec", "replicas"]]?.integerValue, replicas >= 0, replicas <= Int64(Int32.max) else {
            throw APIError.invalid(request.type, name: request.name, causes: [APIError.Cause(field: "spec.replicas", message: "Invalid value: must be greater than or equal to 0")])
        }
        var update: JSONValue = [:]
        update[path: Scale.Paths(request.type).specReplicas.joined(separator: ".")] = .integer(replicas)
        if let version = scale[path: ["metadata", "resourceVersion"]]?.stringValue, !version.isEmpty, !patch {
            update["metadata"] = ["resourceVersion": .string(version)]
        }
        let updated = try await context.objects.mergePatch(
            request.type, namespace: request.namespace, name: request.name, patch: update,
            options: options.store(request))
        return APIResponse.json(Scale.of(updated, type: request.type))
    }
}

/// The `autoscaling/v1` Scale view of a scalable object.
enum Scale {
    /// Where a kind keeps its replicas and selector: `spec.replicas` and `status.replicas` for
    /// built-in kinds, a custom kind's `subresources.scale` paths otherwise.
    struct Paths {
        var specReplicas = ["spec", "replicas"]
        var statusReplicas = ["status", "replicas"]
        var selector: [String]? = nil

        init(_ type: ResourceType) {
            guard let scale = type.custom?.scale else { return }
            func components(_ path: String) -> [String] { path.split(separator: ".").map(String.init) }
            specReplicas = components(scale.specReplicasPath)
            statusReplicas = components(scale.statusReplicasPath)
            selector = scale.labelSelectorPath.map(components)
        }
    }

    static func of(_ object: JSONValue, type: ResourceType) -> JSONValue {
        let paths = Paths(type)
        var metadata = object["metadata"]?.objectValue ?? [:]
        metadata = metadata.filter { ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"].contains($0.key) }
        var selector = ""
        if let path = paths.selector {
            selector = object[path: path]?.stringValue ?? ""
        } else if let labels = object[path: ["spec", "selector", "matchLabels"]]?.stringMap ?? object[path: ["spec", "selector"]]?.stringMap {
            selector = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(metadata),
            "spec": ["replicas": .integer(object[path: paths.specReplicas]?.integerValue ?? (type.custom == nil ? 1 : 0))],
            "status": ["replicas": .integer(object[path: paths.statusReplicas]?.integerValue ?? 0), "selector": .string(selector)],
        ]
    }
}
