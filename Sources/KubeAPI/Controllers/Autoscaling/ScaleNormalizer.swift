import Foundation

/// Turns an autoscaler's raw recommendation into the replica count it sets, as
/// kube-controller-manager's HPA controller does: recommendations are remembered per autoscaler,
/// scaling down waits for the highest recommendation of the stabilization window; without a
/// `behavior` scaling up is limited to max(2 x current, 4) per step, with one it follows the
/// behavior's windows and policies (`Pods` / `Percent` per period, `selectPolicy`) over the
/// scale events of each policy's period; the result is kept within min/max replicas. Each step
/// also reports the `AbleToScale` and `ScalingLimited` conditions' reasons.
struct ScaleNormalizer: Sendable {
    struct Recommendation: Sendable { var replicas: Int64; var time: Date }
    struct ScaleEvent: Sendable { var change: Int64; var time: Date }
    /// What one autoscaler's past steps left.
    struct History: Sendable {
        var recommendations: [Recommendation] = []
        var scaleUps: [ScaleEvent] = []
        var scaleDowns: [ScaleEvent] = []
    }

    /// A condition's new state.
    struct Condition: Sendable, Equatable {
        var status: String
        var reason: String
        var message: String
    }

    /// The result of one step.
    struct Outcome: Sendable, Equatable {
        var replicas: Int64
        var ableToScale: Condition
        var scalingLimited: Condition
    }

    /// How long scaling down waits for lower recommendations to hold (kube's
    /// `--horizontal-pod-autoscaler-downscale-stabilization`). Default 5 minutes.
    var downscaleStabilization: TimeInterval = 300

    /// Records `current` as a recommendation if there is none yet (kube's `recordInitialRecommendation`).
    func recordInitial(_ current: Int64, in history: inout History, now: Date) {
        if history.recommendations.isEmpty { history.recommendations.append(Recommendation(replicas: current, time: now)) }
    }

