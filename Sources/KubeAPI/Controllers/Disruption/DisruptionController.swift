public import Foundation
public import Logging

/// Keeps each PodDisruptionBudget's status, as kube-controller-manager's disruption controller:
/// the pods its selector matches in its namespace, how many are healthy (Ready and not being
/// deleted), how many must stay healthy, and so how many disruptions are allowed now.
///
/// An integer `minAvailable` counts against the matching pods; a percentage, or
/// `maxUnavailable`, against the scale of the pods' controllers (Deployment, ReplicaSet,
/// ReplicationController, StatefulSet). When a percentage cannot be resolved (a pod without a
/// known controller) no disruption is allowed, as upstream fails safe.
public final class DisruptionController: Controller {
    public let name = "disruption-controller"
    public let queue = WorkQueue<String>(name: "disruption")
    let objects: ObjectStore
    let budgets: SharedInformer
    let pods: SharedInformer
    /// Scale sources by kind: `Deployment`, `ReplicaSet`, `ReplicationController`, `StatefulSet`.
    let owners: [String: SharedInformer]
    let budgetType: ResourceType
    let logger: Logger
    let now: @Sendable () -> Date

    /// A controller over the budget and pod informers and the informers of the kinds whose
    /// scale percentages resolve against.
    public init(
        objects: ObjectStore, budgets: SharedInformer, pods: SharedInformer, owners: [String: SharedInformer], logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.objects = objects
        self.budgets = budgets
        self.pods = pods
        self.owners = owners
        self.budgetType = objects.registry.lookup(group: "policy", version: "v1", plural: "poddisruptionbudgets")!
        self.logger = logger
        self.now = now
        budgets.addHandler { [queue] event in
            if case .deleted = event { return }
            queue.add(SharedInformer.key(of: event.object))
        }
        pods.addHandler { [weak self] event in
            guard let self else { return }
            var labelSets = [event.object[path: ["metadata", "labels"]]?.stringMap ?? [:]]
            if case .updated(let old, _) = event { labelSets.append(old[path: ["metadata", "labels"]]?.stringMap ?? [:]) }
            let namespace = event.object[path: ["metadata", "namespace"]]?.stringValue ?? ""
            for budget in self.budgets.byIndex(SharedInformer.namespaceIndex, namespace) {
                guard let selector = Self.selector(budget) else { continue }
                if labelSets.contains(where: selector.matches) { self.queue.add(SharedInformer.key(of: budget)) }
            }
        }
    }

    /// The budget's selector; nil (selects nothing) when absent or not understood. In policy/v1
    /// an empty selector selects every pod in the namespace.
    static func selector(_ budget: JSONValue) -> LabelSelector? {
        guard let raw = budget[path: ["spec", "selector"]], raw != .null else { return nil }
        return LabelSelector(structured: raw)
    }

    /// The entries of `status.disruptedPods` still in effect: the pod exists, is not being
    /// deleted, and was evicted less than two minutes ago.
    static func pendingDisruptions(_ budget: JSONValue, matching: [JSONValue], now: Date) -> [String: JSONValue] {
        let live = Set(matching.filter { $0[path: ["metadata", "deletionTimestamp"]] == nil }.compactMap { $0[path: ["metadata", "name"]]?.stringValue })
        return (budget[path: ["status", "disruptedPods"]]?.objectValue ?? [:]).filter { name, time in
            guard live.contains(name), let seconds = TableConvertor.seconds(time) else { return false }
            return now.timeIntervalSince1970 - Double(seconds) < 120
        }
    }

