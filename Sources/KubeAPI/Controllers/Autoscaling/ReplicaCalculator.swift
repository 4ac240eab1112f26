import Foundation

/// How many replicas a resource metric asks for, as kube-controller-manager's replica calculator
/// works it out: usage (in milli-units) of the pods the target selects, against their requests
/// (a utilization target) or against a per-pod value (an average-value target). Pods being
/// deleted or failed are ignored; pending pods, and for CPU pods not yet ready (or ready for less
/// than one metrics window within their first five minutes), are left out unless the result would
/// scale up; pods without metrics count as using their request when scaling down and nothing
/// when scaling up. Within `tolerance` of the target nothing changes.
struct ReplicaCalculator: Sendable {
    /// One pod's usage: the sum over its containers, in milli-units (millicores, millibytes).
    struct PodMetric: Sendable, Hashable {
        var value: Int64
        var timestamp: Date
        var window: TimeInterval
    }

    /// Why no replica count could be computed, in kube's words.
    struct Failure: Error, CustomStringConvertible, Equatable {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The relative distance from the target within which nothing changes (kube's
    /// `--horizontal-pod-autoscaler-tolerance`). Default 0.1.
    var tolerance = 0.1
    /// How long after a pod starts its CPU samples may be those of its start-up. Default 5 minutes.
    var cpuInitializationPeriod: TimeInterval = 300
    /// How long after a pod starts it may still become ready for the first time. Default 30 s.
    var delayOfInitialReadinessStatus: TimeInterval = 30

    /// The replica count for a utilization target (percent of request), with the current
    /// utilization and the average usage per pod (milli-units).
    func utilizationReplicas(
        current: Int64, targetUtilization: Int64, resource: String, container: String?, pods: [JSONValue], metrics: [String: PodMetric], now: Date
    ) throws(Failure) -> (replicas: Int64, utilization: Int64, averageValue: Int64) {
        guard !pods.isEmpty else { throw Failure("no pods returned by selector while calculating replica count") }
        var metrics = metrics
        let groups = group(pods, metrics: metrics, resource: resource, now: now)
        for name in groups.ignored.union(groups.unready) { metrics[name] = nil }
        let requests = try Self.requests(pods, resource: resource, container: container)
        guard !metrics.isEmpty else { throw Failure("did not receive metrics for targeted pods (pods might be unready)") }
        let first = try Self.utilizationRatio(metrics, requests, target: targetUtilization)
        let scaleUpWithUnready = !groups.unready.isEmpty && first.ratio > 1
        if !scaleUpWithUnready && groups.missing.isEmpty {
            if abs(1 - first.ratio) <= tolerance { return (current, first.utilization, first.average) }
            return (Self.ceiling(first.ratio * Double(groups.ready)), first.utilization, first.average)
        }
        if first.ratio < 1 {
            // Scaling down: pods without metrics are taken to use their whole request.
            let fallback = max(100, targetUtilization)
            for name in groups.missing { metrics[name] = PodMetric(value: (requests[name] ?? 0).multipliedClamped(by: fallback) / 100, timestamp: now, window: 0) }
        } else if first.ratio > 1 {
            for name in groups.missing { metrics[name] = PodMetric(value: 0, timestamp: now, window: 0) }
        }
        if scaleUpWithUnready {
            for name in groups.unready { metrics[name] = PodMetric(value: 0, timestamp: now, window: 0) }
        }
        let second = try Self.utilizationRatio(metrics, requests, target: targetUtilization)
        if abs(1 - second.ratio) <= tolerance || (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1) {
            return (current, first.utilization, first.average)
        }
        let proposed = Self.ceiling(second.ratio * Double(metrics.count))
        if (second.ratio < 1 && proposed > current) || (second.ratio > 1 && proposed < current) { return (current, first.utilization, first.average) }
        return (proposed, first.utilization, first.average)
    }

    /// The replica count for an average-value target (milli-units per pod), with the current average.
    func averageValueReplicas(
        current: Int64, targetAverage: Int64, resource: String, pods: [JSONValue], metrics: [String: PodMetric], now: Date
    ) throws(Failure) -> (replicas: Int64, averageValue: Int64) {
        guard !pods.isEmpty else { throw Failure("no pods returned by selector while calculating replica count") }
        var metrics = metrics
        let groups = group(pods, metrics: metrics, resource: resource, now: now)
        for name in groups.ignored.union(groups.unready) { metrics[name] = nil }
        guard !metrics.isEmpty else { throw Failure("did not receive metrics for targeted pods (pods might be unready)") }
        let first = Self.usageRatio(metrics, target: targetAverage)
        let scaleUpWithUnready = !groups.unready.isEmpty && first.ratio > 1
        if !scaleUpWithUnready && groups.missing.isEmpty {
            if abs(1 - first.ratio) <= tolerance { return (current, first.average) }
            return (Self.ceiling(first.ratio * Double(groups.ready)), first.average)
        }
        for name in groups.missing { metrics[name] = PodMetric(value: first.ratio < 1 ? targetAverage : 0, timestamp: now, window: 0) }
        if scaleUpWithUnready {
            for name in groups.unready { metrics[name] = PodMetric(value: 0, timestamp: now, window: 0) }
        }
        let second = Self.usageRatio(metrics, target: targetAverage)
        if abs(1 - second.ratio) <= tolerance || (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1) {
            return (current, first.average)
        }
        let proposed = Self.ceiling(second.ratio * Double(metrics.count))
        if (second.ratio < 1 && proposed > current) || (second.ratio > 1 && proposed < current) { return (current, first.average) }
        return (proposed, first.average)
    }

    /// Pods split as kube's `groupPods`: counted (ready with metrics), unready, missing metrics, ignored.
    func group(_ pods: [JSONValue], metrics: [String: PodMetric], resource: String, now: Date)
        -> (ready: Int, unready: Set<String>, missing: Set<String>, ignored: Set<String>)
    {
        var ready = 0
        var unready = Set<String>(), missing = Set<String>(), ignored = Set<String>()
        for pod in pods {
            let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
            let phase = pod[path: ["status", "phase"]]?.stringValue
            if pod[path: ["metadata", "deletionTimestamp"]] != nil || phase == "Failed" {
                ignored.insert(name)
                continue
            }
            if phase == "Pending" {
                unready.insert(name)
                continue
            }
            guard let metric = metrics[name] else {
                missing.insert(name)
                continue
            }
            if resource == "cpu" {
                let condition = (pod[path: ["status", "conditions"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == "Ready" }
                let started = RFC3339.date(pod[path: ["status", "startTime"]]?.stringValue ?? "")
                let transition = RFC3339.date(condition?["lastTransitionTime"]?.stringValue ?? "") ?? .distantPast
                var isUnready: Bool
                if let condition, let started {
                    let notReady = condition["status"]?.stringValue == "False"
                    if started.addingTimeInterval(cpuInitializationPeriod) > now {
                        // Still starting: a sample from before one window after becoming ready is the start-up's.
                        isUnready = notReady || metric.timestamp < transition.addingTimeInterval(metric.window)
                    } else {
                        // Never became ready after starting.
                        isUnready = notReady && started.addingTimeInterval(delayOfInitialReadinessStatus) > transition
                    }
                } else {
                    isUnready = true
                }
                if isUnready {
                    unready.insert(name)
                    continue
                }
            }
            ready += 1
        }
        return (ready, unready, missing, ignored)
    }

    /// Each pod's request for `resource` in milli-units, summed over its containers (and restartable
    /// init containers), or only `container`'s; a container without that request is an error.
    static func requests(_ pods: [JSONValue], resource: String, container: String?) throws(Failure) -> [String: Int64] {
        var requests: [String: Int64] = [:]
        for pod in pods {
            let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
            var containers = pod[path: ["spec", "containers"]]?.arrayValue ?? []
            containers += (pod[path: ["spec", "initContainers"]]?.arrayValue ?? []).filter { $0["restartPolicy"]?.stringValue == "Always" }
            var sum: Int64 = 0
            for entry in containers where container == nil || entry["name"]?.stringValue == container {
                guard let text = entry[path: ["resources", "requests", resource]].flatMap({ $0.stringValue ?? $0.integerValue.map(String.init) }),
                    let quantity = Quantity(text)
                else {
                    throw Failure("missing request for \(resource) in container \(entry["name"]?.stringValue ?? "") of Pod \(name)")
                }
                sum = sum.addingClamped(quantity.milliValue)
            }
            requests[name] = sum
        }
        return requests
    }

    /// kube's `GetResourceUtilizationRatio`: total usage over total requests of the pods with both.
    static func utilizationRatio(_ metrics: [String: PodMetric], _ requests: [String: Int64], target: Int64) throws(Failure)
        -> (ratio: Double, utilization: Int64, average: Int64)
    {
        var usage: Int64 = 0, requested: Int64 = 0, entries: Int64 = 0
        for (name, metric) in metrics {
            guard let request = requests[name] else { continue }
            usage = usage.addingClamped(metric.value)
            requested = requested.addingClamped(request)
            entries += 1
        }
        guard requested > 0 else { throw Failure("no metrics returned matched known pods") }
        let utilization = usage.multipliedClamped(by: 100) / requested
        return (Double(utilization) / Double(max(target, 1)), utilization, usage / entries)
    }

    /// kube's `GetMetricUsageRatio`: the average per pod over the target average.
    static func usageRatio(_ metrics: [String: PodMetric], target: Int64) -> (ratio: Double, average: Int64) {
        let total = metrics.values.reduce(Int64(0)) { $0.addingClamped($1.value) }
        let average = total / Int64(max(metrics.count, 1))
        return (Double(average) / Double(max(target, 1)), average)
    }

    /// `ceil(value)` as a replica count, bounded to what a 32-bit replica field holds.
    static func ceiling(_ value: Double) -> Int64 {
        guard value.isFinite else { return value < 0 ? 0 : Int64(Int32.max) }
        return Int64(min(max(value.rounded(.up), 0), Double(Int32.max)))
    }

    /// `floor(value)` as a replica count, bounded the same way.
    static func floor(_ value: Double) -> Int64 {
        guard value.isFinite else { return value < 0 ? 0 : Int64(Int32.max) }
        return Int64(min(max(value.rounded(.down), 0), Double(Int32.max)))
    }
}

extension Int64 {
    /// `self + other`, saturating at the bounds instead of trapping.
    func addingClamped(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self * other`, saturating at the bounds instead of trapping.
    func multipliedClamped(by other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self > 0) == (other > 0) ? .max : .min) : product
    }
}
