import Agent
import Foundation
import KubeTypes
import Testing

/// The kubelet's `/metrics/resource` text from a summary: families, labels, exact seconds, stamps.
@Suite("Resource metrics exposition")
struct ResourceMetricsExpositionTests {
    @Test("a summary as kubelet's /metrics/resource text")
    func exposition() {
        let time = Date(timeIntervalSince1970: 1_800_000_000.25)
        let summary = StatsSummary(
            nodeName: "n1", cpu: .init(time: time, usageCoreNanoSeconds: 12_000_345_000), memory: .init(time: time, workingSetBytes: 2048),
            pods: [.init(namespace: "default", name: "web", uid: "u", containers: [
                .init(name: "b", cpu: .init(time: time, usageCoreNanoSeconds: 1_500_000_000), memory: .init(time: time, workingSetBytes: 100)),
                .init(name: "a\"q", cpu: .init(time: time, usageCoreNanoSeconds: 2_000_000_000), memory: .init(time: time, workingSetBytes: 50)),
            ])])
        let text = ResourceMetricsExposition.text(summary)
        #expect(text.contains("# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n# TYPE container_cpu_usage_seconds_total counter\n"))
        #expect(text.contains("container_cpu_usage_seconds_total{container=\"a\\\"q\",namespace=\"default\",pod=\"web\"} 2 1800000000250\n"))
        #expect(text.contains("container_cpu_usage_seconds_total{container=\"b\",namespace=\"default\",pod=\"web\"} 1.5 1800000000250\n"))
        #expect(text.contains("node_cpu_usage_seconds_total 12.000345 1800000000250\n"))
        #expect(text.contains("pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web\"} 3.5 1800000000250\n"))
        #expect(text.contains("pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} 150 1800000000250\n"))
        #expect(text.hasSuffix("resource_scrape_error 0\n"))
        #expect(ResourceMetricsExposition.text(nil).hasSuffix("resource_scrape_error 1\n"))
    }
}