    /// The replicas to set for `desired` (the metrics' recommendation), given `current` replicas,
    /// the limits and the autoscaler's `behavior` (nil: the defaults without one).
    func normalize(desired: Int64, current: Int64, minReplicas: Int64, maxReplicas: Int64, behavior: JSONValue?, history: inout History, now: Date) -> Outcome {
        guard let behavior, behavior != .null else {
            // kube's normalizeDesiredReplicas.
            let cutoff = now.addingTimeInterval(-downscaleStabilization)
            var stabilized = desired
            for recommendation in history.recommendations where recommendation.time >= cutoff { stabilized = max(stabilized, recommendation.replicas) }
            remember(desired, in: &history, now: now, keepAfter: cutoff)
            let able = stabilized != desired
                ? Condition(status: "True", reason: "ScaleDownStabilized", message: "recent recommendations were higher than current one, applying the highest recent recommendation")
                : Condition(status: "True", reason: "ReadyForNewScale", message: "recommended size matches current size")
            let scaleUpLimit = max(current.multipliedClamped(by: 2), 4)
            var limited: (Int64, String, String)
            if stabilized < minReplicas {
                limited = (minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
            } else if maxReplicas > scaleUpLimit, stabilized > scaleUpLimit {
                limited = (scaleUpLimit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
            } else if maxReplicas <= scaleUpLimit, stabilized > maxReplicas {
                limited = (maxReplicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
            } else {
                limited = (stabilized, "DesiredWithinRange", "the desired count is within the acceptable range")
            }
            return Outcome(
                replicas: limited.0, ableToScale: able,
                scalingLimited: Condition(status: limited.0 == stabilized ? "False" : "True", reason: limited.1, message: limited.2))
        }
        // kube's normalizeDesiredReplicasWithBehaviors.
        let up = behavior["scaleUp"] ?? [:]
        let down = behavior["scaleDown"] ?? [:]
        let upWindow = TimeInterval(up["stabilizationWindowSeconds"]?.integerValue ?? 0)
        let downWindow = down["stabilizationWindowSeconds"]?.integerValue.map(TimeInterval.init) ?? downscaleStabilization
        let upCutoff = now.addingTimeInterval(-upWindow)
        let downCutoff = now.addingTimeInterval(-downWindow)
        var upRecommendation = desired
        var downRecommendation = desired
        for recommendation in history.recommendations {
            if recommendation.time > upCutoff { upRecommendation = min(upRecommendation, recommendation.replicas) }
            if recommendation.time > downCutoff { downRecommendation = max(downRecommendation, recommendation.replicas) }
        }
        var stabilized = max(current, upRecommendation)
        stabilized = min(stabilized, downRecommendation)
        remember(desired, in: &history, now: now, keepAfter: min(upCutoff, downCutoff))
        let able: Condition
        if stabilized == desired {
            able = Condition(status: "True", reason: "ReadyForNewScale", message: "recommended size matches current size")
        } else if desired >= current {
            able = Condition(status: "True", reason: "ScaleUpStabilized", message: "recent recommendations were lower than current one, applying the lowest recent recommendation")
        } else {
            able = Condition(status: "True", reason: "ScaleDownStabilized", message: "recent recommendations were higher than current one, applying the highest recent recommendation")
        }
        var result = (stabilized, "DesiredWithinRange", "the desired count is within the acceptable range")
        if stabilized > current {
            let limit = max(Self.scaleUpLimit(current: current, rules: up, history: history, now: now), current)
            let allowed = min(maxReplicas, limit)
            let reason = maxReplicas > limit
                ? ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                : ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
            if stabilized > allowed { result = (allowed, reason.0, reason.1) }
        } else if stabilized < current {
            let limit = min(Self.scaleDownLimit(current: current, rules: down, history: history, now: now), current)
            let allowed = max(minReplicas, limit)
            let reason = minReplicas < limit
                ? ("ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
                : ("TooFewReplicas", "the desired replica count is less than the minimum replica count")
            if stabilized < allowed { result = (allowed, reason.0, reason.1) }
        }
        return Outcome(
            replicas: result.0, ableToScale: able,
            scalingLimited: Condition(status: result.0 == stabilized ? "False" : "True", reason: result.1, message: result.2))
    }

    /// Records a rescale from `old` to `new` replicas (kept only for autoscalers with a behavior,
    /// pruned to the longest policy period).
    func recordScale(from old: Int64, to new: Int64, behavior: JSONValue?, history: inout History, now: Date) {
        guard let behavior, behavior != .null, old != new else { return }
        let direction = new > old ? "scaleUp" : "scaleDown"
        let longest = (behavior[path: [direction, "policies"]]?.arrayValue ?? []).compactMap { $0["periodSeconds"]?.integerValue }.max() ?? 0
        let cutoff = now.addingTimeInterval(-TimeInterval(longest))
        if new > old {
            history.scaleUps.removeAll { $0.time < cutoff }
            history.scaleUps.append(ScaleEvent(change: new - old, time: now))
        } else {
            history.scaleDowns.removeAll { $0.time < cutoff }
            history.scaleDowns.append(ScaleEvent(change: old - new, time: now))
        }
    }

    private func remember(_ replicas: Int64, in history: inout History, now: Date, keepAfter cutoff: Date) {
        if let old = history.recommendations.firstIndex(where: { $0.time < cutoff }) {
            history.recommendations[old] = Recommendation(replicas: replicas, time: now)
        } else {
            history.recommendations.append(Recommendation(replicas: replicas, time: now))
        }
        // Bounded whatever the clock does: one per sync within the longest window is plenty.
        if history.recommendations.count > 4096 { history.recommendations.removeFirst(history.recommendations.count - 4096) }
    }

    private static func changes(_ events: [ScaleEvent], within period: Int64, now: Date) -> Int64 {
        let cutoff = now.addingTimeInterval(-TimeInterval(period))
        return events.filter { $0.time > cutoff }.reduce(0) { $0.addingClamped($1.change) }
    }

    /// The replicas at the start of a policy's period: now, less what was added in it, plus what was removed.
    private static func periodStart(_ current: Int64, _ history: History, period: Int64, now: Date) -> Int64 {
        current.addingClamped(0 &- changes(history.scaleUps, within: period, now: now)).addingClamped(changes(history.scaleDowns, within: period, now: now))
    }

    static func scaleUpLimit(current: Int64, rules: JSONValue, history: History, now: Date) -> Int64 {
        let select = rules["selectPolicy"]?.stringValue ?? "Max"
        if select == "Disabled" { return current }
        var result: Int64 = select == "Min" ? .max : .min
        for policy in rules["policies"]?.arrayValue ?? [] {
            let period = policy["periodSeconds"]?.integerValue ?? 0
            let start = periodStart(current, history, period: period, now: now)
            let value = policy["value"]?.integerValue ?? 0
            let proposed = policy["type"]?.stringValue == "Pods"
                ? start.addingClamped(value) : ReplicaCalculator.ceiling(Double(start) * (1 + Double(value) / 100))
            result = select == "Min" ? min(result, proposed) : max(result, proposed)
        }
        return result
    }

    static func scaleDownLimit(current: Int64, rules: JSONValue, history: History, now: Date) -> Int64 {
        let select = rules["selectPolicy"]?.stringValue ?? "Max"
        if select == "Disabled" { return current }
        var result: Int64 = select == "Min" ? .min : .max
        for policy in rules["policies"]?.arrayValue ?? [] {
            let period = policy["periodSeconds"]?.integerValue ?? 0
            let start = periodStart(current, history, period: period, now: now)
            let value = policy["value"]?.integerValue ?? 0
            let proposed = policy["type"]?.stringValue == "Pods"
                ? start.addingClamped(0 &- max(value, 0)) : ReplicaCalculator.floor(Double(start) * (1 - Double(value) / 100))
            result = select == "Min" ? max(result, proposed) : min(result, proposed)
        }
        return result
    }
}
