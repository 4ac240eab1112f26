import Foundation
import Testing

@testable import KubeAPI

/// The autoscaler's arithmetic (kube-controller-manager's replica calculator and normalization)
/// and the autoscaling/v1 <-> v2 conversion.
@Suite("Horizontal pod autoscaler")
struct HorizontalPodAutoscalerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func pod(_ name: String, cpu: String? = "100m", phase: String = "Running", ready: Bool = true, startedAgo: TimeInterval = 600, readyAgo: TimeInterval = 590) -> JSONValue {
        var container: JSONValue = ["name": "main"]
        if let cpu { container["resources"] = ["requests": ["cpu": .string(cpu)]] }
        return [
            "metadata": ["name": .string(name)],
            "spec": ["containers": [container]],
            "status": [
                "phase": .string(phase), "startTime": .string(RFC3339.string(now.addingTimeInterval(-startedAgo))),
                "conditions": [["type": "Ready", "status": ready ? "True" : "False", "lastTransitionTime": .string(RFC3339.string(now.addingTimeInterval(-readyAgo)))]],
            ],
        ]
    }

    static func metric(_ milli: Int64) -> ReplicaCalculator.PodMetric { .init(value: milli, timestamp: now.addingTimeInterval(-5), window: 15) }

    @Test("utilization: ceil(ratio x ready pods), the tolerance band, and kube's figures")
    func utilization() throws {
        let calculator = ReplicaCalculator()
        let pods = (0..<3).map { Self.pod("p\($0)") }
        // 3 pods at 90m of 100m against 50%: 180% of target -> ceil(1.8 x 3) = 6.
        let up = try calculator.utilizationReplicas(
            current: 3, targetUtilization: 50, resource: "cpu", container: nil, pods: pods, metrics: ["p0": Self.metric(90), "p1": Self.metric(90), "p2": Self.metric(90)], now: Self.now)
        #expect(up.replicas == 6 && up.utilization == 90 && up.averageValue == 90)
        // 52% against 50%: within 10%, unchanged.
        let within = try calculator.utilizationReplicas(
            current: 3, targetUtilization: 50, resource: "cpu", container: nil, pods: pods, metrics: ["p0": Self.metric(52), "p1": Self.metric(52), "p2": Self.metric(52)], now: Self.now)
        #expect(within.replicas == 3)
        // 10% against 50%: ceil(0.2 x 3) = 1.
        let down = try calculator.utilizationReplicas(
            current: 3, targetUtilization: 50, resource: "cpu", container: nil, pods: pods, metrics: ["p0": Self.metric(10), "p1": Self.metric(10), "p2": Self.metric(10)], now: Self.now)
        #expect(down.replicas == 1)
    }

    @Test("missing metrics count as the request when scaling down and as nothing when scaling up; unready pods do not push a scale-up")
    func missingAndUnready() throws {
        let calculator = ReplicaCalculator()
        // Scale down with a pod without metrics: it counts at 100% of its request, which flips the
        // direction (2 x 10m + 100m over 300m = 40% < 50%, ceil(0.8 x 3) = 3): unchanged.
        let pods = (0..<3).map { Self.pod("p\($0)") }
        let down = try calculator.utilizationReplicas(
            current: 3, targetUtilization: 50, resource: "cpu", container: nil, pods: pods, metrics: ["p0": Self.metric(10), "p1": Self.metric(10)], now: Self.now)
        #expect(down.replicas == 3)
        // Scale up with a pending pod: it counts as using nothing. 2 x 100m + 0 over 300m = 67% of 50% -> ceil(1.33 x 3) = 4.
        let withPending = [Self.pod("p0"), Self.pod("p1"), Self.pod("p2", phase: "Pending")]
        let up = try calculator.utilizationReplicas(
            current: 3, targetUtilization: 50, resource: "cpu", container: nil, pods: withPending, metrics: ["p0": Self.metric(100), "p1": Self.metric(100)], now: Self.now)
        #expect(up.replicas == 4 && up.utilization == 100)
        // A pod that just became ready: its sample predates one window after readiness, so it is unready.
        let fresh = Self.pod("p0", startedAgo: 20, readyAgo: 2)
        let groups = calculator.group([fresh], metrics: ["p0": Self.metric(50)], resource: "cpu", now: Self.now)
        #expect(groups.unready == ["p0"] && groups.ready == 0)
        // Deleted and failed pods are ignored.
        var deleted = Self.pod("gone")
        deleted[path: "metadata.deletionTimestamp"] = .string(RFC3339.string(Self.now))
        #expect(calculator.group([deleted, Self.pod("f", phase: "Failed")], metrics: [:], resource: "cpu", now: Self.now).ignored == ["gone", "f"])
    }

    @Test("errors in kube's words")
    func failures() {
        let calculator = ReplicaCalculator()
        #expect(throws: ReplicaCalculator.Failure("missing request for cpu in container main of Pod p0")) {
            _ = try calculator.utilizationReplicas(
                current: 1, targetUtilization: 50, resource: "cpu", container: nil, pods: [Self.pod("p0", cpu: nil)], metrics: ["p0": Self.metric(10)], now: Self.now)
        }
        #expect(throws: ReplicaCalculator.Failure("no pods returned by selector while calculating replica count")) {
            _ = try calculator.utilizationReplicas(current: 1, targetUtilization: 50, resource: "cpu", container: nil, pods: [], metrics: [:], now: Self.now)
        }
        #expect(throws: ReplicaCalculator.Failure("did not receive metrics for targeted pods (pods might be unready)")) {
            _ = try calculator.utilizationReplicas(
                current: 1, targetUtilization: 50, resource: "cpu", container: nil, pods: [Self.pod("p0", phase: "Pending")], metrics: ["p0": Self.metric(10)], now: Self.now)
        }
    }

    @Test("average value: usage per pod against the target")
    func averageValue() throws {
        let pods = (0..<2).map { Self.pod("p\($0)") }
        let result = try ReplicaCalculator().averageValueReplicas(
            current: 2, targetAverage: 100, resource: "memory", pods: pods, metrics: ["p0": Self.metric(300), "p1": Self.metric(100)], now: Self.now)
        #expect(result.replicas == 4 && result.averageValue == 200)
    }

    @Test("without a behavior: scale-up limited to max(2 x current, 4), scale-down held by the window, min and max")
    func normalizeDefaults() {
        let normalizer = ScaleNormalizer(downscaleStabilization: 300)
        var history = ScaleNormalizer.History()
        normalizer.recordInitial(2, in: &history, now: Self.now)
        let up = normalizer.normalize(desired: 20, current: 2, minReplicas: 1, maxReplicas: 10, behavior: nil, history: &history, now: Self.now)
        #expect(up.replicas == 4 && up.scalingLimited.reason == "ScaleUpLimit" && up.scalingLimited.status == "True")
        let capped = normalizer.normalize(desired: 20, current: 8, minReplicas: 1, maxReplicas: 10, behavior: nil, history: &history, now: Self.now.addingTimeInterval(15))
        #expect(capped.replicas == 10 && capped.scalingLimited.reason == "TooManyReplicas")
        // Lower recommendations within five minutes of the high one are held at it.
        let held = normalizer.normalize(desired: 3, current: 10, minReplicas: 1, maxReplicas: 10, behavior: nil, history: &history, now: Self.now.addingTimeInterval(60))
        #expect(held.replicas == 10)
        #expect(held.ableToScale.reason == "ScaleDownStabilized")
        let later = normalizer.normalize(desired: 3, current: 10, minReplicas: 1, maxReplicas: 10, behavior: nil, history: &history, now: Self.now.addingTimeInterval(400))
        #expect(later.replicas == 3 && later.ableToScale.reason == "ReadyForNewScale" && later.scalingLimited.reason == "DesiredWithinRange")
        let floor = normalizer.normalize(desired: 0, current: 3, minReplicas: 2, maxReplicas: 10, behavior: nil, history: &history, now: Self.now.addingTimeInterval(800))
        #expect(floor.replicas == 2 && floor.scalingLimited.reason == "TooFewReplicas")
    }

    @Test("with a behavior: policies per period over recorded scale events, selectPolicy, and the windows")
    func normalizeBehavior() {
        let normalizer = ScaleNormalizer(downscaleStabilization: 300)
        var object: JSONValue = ["spec": ["behavior": ["scaleUp": ["policies": [["type": "Pods", "value": 1, "periodSeconds": 60]]], "scaleDown": ["stabilizationWindowSeconds": 0]]]]
        HorizontalPodAutoscalerStrategy.applyDefaults(&object)
        let behavior = object[path: ["spec", "behavior"]]
        #expect(behavior?["scaleDown"]?["policies"]?.arrayValue?.first?["type"] == "Percent")
        #expect(behavior?["scaleUp"]?["selectPolicy"] == "Max" && behavior?["scaleUp"]?["stabilizationWindowSeconds"] == 0)
        var history = ScaleNormalizer.History()
        let first = normalizer.normalize(desired: 5, current: 2, minReplicas: 1, maxReplicas: 10, behavior: behavior, history: &history, now: Self.now)
        #expect(first.replicas == 3 && first.scalingLimited.reason == "ScaleUpLimit")
        normalizer.recordScale(from: 2, to: 3, behavior: behavior, history: &history, now: Self.now)
        // Within the same 60 s period one pod was already added: no more.
        let second = normalizer.normalize(desired: 5, current: 3, minReplicas: 1, maxReplicas: 10, behavior: behavior, history: &history, now: Self.now.addingTimeInterval(30))
        #expect(second.replicas == 3)
        let third = normalizer.normalize(desired: 5, current: 3, minReplicas: 1, maxReplicas: 10, behavior: behavior, history: &history, now: Self.now.addingTimeInterval(61))
        #expect(third.replicas == 4)
        // Scale down with a zero window and 100% per 15 s: straight to the recommendation.
        let down = normalizer.normalize(desired: 1, current: 4, minReplicas: 1, maxReplicas: 10, behavior: behavior, history: &history, now: Self.now.addingTimeInterval(120))
        #expect(down.replicas == 1)
    }

    @Test("defaults: minReplicas 1 and CPU at 80%; validation messages")
    func strategy() {
        var object: JSONValue = ["spec": ["scaleTargetRef": ["kind": "Deployment", "name": "web"], "maxReplicas": 3]]
        HorizontalPodAutoscalerStrategy.applyDefaults(&object)
        #expect(object[path: ["spec", "minReplicas"]] == 1)
        #expect(object[path: ["spec", "metrics"]]?.arrayValue?.first?[path: ["resource", "target", "averageUtilization"]] == 80)
        #expect(object[path: ["spec", "behavior"]] == nil)
        let causes = HorizontalPodAutoscalerStrategy().validate([
            "spec": [
                "scaleTargetRef": ["kind": "", "name": "a/b"], "minReplicas": 0, "maxReplicas": 0,
                "metrics": [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 50, "averageValue": "100m"]]], ["type": "Bogus"]],
            ],
        ])
        let texts = causes.map { "\($0.field): \($0.message)" }
        #expect(texts.contains("spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"))
        #expect(texts.contains("spec.maxReplicas: Invalid value: 0: must be greater than 0"))
        #expect(texts.contains("spec.scaleTargetRef.kind: Required value"))
        #expect(texts.contains("spec.scaleTargetRef.name: Invalid value: \"a/b\": may not contain '/' or '%' and may not be '.' or '..'"))
        #expect(texts.contains("spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization"))
        #expect(texts.contains { $0.hasPrefix("spec.metrics[1].type: Unsupported value: \"Bogus\"") }, "\(texts)")
    }

    @Test("autoscaling/v1 <-> v2: the CPU target, current utilization, and what v1 cannot hold kept in annotations")
    func conversion() {
        let v2: JSONValue = [
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "web"],
            "spec": [
                "scaleTargetRef": ["kind": "Deployment", "name": "web"], "minReplicas": 1, "maxReplicas": 5,
                "metrics": [
                    ["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 50]]],
                    ["type": "Resource", "resource": ["name": "memory", "target": ["type": "AverageValue", "averageValue": "100Mi"]]],
                ],
                "behavior": ["scaleDown": ["stabilizationWindowSeconds": 60]],
            ],
            "status": [
                "currentReplicas": 2, "desiredReplicas": 3,
                "currentMetrics": [["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": 75, "averageValue": "75m"]]]],
                "conditions": [["type": "AbleToScale", "status": "True", "reason": "SucceededRescale", "message": "m"]],
            ],
        ]
        let v1 = HorizontalPodAutoscalerConversion.toV1(v2)
        #expect(v1["apiVersion"] == "autoscaling/v1")
        #expect(v1[path: ["spec", "targetCPUUtilizationPercentage"]] == 50 && v1[path: ["spec", "metrics"]] == nil)
        #expect(v1[path: ["status", "currentCPUUtilizationPercentage"]] == 75)
        #expect(v1[path: ["metadata", "annotations"]]?[HorizontalPodAutoscalerConversion.metricsAnnotation] != nil)
        // Back to v2, nothing lost (the current CPU value per pod is not in v1).
        let back = HorizontalPodAutoscalerConversion.toV2(v1)
        #expect(back["spec"] == v2["spec"])
        #expect(back[path: ["status", "conditions"]] == v2[path: ["status", "conditions"]])
        #expect(back[path: ["metadata", "annotations"]] == nil)
        // A hostile annotation is ignored, not trusted.
        var hostile = v1
        hostile[path: "metadata.annotations"] = [HorizontalPodAutoscalerConversion.metricsAnnotation: .string(String(repeating: "[", count: 100_000))]
        #expect(HorizontalPodAutoscalerConversion.toV2(hostile)[path: ["spec", "metrics"]]?.arrayValue?.count == 1)
    }

    @Test("kubectl's TARGETS column")
    func targets() {
        let cpu: JSONValue = ["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 50]]]
        #expect(TableConvertor.hpaTargets([cpu], []) == "cpu: <unknown>/50%")
        #expect(TableConvertor.hpaTargets([cpu], [["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": 75]]]]) == "cpu: 75%/50%")
        let memory: JSONValue = ["type": "Resource", "resource": ["name": "memory", "target": ["type": "AverageValue", "averageValue": "100Mi"]]]
        #expect(TableConvertor.hpaTargets([cpu, memory, cpu], []) == "cpu: <unknown>/50%, memory: <unknown>/100Mi + 1 more...")
        #expect(TableConvertor.hpaTargets([], []) == "<none>")
    }
}

