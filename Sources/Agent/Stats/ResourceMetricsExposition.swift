import Foundation
public import KubeTypes

/// The kubelet's `/metrics/resource` endpoint: a node's stats summary as the Prometheus text
/// exposition the kubelet writes there (what metrics-server and Prometheus scrape): node, pod
/// and container CPU seconds and working sets, each sample stamped with its reading's time in
/// milliseconds, and `resource_scrape_error`.
public enum ResourceMetricsExposition {
    /// The text for `summary`; nil (a scrape error) is `resource_scrape_error 1` alone.
    public static func text(_ summary: StatsSummary?) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: String, time: Date?)]) {
            out += "# HELP \(name) [STABLE] \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.isEmpty ? "" : "{" + sample.labels.map { "\($0.0)=\"\(escaped($0.1))\"" }.joined(separator: ",") + "}"
                let stamp = sample.time.map { " \(Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)))" } ?? ""
                out += "\(name)\(labels) \(sample.value)\(stamp)\n"
            }
        }
        guard let summary else {
            family("resource_scrape_error", "gauge", "1 if there was an error while getting container metrics, 0 otherwise", [([], "1", nil)])
            return out
        }
        let pods = summary.pods.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        var containerCPU: [(labels: [(String, String)], value: String, time: Date?)] = []
        var containerMemory: [(labels: [(String, String)], value: String, time: Date?)] = []
        var podCPU: [(labels: [(String, String)], value: String, time: Date?)] = []
        var podMemory: [(labels: [(String, String)], value: String, time: Date?)] = []
        for pod in pods {
            var cpu: Int64 = 0
            var memory: Int64 = 0
            var latest = Date.distantPast
            for container in pod.containers.sorted(by: { $0.name < $1.name }) {
                let labels = [("container", container.name), ("namespace", pod.namespace), ("pod", pod.name)]
                containerCPU.append((labels, seconds(container.cpu.usageCoreNanoSeconds), container.cpu.time))
                containerMemory.append((labels, String(container.memory.workingSetBytes), container.memory.time))
                cpu = cpu.addingReportingOverflow(container.cpu.usageCoreNanoSeconds).overflow ? .max : cpu + container.cpu.usageCoreNanoSeconds
                memory = memory.addingReportingOverflow(container.memory.workingSetBytes).overflow ? .max : memory + container.memory.workingSetBytes
                latest = max(latest, container.cpu.time)
            }
            guard !pod.containers.isEmpty else { continue }
            podCPU.append(([("namespace", pod.namespace), ("pod", pod.name)], seconds(cpu), latest))
            podMemory.append(([("namespace", pod.namespace), ("pod", pod.name)], String(memory), latest))
        }
        family("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the container in core-seconds", containerCPU)
        family("container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes", containerMemory)
        family("node_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the node in core-seconds",
            [([], seconds(summary.cpu.usageCoreNanoSeconds), summary.cpu.time)])
        family("node_memory_working_set_bytes", "gauge", "Current working set of the node in bytes", [([], String(summary.memory.workingSetBytes), summary.memory.time)])
        family("pod_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the pod in core-seconds", podCPU)
        family("pod_memory_working_set_bytes", "gauge", "Current working set of the pod in bytes", podMemory)
        family("resource_scrape_error", "gauge", "1 if there was an error while getting container metrics, 0 otherwise", [([], "0", nil)])
        return out
    }

    /// Nanoseconds as seconds, exactly (no floating-point rounding): `12.000345678`.
    static func seconds(_ nanoseconds: Int64) -> String {
        let whole = nanoseconds / 1_000_000_000
        let fraction = nanoseconds % 1_000_000_000
        guard fraction != 0 else { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 9 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    /// A label value escaped as the exposition format asks: backslash, double quote, newline.
    static func escaped(_ value: String) -> String {
        var out = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
