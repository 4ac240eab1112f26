import Foundation
public import Logging
import Synchronization

/// Scales workloads on their pods' resource usage, as kube-controller-manager's
/// horizontal-pod-autoscaler controller does. Every `syncPeriod` (and on every change of an
/// autoscaler) it reads the target's scale, computes the replicas each `Resource` or
/// `ContainerResource` metric asks for from the node agents' usage reports (the same reports
/// `metrics.k8s.io` serves), takes the largest, normalizes it (``ScaleNormalizer``), writes the
/// target's replicas when they change (event `SuccessfulRescale`), and keeps the autoscaler's
/// status: current and desired replicas, current metrics, `lastScaleTime` and the conditions
/// `AbleToScale`, `ScalingActive` and `ScalingLimited`. `Pods`, `Object` and `External` metrics
/// need a custom or external metrics API, which this cluster does not serve: they are reported
/// as failed metrics.
public final class HorizontalPodAutoscalerController: Controller {
    public let name = "horizontal-pod-autoscaler"
    public let queue = WorkQueue<String>(name: "horizontalpodautoscaler")

    /// Tuning, as kube-controller-manager's `--horizontal-pod-autoscaler-*` flags.
    public struct Configuration: Sendable {
        /// How often every autoscaler is reconciled. Default 15 s.
        public var syncPeriod: Duration
        /// How long scaling down waits for lower recommendations to hold. Default 5 minutes.
        public var downscaleStabilization: Duration
        /// The relative distance from the target within which nothing changes. Default 0.1.
        public var tolerance: Double

        /// Creates a configuration with the documented defaults.
        public init(syncPeriod: Duration = .seconds(15), downscaleStabilization: Duration = .seconds(300), tolerance: Double = 0.1) {
            self.syncPeriod = syncPeriod
            self.downscaleStabilization = downscaleStabilization
            self.tolerance = tolerance
        }
    }

    let objects: ObjectStore
    let autoscalers: SharedInformer
    let pods: SharedInformer
    let usage: ResourceUsageStore
    let configuration: Configuration
    let autoscalerType: ResourceType
    let events: EventRecorder
    let logger: Logger
    private let histories = Mutex<[String: ScaleNormalizer.History]>([:])

    /// A controller over the autoscalers and pods informers, scaling on `usage` (the reports the
    /// API server receives).
    public init(
        objects: ObjectStore, autoscalers: SharedInformer, pods: SharedInformer, usage: ResourceUsageStore, configuration: Configuration = Configuration(),
        logger: Logger
    ) {
        self.objects = objects
        self.autoscalers = autoscalers
        self.pods = pods
        self.usage = usage
        self.configuration = configuration
        self.autoscalerType = objects.registry.lookup(group: "autoscaling", version: "v2", plural: "horizontalpodautoscalers")!
        self.events = EventRecorder(objects: objects, component: "horizontal-pod-autoscaler", logger: logger)
        self.logger = logger
        autoscalers.addHandler { [queue] event in queue.add(SharedInformer.key(of: event.object)) }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }

    /// Reconciles one autoscaler, and looks at it again after the sync period.
    public func reconcile(_ key: String) async throws {
        guard let autoscaler = autoscalers.get(key), autoscaler[path: ["metadata", "deletionTimestamp"]] == nil else {
            // Gone: so is what its past steps left.
            _ = histories.withLock { $0.removeValue(forKey: key) }
            return
        }
        // Level-triggered on a timer too: usage changes without any object changing.
        defer { queue.add(key, after: configuration.syncPeriod) }
        try await sync(key, autoscaler, now: Date())
    }

    private struct Status {
        var conditions: [JSONValue]
        var now: Date

