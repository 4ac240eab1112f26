import Foundation
import Hummingbird

/// `pods/eviction` (policy/v1 Eviction, what `kubectl drain` sends): deletes the pod unless
/// that would violate its PodDisruptionBudget, as kube-apiserver's eviction subresource does.
/// An allowed eviction takes one from the budget's `disruptionsAllowed` and records the pod in
/// `status.disruptedPods` before the pod is deleted, so concurrent evictions cannot overdraw it.
struct EvictionHandler: Sendable {
    let context: HandlerContext

    /// How often a budget update that lost a race is retried.
    static let maxBudgetConflicts = 5

    func evict(_ request: inout ResourceRequest) async throws -> Response {
        let body = try await request.body()
        guard body["kind"]?.stringValue ?? "Eviction" == "Eviction" else {
            throw APIError.badRequest("an Eviction is required, got \(APIError.quoted(body["kind"]?.stringValue ?? ""))")
        }
        if let name = body[path: ["metadata", "name"]]?.stringValue, name != request.name {
            throw APIError.badRequest("name in URL does not match name in Eviction object")
        }
        let deleteBody = body["deleteOptions"].flatMap { $0 == .null ? nil : $0 }
        var options = try DeleteRequestOptions(body: deleteBody, query: request.query)
        // The eviction's own CreateOptions may ask for a dry run as well as its deleteOptions.
        let createDryRun = request.query.all("dryRun")
        if deleteBody != nil, !createDryRun.isEmpty {
            let causes = WriteRequestOptions.dryRunCauses(createDryRun)
            guard causes.isEmpty else { throw APIError.invalidOptions("CreateOptions", causes: causes) }
            options.dryRun = true
        }
        let namespace = request.namespace ?? "default"
        let pod = try await context.objects.get(request.type, namespace: namespace, name: request.name)
        if !Self.ignoresBudgets(pod) {
            try await chargeBudget(for: pod, namespace: namespace, dryRun: options.dryRun)
        }
        _ = try await context.objects.delete(request.type, namespace: namespace, name: request.name, options: options.storeOptions(admission: request.admission))
        return APIResponse.json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201)
    }

    /// Terminal, unscheduled-pending and already-deleting pods are evicted without a budget.
    static func ignoresBudgets(_ pod: JSONValue) -> Bool {
        if pod[path: ["metadata", "deletionTimestamp"]] != nil { return true }
        switch pod[path: ["status", "phase"]]?.stringValue {
        case "Succeeded", "Failed", "Pending": return true
        default: return false
        }
    }

    /// Takes one disruption from the pod's budget, or throws kube's 429.
    private func chargeBudget(for pod: JSONValue, namespace: String, dryRun: Bool) async throws {
        guard let budgets = context.objects.registry.lookup(group: "policy", version: "v1", plural: "poddisruptionbudgets") else { return }
        let labels = pod[path: ["metadata", "labels"]]?.stringMap ?? [:]
        let podName = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        for _ in 0..<Self.maxBudgetConflicts {
            var listOptions = ObjectStore.ListOptions()
            listOptions.limit = 0
            let matching = (try await context.objects.list(budgets, namespace: namespace, options: listOptions)["items"]?.arrayValue ?? [])
                .filter { DisruptionController.selector($0)?.matches(labels) ?? false }
            guard !matching.isEmpty else { return }
            guard matching.count == 1, var budget = matching.first else {
                throw APIError.internalError("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
            }
            let name = budget[path: ["metadata", "name"]]?.stringValue ?? ""
            let generation = budget[path: ["metadata", "generation"]]?.integerValue ?? 1
            guard (budget[path: ["status", "observedGeneration"]]?.integerValue ?? 0) >= generation else {
                throw Self.violation("The disruption budget \(name) is still being processed by the server.")
            }
            let allowed = budget[path: ["status", "disruptionsAllowed"]]?.integerValue ?? 0
            guard allowed > 0 else {
                let desired = budget[path: ["status", "desiredHealthy"]]?.integerValue ?? 0
                let current = budget[path: ["status", "currentHealthy"]]?.integerValue ?? 0
                throw Self.violation("The disruption budget \(name) needs \(desired) healthy pods and has \(current) currently")
            }
            if dryRun { return }
            var status = budget["status"] ?? [:]
            status["disruptionsAllowed"] = .integer(allowed - 1)
            var disrupted = status["disruptedPods"]?.objectValue ?? [:]
            guard disrupted.count < 2000 else { throw Self.violation("DisruptedPods map too big - too many evictions not confirmed by PDB controller") }
            disrupted[podName] = .string(ObjectMeta.timestamp(Date()))
            status["disruptedPods"] = .object(disrupted)
            budget["status"] = status
            do {
                _ = try await context.objects.update(budgets, namespace: namespace, name: name, body: budget, subresource: "status")
                return
            } catch let error as APIError where error.code == 409 {
                continue  // the budget changed meanwhile: read it again
            }
        }
        throw APIError(code: 429, reason: "TooManyRequests", message: "too many conflicts updating the pod's disruption budget; try again", details: ["retryAfterSeconds": 1])
    }

    /// kube's answer when an eviction would break a budget.
    static func violation(_ cause: String) -> APIError {
        APIError(
            code: 429, reason: "TooManyRequests", message: "Cannot evict pod as it would violate the pod's disruption budget.",
            details: ["causes": [["reason": "DisruptionBudget", "message": .string(cause)]]])
    }
}