    public func reconcile(_ key: String) async throws {
        guard let budget = budgets.get(key), budget[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let namespace = budget[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let matching: [JSONValue]
        if let selector = Self.selector(budget) {
            matching = pods.byIndex(SharedInformer.namespaceIndex, namespace).filter { selector.matches($0[path: ["metadata", "labels"]]?.stringMap ?? [:]) }
        } else {
            matching = []
        }
        // Pods the eviction API let go of moments ago (status.disruptedPods) no longer count as
        // healthy, until they are gone or two minutes have passed, as upstream.
        let disrupted = Self.pendingDisruptions(budget, matching: matching, now: Date())
        let healthy = Int64(matching.filter {
            $0[path: ["metadata", "deletionTimestamp"]] == nil && ReplicaSetController.isReady($0)
                && disrupted[$0[path: ["metadata", "name"]]?.stringValue ?? ""] == nil
        }.count)
        let spec = budget["spec"] ?? [:]
        var expected = Int64(matching.count)
        var desired: Int64 = 0
        var failure: String?
        if let maxUnavailable = spec["maxUnavailable"], maxUnavailable != .null {
            if let scale = expectedScale(matching, namespace: namespace), let unavailable = IntOrPercent.resolve(maxUnavailable, total: scale, roundUp: true) {
                expected = scale
                desired = max(0, scale - unavailable)
            } else {
                failure = "found no controllers for the budget's pods, or maxUnavailable is not a count or percentage"
            }
        } else if case .integer(let minimum)? = spec["minAvailable"] {
            desired = max(0, minimum)
        } else if let minAvailable = spec["minAvailable"], minAvailable != .null {
            if let scale = expectedScale(matching, namespace: namespace), let minimum = IntOrPercent.resolve(minAvailable, total: scale, roundUp: true) {
                expected = scale
                desired = minimum
            } else {
                failure = "found no controllers for the budget's pods, or minAvailable is not a count or percentage"
            }
        }
        let allowed = failure == nil ? max(0, healthy - desired) : 0
        var status = budget["status"] ?? [:]
        status["currentHealthy"] = .integer(healthy)
        status["desiredHealthy"] = .integer(desired)
        status["expectedPods"] = .integer(expected)
        status["disruptionsAllowed"] = .integer(allowed)
        status["observedGeneration"] = budget[path: ["metadata", "generation"]] ?? 1
        status["disruptedPods"] = .object(disrupted)
        let (conditionStatus, reason, message): (String, String, String) =
            if let failure { ("False", "SyncFailed", failure) } else if allowed > 0 { ("True", "SufficientPods", "") } else { ("False", "InsufficientPods", "") }
        var conditions = status["conditions"]?.arrayValue ?? []
        let old = conditions.firstIndex { $0["type"] == "DisruptionAllowed" }
        var condition: JSONValue = [
            "type": "DisruptionAllowed", "status": .string(conditionStatus), "reason": .string(reason), "message": .string(message),
            "observedGeneration": status["observedGeneration"] ?? 1,
        ]
        if let old, conditions[old]["status"]?.stringValue == conditionStatus, let since = conditions[old]["lastTransitionTime"] {
            condition["lastTransitionTime"] = since
        } else {
            condition["lastTransitionTime"] = .string(ObjectMeta.timestamp(now()))
        }
        if let old { conditions[old] = condition } else { conditions.append(condition) }
        status["conditions"] = .array(conditions)
        guard status != (budget["status"] ?? [:]) else { return }
        var updated = budget
        updated["status"] = status
        do {
            _ = try await objects.update(
                budgetType, namespace: namespace, name: budget[path: ["metadata", "name"]]?.stringValue ?? "", body: updated, subresource: "status")
        } catch let error as APIError where error.code == 404 {
            return
        }
    }

    /// The summed `spec.replicas` of the controllers of `pods` (a ReplicaSet owned by a
    /// Deployment counts as the Deployment); nil when a pod has no controller this knows.
    private func expectedScale(_ pods: [JSONValue], namespace: String) -> Int64? {
        var scales: [String: Int64] = [:]
        for pod in pods {
            guard let ref = ReplicaSetController.controllerRef(pod), let kind = ref["kind"]?.stringValue, let name = ref["name"]?.stringValue,
                var owner = owners[kind]?.get(namespace + "/" + name), owner[path: ["metadata", "uid"]] == ref["uid"]
            else { return nil }
            if kind == "ReplicaSet", let parent = ReplicaSetController.controllerRef(owner, kind: "Deployment"), let name = parent["name"]?.stringValue,
                let deployment = owners["Deployment"]?.get(namespace + "/" + name), deployment[path: ["metadata", "uid"]] == parent["uid"]
            {
                owner = deployment
            }
            let uid = owner[path: ["metadata", "uid"]]?.stringValue ?? ""
            scales[uid] = max(0, owner[path: ["spec", "replicas"]]?.integerValue ?? 1)
        }
        return scales.values.reduce(0) { $0.addingReportingOverflow($1).overflow ? Int64.max : $0 + $1 }
    }
}