        mutating func set(_ type: String, _ status: String, _ reason: String, _ message: String) {
            let stamp = JSONValue.string(ObjectMeta.timestamp(now))
            var condition: JSONValue = ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message), "lastTransitionTime": stamp]
            if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) {
                if conditions[index]["status"]?.stringValue == status, let since = conditions[index]["lastTransitionTime"] { condition["lastTransitionTime"] = since }
                conditions[index] = condition
            } else {
                conditions.append(condition)
            }
        }

        mutating func set(_ type: String, _ condition: ScaleNormalizer.Condition) { set(type, condition.status, condition.reason, condition.message) }
    }

    func sync(_ key: String, _ autoscaler: JSONValue, now: Date) async throws {
        let spec = autoscaler["spec"] ?? [:]
        let namespace = autoscaler[path: ["metadata", "namespace"]]?.stringValue ?? ""
        var state = Status(conditions: autoscaler[path: ["status", "conditions"]]?.arrayValue ?? [], now: now)
        var status = autoscaler["status"]?.objectValue ?? [:]
        let reference = spec["scaleTargetRef"] ?? [:]
        let targetKind = reference["kind"]?.stringValue ?? ""
        let targetName = reference["name"]?.stringValue ?? ""
        let referenceText = "\(targetKind)/\(namespace)/\(targetName)"

        // The target's scale.
        let scaleTarget: (type: ResourceType, object: JSONValue)
        do {
            scaleTarget = try await target(reference, namespace: namespace)
        } catch {
            let message = "\(error)"
            state.set("AbleToScale", "False", "FailedGetScale", "the HPA controller was unable to get the target's current scale: \(message)")
            await events.record(autoscaler, type: "Warning", reason: "FailedGetScale", message: message)
            status["conditions"] = .array(state.conditions)
            try await write(autoscaler, status: status)
            throw RequeueRequest("failed to query scale subresource for \(referenceText): \(message)")
        }
        state.set("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale")
        let scale = Scale.of(scaleTarget.object, type: scaleTarget.type)
        // A Scale's replicas are an int32 (a custom kind's path may hold anything).
        let current = min(max(scale[path: ["spec", "replicas"]]?.integerValue ?? 0, 0), Int64(Int32.max))
        let minReplicas = spec["minReplicas"]?.integerValue ?? 1
        let maxReplicas = spec["maxReplicas"]?.integerValue ?? 0
        let behavior = spec["behavior"].flatMap { $0 == .null ? nil : $0 }
        var normalizer = ScaleNormalizer()
        normalizer.downscaleStabilization = Self.seconds(configuration.downscaleStabilization)
        histories.withLock { normalizer.recordInitial(current, in: &$0[key, default: ScaleNormalizer.History()], now: now) }

        var desired: Int64 = 0
        var rescale = true
        var reason = ""
        var metricStatuses: [JSONValue]? = nil
        if current == 0 && minReplicas != 0 {
            rescale = false
            state.set("ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
        } else if current > maxReplicas {
            reason = "Current number of replicas above Spec.MaxReplicas"
            desired = maxReplicas
        } else if current < minReplicas {
            reason = "Current number of replicas below Spec.MinReplicas"
            desired = minReplicas
        } else {
            let computed = await replicasForMetrics(autoscaler, scale: scale, scaleObject: scaleTarget, current: current, state: &state, now: now)
            metricStatuses = computed.statuses
            guard let proposal = computed.replicas else {
                status["currentReplicas"] = .integer(current)
                status["currentMetrics"] = .array(computed.statuses)
                status["conditions"] = .array(state.conditions)
                if let failure = computed.failure {
                    await events.record(autoscaler, type: "Warning", reason: "FailedComputeMetricsReplicas", message: failure)
                }
                try await write(autoscaler, status: status)
                return
            }
            desired = proposal
            if desired > current { reason = "\(computed.metric) above target" }
            if desired < current { reason = "All metrics below target" }
            let outcome = histories.withLock {
                normalizer.normalize(
                    desired: desired, current: current, minReplicas: minReplicas, maxReplicas: maxReplicas, behavior: behavior,
                    history: &$0[key, default: ScaleNormalizer.History()], now: now)
            }
            desired = outcome.replicas
            state.set("AbleToScale", outcome.ableToScale)
            state.set("ScalingLimited", outcome.scalingLimited)
            rescale = desired != current
        }

        if rescale {
            do {
                var patch: JSONValue = [:]
                patch[path: Scale.Paths(scaleTarget.type).specReplicas.joined(separator: ".")] = .integer(desired)
                // As the scale subresource writes it (ScaleHandler): the object's replicas, validated as any update.
                _ = try await objects.mergePatch(
                    scaleTarget.type, namespace: namespace, name: targetName, patch: patch, options: .init(fieldManager: "kube-controller-manager"))
            } catch {
                await events.record(autoscaler, type: "Warning", reason: "FailedRescale", message: "New size: \(desired); reason: \(reason); error: \(error)")
                state.set("AbleToScale", "False", "FailedUpdateScale", "the HPA controller was unable to update the target scale: \(error)")
                status["currentReplicas"] = .integer(current)
                if let metricStatuses { status["currentMetrics"] = .array(metricStatuses) }
                status["conditions"] = .array(state.conditions)
                try await write(autoscaler, status: status)
                throw error
            }
            state.set("AbleToScale", "True", "SucceededRescale", "the HPA controller was able to update the target scale to \(desired)")
            await events.record(autoscaler, reason: "SuccessfulRescale", message: "New size: \(desired); reason: \(reason)")
            histories.withLock { normalizer.recordScale(from: current, to: desired, behavior: behavior, history: &$0[key, default: ScaleNormalizer.History()], now: now) }
            logger.info("autoscaler rescaled", metadata: ["autoscaler": "\(key)", "from": "\(current)", "to": "\(desired)", "reason": "\(reason)"])
            status["lastScaleTime"] = .string(ObjectMeta.timestamp(now))
        } else {
            desired = current
        }
        status["currentReplicas"] = .integer(current)
        status["desiredReplicas"] = .integer(desired)
        if let metricStatuses { status["currentMetrics"] = .array(metricStatuses) } else { status["currentMetrics"] = nil }
        status["conditions"] = .array(state.conditions)
        if let generation = autoscaler[path: ["metadata", "generation"]] { status["observedGeneration"] = generation }
        try await write(autoscaler, status: status)
    }

    /// The scale target's type and object; errors name what is missing as kube does.
    private func target(_ reference: JSONValue, namespace: String) async throws -> (type: ResourceType, object: JSONValue) {
        let kind = reference["kind"]?.stringValue ?? ""
        let registry = objects.registry
        let candidates = reference["apiVersion"]?.stringValue.flatMap { registry.lookup(apiVersion: $0, kind: kind) }.map { [$0] }
            ?? registry.types.filter { $0.kind == kind }
        guard let type = candidates.first(where: { $0.subresources.contains("scale") }) else {
            let group = reference["apiVersion"]?.stringValue.map { $0.contains("/") ? String($0.split(separator: "/")[0]) : "" } ?? ""
            throw ReplicaCalculator.Failure("no matches for kind \"\(kind)\" in group \"\(group)\"")
        }
        return (type, try await objects.get(type, namespace: namespace, name: reference["name"]?.stringValue ?? ""))
    }

    /// kube's computeReplicasForMetrics: the largest proposal over the metrics, their statuses,
    /// and nil replicas when every metric failed (or some failed and the rest would scale down).
    private func replicasForMetrics(
        _ autoscaler: JSONValue, scale: JSONValue, scaleObject: (type: ResourceType, object: JSONValue), current: Int64, state: inout Status, now: Date
    ) async -> (replicas: Int64?, metric: String, statuses: [JSONValue], failure: String?) {
        let specs = autoscaler[path: ["spec", "metrics"]]?.arrayValue ?? []
        var statuses = [JSONValue](repeating: ["type": ""], count: specs.count)
        // The selector: the scale's (custom kinds), else the workload's structured one.
        let selector: LabelSelector?
        if scaleObject.type.custom != nil {
            selector = (scale[path: ["status", "selector"]]?.stringValue).flatMap { $0.isEmpty ? nil : try? LabelSelector(parsing: $0) }
        } else {
            selector = LabelSelector(structured: scaleObject.object[path: ["spec", "selector"]]).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let selector else {
            let message = "selector is required"
            state.set("ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector")
            await events.record(autoscaler, type: "Warning", reason: "SelectorRequired", message: message)
            return (nil, "", statuses, "invalid metrics (1 invalid out of 1), first error is: \(message)")
        }
        let namespace = autoscaler[path: ["metadata", "namespace"]]?.stringValue
        let targeted = pods.list(namespace: namespace, selector: selector)
        var best: Int64? = nil
        var bestMetric = ""
        var invalid = 0
        var firstFailure: (reason: String, message: String, error: String)? = nil
        for (index, spec) in specs.enumerated() {
            do {
                let (replicas, name, status) = try computeMetric(spec, current: current, pods: targeted, now: now)
                statuses[index] = status
                if best == nil || replicas > best! {
                    best = replicas
                    bestMetric = name
                }
            } catch let failure as MetricFailure {
                invalid += 1
                if firstFailure == nil { firstFailure = (failure.reason, "the HPA was unable to compute the replica count: \(failure.message)", failure.message) }
                await events.record(autoscaler, type: "Warning", reason: failure.reason, message: failure.message)
            } catch {
                invalid += 1
            }
        }
        if let firstFailure, invalid >= specs.count || (best ?? 0) < current {
            state.set("ScalingActive", "False", firstFailure.reason, firstFailure.message)
            return (nil, "", statuses, "invalid metrics (\(invalid) invalid out of \(specs.count)), first error is: \(firstFailure.error)")
        }
        guard let best else { return (nil, "", statuses, nil) }
        state.set("ScalingActive", "True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count from \(bestMetric)")
        return (best, bestMetric, statuses, nil)
    }

    struct MetricFailure: Error {
        var reason: String
        var message: String
    }

    /// One metric's proposal, its name for events and its status entry.
    private func computeMetric(_ spec: JSONValue, current: Int64, pods: [JSONValue], now: Date)
        throws -> (Int64, String, JSONValue)
    {
        let type = spec["type"]?.stringValue ?? ""
        guard type == "Resource" || type == "ContainerResource" else {
            let reason = ["Pods": "FailedGetPodsMetric", "Object": "FailedGetObjectMetric", "External": "FailedGetExternalMetric"][type] ?? "InvalidMetricSourceType"
            let api = type == "External" ? "external.metrics.k8s.io" : "custom.metrics.k8s.io"
            throw MetricFailure(reason: reason, message: "unable to get metric \(spec[path: [type.prefix(1).lowercased() + type.dropFirst(), "metric", "name"]]?.stringValue ?? ""): no \(api) API is served by this cluster")
        }
        let member = type == "Resource" ? "resource" : "containerResource"
        let source = spec[member] ?? [:]
        let resource = source["name"]?.stringValue ?? ""
        let container = type == "ContainerResource" ? source["container"]?.stringValue : nil
        let failureReason = type == "Resource" ? "FailedGetResourceMetric" : "FailedGetContainerResourceMetric"
        guard resource == "cpu" || resource == "memory" else {
            throw MetricFailure(reason: failureReason, message: "failed to get \(resource) utilization: unable to get metrics for resource \(resource): no metrics returned from resource metrics API")
        }
        // Each pod's usage in milli-units, from the reports of the pods' own nodes.
        var metrics: [String: ReplicaCalculator.PodMetric] = [:]
        for pod in pods {
            guard let sample = usage.sample(of: pod, now: now), let name = pod[path: ["metadata", "name"]]?.stringValue else { continue }
            let containers = sample.containers.filter { container == nil || $0.name == container }
            guard !containers.isEmpty else { continue }
            let value = containers.reduce(Int64(0)) { sum, entry in
                sum.addingClamped(resource == "cpu" ? (entry.usage.cpuNanoCores.addingClamped(999_999)) / 1_000_000 : entry.usage.memoryBytes.multipliedClamped(by: 1000))
            }
            metrics[name] = ReplicaCalculator.PodMetric(value: value, timestamp: sample.timestamp, window: sample.window)
        }
        var calculator = ReplicaCalculator()
        calculator.tolerance = configuration.tolerance
        let target = source["target"] ?? [:]
        let what = container == nil ? "\(resource) resource" : "\(resource) container resource"
        do {
            guard !metrics.isEmpty else { throw ReplicaCalculator.Failure("unable to get metrics for resource \(resource): no metrics returned from resource metrics API") }
            if let averageText = target["averageValue"].flatMap({ $0.stringValue ?? $0.integerValue.map(String.init) }), let average = Quantity(averageText) {
                let result = try calculator.averageValueReplicas(
                    current: current, targetAverage: average.milliValue, resource: resource, pods: pods, metrics: metrics, now: now)
                var status: JSONValue = ["type": .string(type), member: ["name": .string(resource), "current": ["averageValue": .string(Quantity(milli: result.averageValue).description)]]]
                if let container { status[path: "\(member).container"] = .string(container) }
                return (result.replicas, what, status)
            }
            let utilization = target["averageUtilization"]?.integerValue ?? HorizontalPodAutoscalerStrategy.defaultCPUUtilization
            let result = try calculator.utilizationReplicas(
                current: current, targetUtilization: utilization, resource: resource, container: container, pods: pods, metrics: metrics, now: now)
            var status: JSONValue = [
                "type": .string(type),
                member: [
                    "name": .string(resource),
                    "current": ["averageUtilization": .integer(result.utilization), "averageValue": .string(Quantity(milli: result.averageValue).description)],
                ],
            ]
            if let container { status[path: "\(member).container"] = .string(container) }
            return (result.replicas, "\(what) utilization (percentage of request)", status)
        } catch let failure as ReplicaCalculator.Failure {
            let kind = target["averageValue"] != nil ? "usage" : "utilization"
            throw MetricFailure(reason: failureReason, message: "failed to get \(resource) \(kind): \(failure.description)")
        }
    }

    /// Writes `status` if it changed (kube's updateStatusIfNeeded).
    private func write(_ autoscaler: JSONValue, status: [String: JSONValue]) async throws {
        guard autoscaler["status"] != .object(status) else { return }
        var updated = autoscaler
        updated["status"] = .object(status)
        _ = try await objects.update(
            autoscalerType, namespace: autoscaler[path: ["metadata", "namespace"]]?.stringValue, name: autoscaler[path: ["metadata", "name"]]?.stringValue ?? "",
            body: updated, subresource: "status", options: .init(fieldManager: "kube-controller-manager"))
    }
}
