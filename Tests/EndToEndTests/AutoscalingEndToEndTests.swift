import DaaSTestSupport
import Foundation
import Testing

/// HorizontalPodAutoscalers through kubectl 1.32: `kubectl autoscale` (autoscaling/v1), `get hpa`
/// (autoscaling/v2 Tables), and the controller scaling a Deployment up and back down on the
/// simulated nodes' reported usage.
@Suite("Horizontal pod autoscaling", .blockingWaits)
struct AutoscalingEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-hpa-\(UUID().uuidString)").path

    /// The HPA's row of `kubectl get hpa NAME`: NAME REFERENCE TARGETS... split on runs of spaces
    /// (TARGETS holds one space: `cpu: 200%/50%`).
    static func row(_ output: String) -> [String] {
        output.split(separator: "\n").dropFirst().first.map { $0.split(separator: " ").map(String.init) } ?? []
    }

    static func deployment(cpu: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata:
              labels: {app: web}
              annotations: {daas.io/simulated-cpu: \(cpu)}
            spec:
              containers:
              - {name: main, image: nginx, resources: {requests: {cpu: 100m, memory: 32Mi}}}
        """
    }

    @Test("kubectl autoscale scales a Deployment up on CPU above target and back down after the stabilization window")
    func scaleUpAndDown() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let cluster = try SimulatedCluster.start(
            root: root, nodes: 2, extra: ["--stats-interval", "1"],
            masterArguments: ["--horizontal-pod-autoscaler-sync-period", "1", "--horizontal-pod-autoscaler-downscale-stabilization", "5"])
        defer { cluster.stop() }
        // Each pod uses twice its request: 200% of a 50% target.
        _ = try cluster.ok(["apply", "-f", try writeFile(Self.deployment(cpu: "200m"), in: root, named: "web.yaml")])
        let created = try cluster.ok(["autoscale", "deployment", "web", "--cpu-percent=50", "--min=1", "--max=5"])
        #expect(created.trimmingCharacters(in: .whitespacesAndNewlines) == "horizontalpodautoscaler.autoscaling/web autoscaled", "\(created)")
        let header = try cluster.ok(["get", "hpa"]).split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) }
        #expect(header == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"])

        // 1 pod at 200% of 50%: 4 wanted (within max(2 x 1, 4)); then 4 pods at 200%: 16, limited to the 5 allowed.
        let scaledUp = eventually(120) { (try? cluster.kubectl(["get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]))?.output == "5" }
        #expect(scaledUp, "\((try? cluster.ok(["describe", "hpa", "web"])) ?? "")")
        #expect(eventually(60) { Self.row((try? cluster.kubectl(["get", "hpa", "web"]))?.output ?? "").prefix(7) == ["web", "Deployment/web", "cpu:", "200%/50%", "1", "5", "5"] },
            "\((try? cluster.ok(["get", "hpa", "web"])) ?? "")")
        let v2 = try cluster.ok(["get", "horizontalpodautoscalers.v2.autoscaling", "web", "-o", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(v2.utf8)) as? [String: Any])
        let status = try #require(object["status"] as? [String: Any])
        let conditions = (status["conditions"] as? [[String: Any]] ?? []).map { "\($0["type"] ?? "")=\($0["status"] ?? "")/\($0["reason"] ?? "")" }
        #expect(conditions.contains("ScalingActive=True/ValidMetricFound"), "\(conditions)")
        #expect(conditions.contains("ScalingLimited=True/TooManyReplicas"), "\(conditions)")
        let current = (status["currentMetrics"] as? [[String: Any]])?.first?["resource"] as? [String: Any]
        #expect((current?["current"] as? [String: Any])?["averageUtilization"] as? Int == 200, "\(status)")
        #expect(status["lastScaleTime"] != nil)
        // The same object through autoscaling/v1, as `kubectl autoscale` wrote it.
        let v1 = try cluster.ok(["get", "horizontalpodautoscalers.v1.autoscaling", "web", "-o", "jsonpath={.spec.targetCPUUtilizationPercentage} {.status.currentCPUUtilizationPercentage}"])
        #expect(v1 == "50 200", "\(v1)")
        let events = try cluster.ok(["get", "events", "--field-selector", "reason=SuccessfulRescale", "-o", "jsonpath={.items[*].message}"])
        #expect(events.contains("New size: 4; reason: cpu resource utilization (percentage of request) above target"), "\(events)")

        // Usage drops to 20% of request: 5 x 20/50 = 2 pods, once the 5 s stabilization window has passed.
        _ = try cluster.ok(["apply", "-f", try writeFile(Self.deployment(cpu: "20m").replacingOccurrences(of: "  replicas: 1\n", with: ""), in: root, named: "web2.yaml")])
        let scaledDown = eventually(180) { (try? cluster.kubectl(["get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]))?.output == "2" }
        #expect(scaledDown, "\((try? cluster.ok(["describe", "hpa", "web"])) ?? "")")
        let down = try cluster.ok(["get", "events", "--field-selector", "reason=SuccessfulRescale", "-o", "jsonpath={.items[*].message}"])
        #expect(down.contains("reason: All metrics below target"), "\(down)")

        // A v1 merge patch changes the target through the v1 field; v2 sees it as the CPU metric.
        _ = try cluster.ok(["patch", "horizontalpodautoscalers.v1.autoscaling", "web", "--type=merge", "-p", #"{"spec":{"targetCPUUtilizationPercentage":70}}"#])
        #expect(try cluster.ok(["get", "horizontalpodautoscalers.v2.autoscaling", "web", "-o", "jsonpath={.spec.metrics[0].resource.target.averageUtilization}"]) == "70")
    }

    @Test("autoscalers are validated, defaulted and report a target without metrics or without requests")
    func validationAndFailures() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let cluster = try SimulatedCluster.start(root: root, nodes: 1, extra: ["--stats-interval", "1"], masterArguments: ["--horizontal-pod-autoscaler-sync-period", "1"])
        defer { cluster.stop() }
        let invalid = try cluster.kubectl(["autoscale", "deployment", "web", "--min=5", "--max=2"])
        #expect(invalid.status != 0)
        let bad = try writeFile("""
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: bad}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
              minReplicas: 3
              maxReplicas: 2
              metrics:
              - type: Resource
                resource: {name: cpu, target: {type: Utilization, averageUtilization: 0}}
            """, in: root, named: "bad.yaml")
        let refused = try cluster.kubectl(["apply", "-f", bad])
        #expect(refused.status != 0)
        #expect(refused.error.contains("spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"), "\(refused.error)")
        #expect(refused.error.contains("spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"), "\(refused.error)")

        // A target that does not exist, and one whose containers request no CPU.
        _ = try cluster.ok(["create", "deployment", "norequest", "--image=nginx"])
        // (kubectl autoscale looks the target up first; a manifest need not.)
        _ = try cluster.ok(["apply", "-f", try writeFile("""
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: missing}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: missing}
              maxReplicas: 3
            """, in: root, named: "missing.yaml")])
        _ = try cluster.ok(["autoscale", "deployment", "norequest", "--max=3"])
        // Defaults: minReplicas 1 and an 80% CPU target.
        #expect(try cluster.ok(["get", "horizontalpodautoscalers.v2.autoscaling", "norequest", "-o", "jsonpath={.spec.minReplicas} {.spec.metrics[0].resource.target.averageUtilization}"]) == "1 80")
        #expect(eventually(60) {
            ((try? cluster.kubectl(["get", "hpa", "missing", "-o", "jsonpath={.status.conditions[?(@.type==\"AbleToScale\")].reason}"]))?.output ?? "") == "FailedGetScale"
        })
        #expect(eventually(60) {
            ((try? cluster.kubectl(["get", "hpa", "norequest", "-o", "jsonpath={.status.conditions[?(@.type==\"ScalingActive\")].message}"]))?.output ?? "")
                .contains("missing request for cpu in container nginx of Pod norequest-")
        }, "\((try? cluster.ok(["describe", "hpa", "norequest"])) ?? "")")
        #expect(Self.row(try cluster.ok(["get", "hpa", "norequest"])).prefix(4) == ["norequest", "Deployment/norequest", "cpu:", "<unknown>/80%"])
        #expect(try cluster.ok(["get", "deployment", "norequest", "-o", "jsonpath={.spec.replicas}"]) == "1")
    }
}
