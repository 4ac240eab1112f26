import Foundation
import Hummingbird

/// `metrics.k8s.io/v1beta1`: NodeMetrics and PodMetrics, read (get and list) from the
/// ``ResourceUsageStore`` as metrics-server serves them, so `kubectl top` works unchanged.
///
/// Objects are listed from the Nodes and Pods the store holds (their labels select, and a pod's
/// usage counts only when the node that reported it is the one the pod is bound to, with the
/// same uid); a node or pod without current usage is left out of lists and is 404 on get.
struct ResourceMetricsHandler: Sendable {
    let context: HandlerContext
    let usage: ResourceUsageStore

    static let group = "metrics.k8s.io"

    func handle(_ request: ResourceRequest) async throws -> Response {
        let type = request.type
        guard request.info.subresource == nil else { throw APIError.pathNotFound }
        let items: [JSONValue]
        switch request.info.verb {
        case "get", "list":
            var options = try request.listOptions()
            options.allowStale = true
            options.limit = 0
            options.continueToken = nil
            if let name = request.info.name { options.fieldSelector = try FieldSelector(parsing: "metadata.name=\(name)") }
            items = type.plural == "nodes" ? try await nodeMetrics(options) : try await podMetrics(namespace: request.namespace, options)
        default:
            throw APIError.methodNotAllowed(request.info.verb, type.plural)
        }
        if let name = request.info.name {
            guard let item = items.first else { throw try await missing(type, name: name, namespace: request.namespace) }
            return request.wantsTable ? table(type, [item], request) : APIResponse.json(item)
        }
        if request.wantsTable { return table(type, items, request) }
        return APIResponse.json([
            "kind": .string(type.kind + "List"), "apiVersion": .string(type.apiVersion), "metadata": [:], "items": .array(items),
        ])
    }

    /// metrics-server's 404s: the object itself is missing, or it has no metrics (yet).
    private func missing(_ type: ResourceType, name: String, namespace: String?) async throws -> APIError {
        let source = try source(type.plural)
        do {
            _ = try await context.objects.get(source, namespace: namespace, name: name)
        } catch let error as APIError where error.code == 404 {
            return APIError(code: 404, reason: "NotFound", message: "\(type.plural == "nodes" ? "node" : "pods") \"\(name)\" not found")
        }
        let shown = namespace.map { "\($0)/\(name)" } ?? name
        return APIError(
            code: 404, reason: "NotFound", message: "\(type.kind.lowercased()).\(type.group) \"\(shown)\" not found",
            details: ["name": .string(shown), "group": .string(type.group), "kind": .string(type.kind.lowercased())])
    }

    private func table(_ type: ResourceType, _ items: [JSONValue], _ request: ResourceRequest) -> Response {
        APIResponse.json(TableConvertor.table(type, items: items, listMetadata: [:], includeObject: request.query["includeObject"]))
    }

    private func source(_ plural: String) throws -> ResourceType {
        guard let type = context.objects.registry.lookup(group: "", version: "v1", plural: plural) else { throw APIError.pathNotFound }
        return type
    }

    private func nodeMetrics(_ options: ObjectStore.ListOptions) async throws -> [JSONValue] {
        let samples = usage.nodes()
        guard !samples.isEmpty else { return [] }
        let nodes = try await context.objects.list(try source("nodes"), namespace: nil, options: options)["items"]?.arrayValue ?? []
        let now = ObjectMeta.timestamp(Date())
        return nodes.compactMap { node -> JSONValue? in
            guard let name = node[path: ["metadata", "name"]]?.stringValue, let sample = samples[name] else { return nil }
            return [
                "kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": ["name": .string(name), "creationTimestamp": .string(now), "labels": node[path: ["metadata", "labels"]] ?? [:]],
                "timestamp": .string(ObjectMeta.timestamp(sample.timestamp)), "window": .string(Self.window(sample.window)),
                "usage": Self.usage(sample.usage),
            ]
        }
    }

    private func podMetrics(namespace: String?, _ options: ObjectStore.ListOptions) async throws -> [JSONValue] {
        let pods = try await context.objects.list(try source("pods"), namespace: namespace, options: options)["items"]?.arrayValue ?? []
        let now = ObjectMeta.timestamp(Date())
        return pods.compactMap { pod -> JSONValue? in
            guard let sample = usage.sample(of: pod), let name = pod[path: ["metadata", "name"]]?.stringValue,
                let podNamespace = pod[path: ["metadata", "namespace"]]?.stringValue
            else { return nil }
            return [
                "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": [
                    "name": .string(name), "namespace": .string(podNamespace), "creationTimestamp": .string(now),
                    "labels": pod[path: ["metadata", "labels"]] ?? [:],
                ],
                "timestamp": .string(ObjectMeta.timestamp(sample.timestamp)), "window": .string(Self.window(sample.window)),
                "containers": .array(sample.containers.map { ["name": .string($0.name), "usage": Self.usage($0.usage)] }),
            ]
        }
    }

    /// `{"cpu": "<n>n", "memory": "<n>Ki"}` in Kubernetes' canonical quantity forms.
    static func usage(_ usage: ResourceUsageStore.Usage) -> JSONValue {
        ["cpu": .string(cpu(usage.cpuNanoCores)), "memory": .string(memory(usage.memoryBytes))]
    }

    /// Nanocores in the canonical decimal form: the largest of no suffix, m, u, n that is exact.
    static func cpu(_ nanoCores: Int64) -> String {
        for (divisor, suffix) in [(Int64(1_000_000_000), ""), (1_000_000, "m"), (1_000, "u")] where nanoCores % divisor == 0 {
            return "\(nanoCores / divisor)\(suffix)"
        }
        return "\(nanoCores)n"
    }

    /// Bytes in the canonical binary form: the largest of Ei...Ki that is exact, else plain bytes.
    static func memory(_ bytes: Int64) -> String {
        guard bytes != 0 else { return "0" }
        for (shift, suffix) in [(60, "Ei"), (50, "Pi"), (40, "Ti"), (30, "Gi"), (20, "Mi"), (10, "Ki")] where bytes % (Int64(1) << shift) == 0 {
            return "\(bytes >> shift)\(suffix)"
        }
        return "\(bytes)"
    }

    /// A Go duration as metrics-server writes the window, e.g. `15.002s` or `1m5s`.
    static func window(_ seconds: TimeInterval) -> String {
        let milliseconds = Int64(clamping: Int64((min(max(seconds, 0), 1e9) * 1000).rounded()))
        let minutes = milliseconds / 60_000
        let rest = milliseconds % 60_000
        var digits = String(format: "%03lld", rest % 1000)
        while digits.hasSuffix("0") { digits.removeLast() }
        let secondsText = "\(rest / 1000)" + (digits.isEmpty ? "" : "." + digits) + "s"
        if minutes == 0 { return secondsText }
        return "\(minutes / 60 > 0 ? "\(minutes / 60)h" : "")\(minutes % 60)m\(secondsText)"
    }
}