/// Seeded random (and extreme) inputs to the autoscaler's arithmetic: nothing traps, and the
/// result stays within the autoscaler's bounds.
@Suite("Horizontal pod autoscaler: random inputs")
struct HorizontalPodAutoscalerRandomTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("normalization and replica counts on random and extreme values")
    func randomInputs() throws {
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        print("HorizontalPodAutoscalerRandomTests seed \(seed)")
        var random = Generator(state: seed)
        let extremes: [Int64] = [0, 1, 2, 3, 100, Int64(Int32.max), Int64.max, -1, Int64.min]
        func value() -> Int64 { Bool.random(using: &random) ? extremes.randomElement(using: &random)! : Int64.random(in: 0...1000, using: &random) }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for round in 0..<2000 {
            let minimum = max(1, min(value(), Int64(Int32.max)))
            let maximum = max(minimum, min(value(), Int64(Int32.max)))
            let current = min(max(value(), 0), Int64(Int32.max))
            var behavior: JSONValue? = nil
            if Bool.random(using: &random) {
                var object: JSONValue = ["spec": ["behavior": [
                    "scaleUp": ["policies": [["type": Bool.random(using: &random) ? "Pods" : "Percent", "value": .integer(value()), "periodSeconds": .integer(value())]]],
                    "scaleDown": ["stabilizationWindowSeconds": .integer(min(max(value(), 0), 3600)), "selectPolicy": .string(["Min", "Max", "Disabled"].randomElement(using: &random)!),
                        "policies": [["type": Bool.random(using: &random) ? "Pods" : "Percent", "value": .integer(value()), "periodSeconds": .integer(value())]]],
                ]]]
                HorizontalPodAutoscalerStrategy.applyDefaults(&object)
                behavior = object[path: ["spec", "behavior"]]
            }
            var history = ScaleNormalizer.History()
            let normalizer = ScaleNormalizer()
            normalizer.recordInitial(current, in: &history, now: now)
            for step in 0..<3 {
                let time = now.addingTimeInterval(Double(step * 20))
                let outcome = normalizer.normalize(
                    desired: min(max(value(), 0), Int64(Int32.max)), current: current, minReplicas: minimum, maxReplicas: maximum, behavior: behavior,
                    history: &history, now: time)
                #expect(outcome.replicas >= 0, "round \(round) seed \(seed)")
                if current >= minimum && current <= maximum {
                    #expect(outcome.replicas >= minimum && outcome.replicas <= maximum, "round \(round) seed \(seed): \(outcome) \(minimum)...\(maximum)")
                }
                normalizer.recordScale(from: current, to: outcome.replicas, behavior: behavior, history: &history, now: time)
            }
            // The calculator on random usage and requests.
            let pods = (0..<Int.random(in: 1...5, using: &random)).map { HorizontalPodAutoscalerTests.pod("p\($0)", cpu: "\(Int.random(in: 1...4000, using: &random))m") }
            var metrics: [String: ReplicaCalculator.PodMetric] = [:]
            for pod in pods where Bool.random(using: &random) {
                metrics[pod[path: ["metadata", "name"]]!.stringValue!] = .init(value: max(value(), 0), timestamp: now.addingTimeInterval(-5), window: 15)
            }
            if let result = try? ReplicaCalculator().utilizationReplicas(
                current: current, targetUtilization: max(1, min(value(), Int64(Int32.max))), resource: "cpu", container: nil, pods: pods, metrics: metrics, now: now)
            {
                #expect(result.replicas >= 0 && result.replicas <= Int64(Int32.max), "round \(round) seed \(seed)")
            }
        }
    }
}
