import Hummingbird
import Metrics

/// What a metrics backend needs to know about the API server's metrics.
public enum KubeAPIMetrics {
    /// The upper bounds kube-apiserver gives `apiserver_request_duration_seconds`, in seconds.
    public static let requestDurationBuckets: [Double] = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60]
}

/// kube-apiserver's request metrics, through swift-metrics (the executable chooses the backend:
/// daas-master exports them in the Prometheus text format on `/metrics`):
/// `apiserver_request_total` (verb, dry_run, group, version, resource, subresource, scope,
/// component, code) and `apiserver_request_duration_seconds` (the same but code).
enum RequestMetrics {
    /// Records one answered request.
    static func record(_ request: Request, info: RequestInfo?, query: QueryParameters, status: Int, duration: Duration) {
        var dimensions: [(String, String)] = [
            ("verb", verb(request, info: info, query: query)), ("dry_run", query.all("dryRun").isEmpty ? "" : "All"),
            ("group", info?.group ?? ""), ("version", info?.version ?? ""), ("resource", info?.resource ?? ""),
            ("subresource", info?.subresource ?? ""), ("scope", scope(info)), ("component", "apiserver"),
        ]
        Timer(label: "apiserver_request_duration_seconds", dimensions: dimensions).record(duration: duration)
        dimensions.append(("code", String(status)))
        Counter(label: "apiserver_request_total", dimensions: dimensions).increment()
    }

    /// kube-apiserver's reported verb: the HTTP method, with GET split into GET, LIST and WATCH
    /// and an apply patch reported as APPLY.
    static func verb(_ request: Request, info: RequestInfo?, query: QueryParameters) -> String {
        switch info?.verb {
        case "list": return "LIST"
        case "watch": return "WATCH"
        case "patch" where (request.headers[.contentType] ?? "").hasPrefix(PatchHandler.applyMediaType): return "APPLY"
        default:
            let method = request.method.rawValue
            return ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(method) ? method : "other"
        }
    }

    private static func scope(_ info: RequestInfo?) -> String {
        guard let info, !info.resource.isEmpty else { return "" }
        if info.name != nil { return "resource" }
        return info.namespace != nil ? "namespace" : "cluster"
    }
}
