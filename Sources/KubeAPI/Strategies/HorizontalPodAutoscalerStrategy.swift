/// HorizontalPodAutoscalers (`autoscaling/v2`, their storage version), defaulted and validated as
/// kube-apiserver does: `minReplicas` 1; no metrics means CPU at 80% utilization; a `behavior`
/// that is given gets every rule it leaves out (scale up at once by 4 pods or 100% per 15 s, the
/// larger; scale down by 100% per 15 s after the controller's stabilization window).
struct HorizontalPodAutoscalerStrategy: ResourceStrategy {
    /// The CPU utilization target of an autoscaler without metrics (kube's `DefaultCPUUtilization`).
    static let defaultCPUUtilization: Int64 = 80
    /// The longest stabilization window (one hour) and policy period (30 minutes).
    static let maxStabilizationWindowSeconds: Int64 = 3600
    static let maxPeriodSeconds: Int64 = 1800

    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        Self.applyDefaults(&object)
        object["status"] = ["desiredReplicas": 0]
    }

    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) {
        Self.applyDefaults(&new)
    }

    static func applyDefaults(_ object: inout JSONValue) {
        guard case .object(var spec) = object["spec"] ?? [:] else { return }
        if spec["minReplicas"] == nil || spec["minReplicas"] == .null { spec["minReplicas"] = 1 }
        if (spec["metrics"]?.arrayValue ?? []).isEmpty {
            spec["metrics"] = [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": .integer(defaultCPUUtilization)]]]]
        }
        if case .object(var behavior) = spec["behavior"] ?? .null {
            behavior["scaleUp"] = rules(
                behavior["scaleUp"], stabilization: 0,
                policies: [["type": "Pods", "value": 4, "periodSeconds": 15], ["type": "Percent", "value": 100, "periodSeconds": 15]])
            behavior["scaleDown"] = rules(behavior["scaleDown"], stabilization: nil, policies: [["type": "Percent", "value": 100, "periodSeconds": 15]])
            spec["behavior"] = .object(behavior)
        }
        object["spec"] = .object(spec)
    }

    /// Scaling rules with what they leave out filled from the defaults (kube's `GenerateHPAScale*Rules`).
    private static func rules(_ given: JSONValue?, stabilization: Int64?, policies: [JSONValue]) -> JSONValue {
        var rules = given?.objectValue ?? [:]
        if rules["stabilizationWindowSeconds"] == nil, let stabilization { rules["stabilizationWindowSeconds"] = .integer(stabilization) }
        if rules["selectPolicy"] == nil { rules["selectPolicy"] = "Max" }
        if (rules["policies"]?.arrayValue ?? []).isEmpty, given?["policies"] == nil { rules["policies"] = .array(policies) }
        return .object(rules)
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        let spec = object["spec"] ?? [:]
        var causes: [APIError.Cause] = []
        func invalid(_ field: String, _ value: JSONValue?, _ message: String) {
            causes.append(APIError.Cause(field: field, message: "Invalid value: \(value?.jsonString ?? "null"): \(message)"))
        }
        func required(_ field: String, _ message: String = "") {
            causes.append(APIError.Cause(field: field, type: "FieldValueRequired", message: "Required value" + (message.isEmpty ? "" : ": \(message)")))
        }
        let minimum = spec["minReplicas"]?.integerValue
        let maximum = spec["maxReplicas"]?.integerValue ?? 0
        if let minimum, minimum < 1 { invalid("spec.minReplicas", spec["minReplicas"], "must be greater than or equal to 1") }
        if maximum < 1 { invalid("spec.maxReplicas", .integer(maximum), "must be greater than 0") }
        if let minimum, maximum < minimum { invalid("spec.maxReplicas", .integer(maximum), "must be greater than or equal to `minReplicas`") }
        for (field, limit) in [("minReplicas", minimum), ("maxReplicas", maximum)] where (limit ?? 0) > Int64(Int32.max) {
            invalid("spec.\(field)", .integer(limit ?? 0), "must be a 32-bit integer")
        }
        let reference = spec["scaleTargetRef"] ?? [:]
        for field in ["kind", "name"] {
            let value = reference[field]?.stringValue ?? ""
            if value.isEmpty {
                required("spec.scaleTargetRef.\(field)")
            } else if value == "." || value == ".." || value.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "%") }) {
                invalid("spec.scaleTargetRef.\(field)", reference[field], "may not contain '/' or '%' and may not be '.' or '..'")
            }
        }
        for (index, metric) in (spec["metrics"]?.arrayValue ?? []).enumerated() {
            causes += Self.validateMetric(metric, path: "spec.metrics[\(index)]")
        }
        if let behavior = spec["behavior"], behavior != .null {
            for direction in ["scaleUp", "scaleDown"] {
                if let rules = behavior[direction], rules != .null { causes += Self.validateRules(rules, path: "spec.behavior.\(direction)") }
            }
        }
        return causes
    }

    func validateStatusUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        ["currentReplicas", "desiredReplicas"].compactMap { field in
            guard let value = new[path: ["status", field]]?.integerValue, value < 0 else { return nil }
            return APIError.Cause(field: "status.\(field)", message: "Invalid value: \(value): must be greater than or equal to 0")
        }
    }

    static let metricTypes = ["ContainerResource", "External", "Object", "Pods", "Resource"]

    static func validateMetric(_ metric: JSONValue, path: String) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        let type = metric["type"]?.stringValue ?? ""
        if type.isEmpty {
            causes.append(.init(field: "\(path).type", type: "FieldValueRequired", message: "Required value: must specify a metric source type"))
        }
        guard metricTypes.contains(type) else {
            causes.append(.init(
                field: "\(path).type", type: "FieldValueNotSupported",
                message: "Unsupported value: \(APIError.quoted(type)): supported values: \(metricTypes.map { "\"\($0)\"" }.joined(separator: ", "))"))
            return causes
        }
        let member = type.prefix(1).lowercased() + type.dropFirst()
        guard let source = metric[member], source != .null else {
            return causes + [.init(field: "\(path).\(member)", type: "FieldValueRequired", message: "Required value: must populate information for the given metric source")]
        }
        for other in ["object", "pods", "resource", "containerResource", "external"] where other != member && metric[other] != nil && metric[other] != .null {
            causes.append(.init(field: "\(path).\(other)", type: "FieldValueForbidden", message: "Forbidden: must populate the given metric source only"))
        }
        let target = source["target"] ?? [:]
        let targetPath = "\(path).\(member).target"
        let targetType = target["type"]?.stringValue ?? ""
        if targetType.isEmpty { causes.append(.init(field: "\(targetPath).type", type: "FieldValueRequired", message: "Required value: must specify a metric target type")) }
        if !["Utilization", "Value", "AverageValue"].contains(targetType) {
            causes.append(.init(field: "\(targetPath).type", message: "Invalid value: \(APIError.quoted(targetType)): must be either Utilization, Value, or AverageValue"))
        }
        for field in ["value", "averageValue"] {
            guard let value = target[field], value != .null else { continue }
            let text = value.stringValue ?? value.integerValue.map(String.init) ?? ""
            if (Quantity(text).map { $0.milliValue > 0 }) != true {
                causes.append(.init(field: "\(targetPath).\(field)", message: "Invalid value: \(APIError.quoted(text)): must be positive"))
            }
        }
        if let utilization = target["averageUtilization"], utilization != .null, (utilization.integerValue ?? 0) < 1 {
            causes.append(.init(field: "\(targetPath).averageUtilization", message: "Invalid value: \(utilization.jsonString): must be greater than 0"))
        }
        switch type {
        case "Resource", "ContainerResource":
            if (source["name"]?.stringValue ?? "").isEmpty {
                causes.append(.init(field: "\(path).\(member).name", type: "FieldValueRequired", message: "Required value: must specify a resource name"))
            }
            if type == "ContainerResource", (source["container"]?.stringValue ?? "").isEmpty {
                causes.append(.init(field: "\(path).\(member).container", type: "FieldValueRequired", message: "Required value: must specify a container"))
            }
            let utilization = target["averageUtilization"].flatMap { $0 == .null ? nil : $0 }
            let average = target["averageValue"].flatMap { $0 == .null ? nil : $0 }
            if utilization == nil, average == nil {
                causes.append(.init(field: "\(targetPath).averageUtilization", type: "FieldValueRequired", message: "Required value: must set either a target raw value or a target utilization"))
            } else if utilization != nil, average != nil {
                causes.append(.init(field: "\(targetPath).averageValue", type: "FieldValueForbidden", message: "Forbidden: may not set both a target raw value and a target utilization"))
            }
        default:
            if (source[path: ["metric", "name"]]?.stringValue ?? "").isEmpty {
                causes.append(.init(field: "\(path).\(member).metric.name", type: "FieldValueRequired", message: "Required value: must specify a metric name"))
            }
        }
        return causes
    }

    static func validateRules(_ rules: JSONValue, path: String) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        if let window = rules["stabilizationWindowSeconds"]?.integerValue {
            if window < 0 {
                causes.append(.init(field: "\(path).stabilizationWindowSeconds", message: "Invalid value: \(window): must be greater than or equal to zero"))
            } else if window > maxStabilizationWindowSeconds {
                causes.append(.init(field: "\(path).stabilizationWindowSeconds", message: "Invalid value: \(window): must be less than or equal to \(maxStabilizationWindowSeconds)"))
            }
        }
        if let select = rules["selectPolicy"]?.stringValue, !["Disabled", "Max", "Min"].contains(select) {
            causes.append(.init(
                field: "\(path).selectPolicy", type: "FieldValueNotSupported",
                message: "Unsupported value: \(APIError.quoted(select)): supported values: \"Disabled\", \"Max\", \"Min\""))
        }
        let policies = rules["policies"]?.arrayValue ?? []
        if policies.isEmpty {
            causes.append(.init(field: "\(path).policies", type: "FieldValueRequired", message: "Required value: must specify at least one Policy"))
        }
        for (index, policy) in policies.enumerated() {
            let at = "\(path).policies[\(index)]"
            let type = policy["type"]?.stringValue ?? ""
            if type != "Pods", type != "Percent" {
                causes.append(.init(field: "\(at).type", type: "FieldValueNotSupported", message: "Unsupported value: \(APIError.quoted(type)): supported values: \"Percent\", \"Pods\""))
            }
            let value = policy["value"]?.integerValue ?? 0
            if value <= 0 { causes.append(.init(field: "\(at).value", message: "Invalid value: \(value): must be greater than zero")) }
            if value > Int64(Int32.max) { causes.append(.init(field: "\(at).value", message: "Invalid value: \(value): must be a 32-bit integer")) }
            let period = policy["periodSeconds"]?.integerValue ?? 0
            if period <= 0 {
                causes.append(.init(field: "\(at).periodSeconds", message: "Invalid value: \(period): must be greater than zero"))
            } else if period > maxPeriodSeconds {
                causes.append(.init(field: "\(at).periodSeconds", message: "Invalid value: \(period): must be less than or equal to \(maxPeriodSeconds)"))
            }
        }
        return causes
    }
}
