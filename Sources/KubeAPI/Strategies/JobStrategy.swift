/// Jobs: upstream's defaults, a generated selector on the job's uid with matching template
/// labels, restart policy OnFailure or Never, and an immutable selector.
struct JobStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        var spec = object["spec"] ?? [:]
        let uid = object[path: ["metadata", "uid"]]?.stringValue ?? ""
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        if spec["manualSelector"] != true {
            spec["selector"] = ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]]
            var labels = spec[path: ["template", "metadata", "labels"]]?.objectValue ?? [:]
            labels["batch.kubernetes.io/controller-uid"] = .string(uid)
            labels["batch.kubernetes.io/job-name"] = .string(name)
            labels["controller-uid"] = .string(uid)
            labels["job-name"] = .string(name)
            spec[path: "template.metadata.labels"] = .object(labels)
        }
        Self.defaults(&spec)
        object["spec"] = spec
    }

    static func defaults(_ spec: inout JSONValue) {
        if spec["completions"] == nil, spec["parallelism"] == nil { spec["completions"] = 1 }
        if spec["parallelism"] == nil { spec["parallelism"] = 1 }
        if spec["backoffLimit"] == nil { spec["backoffLimit"] = 6 }
        if spec["completionMode"] == nil { spec["completionMode"] = "NonIndexed" }
        if spec["suspend"] == nil { spec["suspend"] = false }
        if spec["podReplacementPolicy"] == nil, spec["podFailurePolicy"] == nil { spec["podReplacementPolicy"] = "TerminatingOrFailed" }
        if var template = spec["template"] {
            var podSpec = template["spec"] ?? [:]
            PodTemplate.defaultSpec(&podSpec, restartPolicy: nil)
            template["spec"] = podSpec
            spec["template"] = template
        }
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        for field in ["parallelism", "completions", "backoffLimit"] {
            if let value = object[path: ["spec", field]]?.integerValue, value < 0 {
                causes.append(APIError.Cause(field: "spec.\(field)", message: "Invalid value: \(value): must be greater than or equal to 0"))
            }
        }
        if object[path: ["spec", "template", "spec", "restartPolicy"]] == nil {
            causes.append(APIError.Cause(field: "spec.template.spec.restartPolicy", type: "FieldValueRequired", message: "Required value: valid values: \"OnFailure\", \"Never\""))
        }
        causes += PodTemplate.validateSpec(object[path: ["spec", "template", "spec"]], path: "spec.template.spec", allowedRestartPolicies: ["OnFailure", "Never"])
        return causes
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes = validate(new)
        if new[path: ["spec", "selector"]] != old[path: ["spec", "selector"]] {
            causes.append(APIError.Cause(field: "spec.selector", message: "Invalid value: \(new[path: ["spec", "selector"]]?.jsonString ?? "null"): field is immutable"))
        }
        return causes
    }
}

/// CronJobs: upstream's defaults and a five-field schedule.
struct CronJobStrategy: ResourceStrategy {
    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        var spec = object["spec"] ?? [:]
        if spec["concurrencyPolicy"] == nil { spec["concurrencyPolicy"] = "Allow" }
        if spec["suspend"] == nil { spec["suspend"] = false }
        if spec["successfulJobsHistoryLimit"] == nil { spec["successfulJobsHistoryLimit"] = 3 }
        if spec["failedJobsHistoryLimit"] == nil { spec["failedJobsHistoryLimit"] = 1 }
        if var podSpec = spec[path: ["jobTemplate", "spec", "template", "spec"]] {
            PodTemplate.defaultSpec(&podSpec, restartPolicy: nil)
            spec[path: "jobTemplate.spec.template.spec"] = podSpec
        }
        object["spec"] = spec
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        let schedule = object[path: ["spec", "schedule"]]?.stringValue ?? ""
        let fields = schedule.split(separator: " ")
        let macros = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]
        if schedule.isEmpty {
            return [APIError.Cause(field: "spec.schedule", type: "FieldValueRequired", message: "Required value")]
        }
        guard fields.count == 5 || macros.contains(schedule) || schedule.hasPrefix("@every ") else {
            return [APIError.Cause(field: "spec.schedule", message: "Invalid value: \"\(schedule)\": expected exactly 5 fields, found \(fields.count): \(schedule)")]
        }
        return PodTemplate.validateSpec(
            object[path: ["spec", "jobTemplate", "spec", "template", "spec"]], path: "spec.jobTemplate.spec.template.spec",
            allowedRestartPolicies: ["OnFailure", "Never"])
    }
}
