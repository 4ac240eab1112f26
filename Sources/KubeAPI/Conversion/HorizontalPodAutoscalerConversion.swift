/// HorizontalPodAutoscalers are stored as `autoscaling/v2` and served as `autoscaling/v1` too
/// (what `kubectl autoscale` writes), converted as kube-apiserver converts them: v1's
/// `targetCPUUtilizationPercentage` is v2's CPU `Utilization` metric, and what v1 cannot express
/// (other metrics, `behavior`, conditions, other current metrics) rides in the
/// `autoscaling.alpha.kubernetes.io/*` annotations, so a v1 read-modify-write loses nothing.
/// (Upstream writes the metrics annotations in the older v2beta1 shape; here they hold the v2
/// shape, which only this server reads back.)
enum HorizontalPodAutoscalerConversion {
    static let metricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics"
    static let currentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
    static let behaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior"
    static let conditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions"
    /// The most bytes of one annotation read back (annotations as a whole are bounded by ObjectMeta).
    static let maxAnnotationBytes = 256 * 1024

    /// Whether `metric` is v1's CPU utilization target.
    static func isCPUUtilization(_ metric: JSONValue) -> Bool {
        metric["type"]?.stringValue == "Resource" && metric[path: ["resource", "name"]]?.stringValue == "cpu"
            && metric[path: ["resource", "target", "type"]]?.stringValue == "Utilization"
    }

    /// A v1 object (or body) as v2.
    static func toV2(_ v1: JSONValue) -> JSONValue {
        guard case .object = v1 else { return v1 }
        var out = v1
        out["apiVersion"] = "autoscaling/v2"
        var annotations = v1[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        func take(_ name: String) -> JSONValue? {
            guard let text = annotations.removeValue(forKey: name)?.stringValue, text.utf8.count <= maxAnnotationBytes else { return nil }
            return try? JSONParser(maxDepth: 32).parse(Array(text.utf8))
        }
        if var spec = v1["spec"]?.objectValue {
            var metrics: [JSONValue] = []
            if let percent = spec.removeValue(forKey: "targetCPUUtilizationPercentage"), percent != .null {
                metrics.append(["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": percent]]])
            }
            metrics += (take(metricsAnnotation)?.arrayValue ?? []).filter { !isCPUUtilization($0) || metrics.isEmpty }
            if !metrics.isEmpty { spec["metrics"] = .array(metrics) }
            if let behavior = take(behaviorAnnotation), case .object = behavior { spec["behavior"] = behavior }
            out["spec"] = .object(spec)
        } else {
            _ = take(metricsAnnotation)
            _ = take(behaviorAnnotation)
        }
        let conditions = take(conditionsAnnotation)
        let current = take(currentMetricsAnnotation)
        if var status = v1["status"]?.objectValue {
            var metrics: [JSONValue] = []
            if let percent = status.removeValue(forKey: "currentCPUUtilizationPercentage"), percent != .null {
                metrics.append(["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": percent]]])
            }
            metrics += current?.arrayValue ?? []
            if !metrics.isEmpty { status["currentMetrics"] = .array(metrics) }
            if let conditions = conditions?.arrayValue { status["conditions"] = .array(conditions) }
            out["status"] = .object(status)
        }
        if v1[path: ["metadata", "annotations"]] != nil {
            out[path: "metadata.annotations"] = annotations.isEmpty ? nil : .object(annotations)
        }
        return out
    }

    /// A stored v2 object (or list) as v1.
    static func toV1(_ v2: JSONValue) -> JSONValue {
        if v2["kind"]?.stringValue == "HorizontalPodAutoscalerList" {
            var list = v2
            list["apiVersion"] = "autoscaling/v1"
            list["items"] = .array((v2["items"]?.arrayValue ?? []).map(toV1))
            return list
        }
        guard case .object = v2 else { return v2 }
        var out = v2
        out["apiVersion"] = "autoscaling/v1"
        var annotations = v2[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        func put(_ name: String, _ value: JSONValue) { annotations[name] = .string(String(decoding: value.serialized(), as: UTF8.self)) }
        if var spec = v2["spec"]?.objectValue {
            let metrics = spec.removeValue(forKey: "metrics")?.arrayValue ?? []
            if let cpu = metrics.first(where: isCPUUtilization), let percent = cpu[path: ["resource", "target", "averageUtilization"]] {
                spec["targetCPUUtilizationPercentage"] = percent
            }
            let others = metrics.filter { !isCPUUtilization($0) }
            if !others.isEmpty { put(metricsAnnotation, .array(others)) }
            if let behavior = spec.removeValue(forKey: "behavior"), behavior != .null { put(behaviorAnnotation, behavior) }
            out["spec"] = .object(spec)
        }
        if var status = v2["status"]?.objectValue {
            let current = status.removeValue(forKey: "currentMetrics")?.arrayValue ?? []
            let isCPU: (JSONValue) -> Bool = {
                $0["type"]?.stringValue == "Resource" && $0[path: ["resource", "name"]]?.stringValue == "cpu"
                    && $0[path: ["resource", "current", "averageUtilization"]] != nil
            }
            if let cpu = current.first(where: isCPU) { status["currentCPUUtilizationPercentage"] = cpu[path: ["resource", "current", "averageUtilization"]] }
            let others = current.filter { !isCPU($0) }
            if !others.isEmpty { put(currentMetricsAnnotation, .array(others)) }
            if let conditions = status.removeValue(forKey: "conditions"), conditions.arrayValue?.isEmpty == false { put(conditionsAnnotation, conditions) }
            // v1 writes both counts even when zero.
            for count in ["currentReplicas", "desiredReplicas"] where status[count] == nil { status[count] = 0 }
            out["status"] = .object(status)
        }
        if !annotations.isEmpty { out[path: "metadata.annotations"] = .object(annotations) }
        return out
    }
}
