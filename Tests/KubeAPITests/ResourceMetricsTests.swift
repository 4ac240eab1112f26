import Foundation
import KubeTypes
import Testing

@testable import KubeAPI

/// The usage store's rates and metrics-server's value formats.
@Suite("Resource metrics")
struct ResourceMetricsTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func summary(at seconds: Double, node cpu: Int64, container: Int64, uid: String = "u1") -> StatsSummary {
        let time = start.addingTimeInterval(seconds)
        return StatsSummary(
            nodeName: "n1", cpu: .init(time: time, usageCoreNanoSeconds: cpu), memory: .init(time: time, workingSetBytes: 512 << 20),
            pods: [.init(namespace: "default", name: "p", uid: uid, containers: [
                .init(name: "c", cpu: .init(time: time, usageCoreNanoSeconds: container), memory: .init(time: time, workingSetBytes: 64 << 20)),
            ])])
    }

    @Test("CPU is the rate between two summaries over their window; memory the latest working set")
    func rates() {
        let store = ResourceUsageStore()
        store.record(Self.summary(at: 0, node: 0, container: 0), now: Self.start)
        #expect(store.node("n1", now: Self.start) == nil, "one reading is not a rate")
        store.record(Self.summary(at: 15, node: 15_000_000_000, container: 3_750_000_000), now: Self.start + 15)
        let node = try! #require(store.node("n1", now: Self.start + 15))
        #expect(node.usage == .init(cpuNanoCores: 1_000_000_000, memoryBytes: 512 << 20) && node.window == 15)
        let pod = try! #require(store.pods(now: Self.start + 15)[.init(namespace: "default", name: "p")])
        #expect(pod.node == "n1" && pod.uid == "u1" && pod.total == .init(cpuNanoCores: 250_000_000, memoryBytes: 64 << 20))
        #expect(store.nodes(now: Self.start + 200).isEmpty, "stale after two minutes")
    }

    @Test("a counter that goes back, a new pod uid or time that does not advance gives no rate")
    func noRate() {
        let store = ResourceUsageStore()
        store.record(Self.summary(at: 0, node: 5_000, container: 5_000), now: Self.start)
        store.record(Self.summary(at: 10, node: 1_000, container: 9_000, uid: "u2"), now: Self.start + 10)
        #expect(store.node("n1", now: Self.start + 10) == nil)
        #expect(store.pods(now: Self.start + 10).isEmpty)
        store.record(Self.summary(at: 10, node: 2_000, container: 9_000, uid: "u2"), now: Self.start + 10)
        #expect(store.node("n1", now: Self.start + 10) == nil)
    }

    @Test("a report no newer than the last (a replay, or shared back by another master) changes nothing")
    func replays() {
        let store = ResourceUsageStore()
        let first = Self.summary(at: 0, node: 0, container: 0)
        let second = Self.summary(at: 15, node: 15_000_000_000, container: 3_750_000_000)
        store.record(first, now: Self.start)
        store.record(second, now: Self.start + 15)
        store.record(second, now: Self.start + 16)
        store.record(first, now: Self.start + 16)
        let node = store.node("n1", now: Self.start + 16)
        #expect(node?.usage.cpuNanoCores == 1_000_000_000 && node?.window == 15)
        #expect(store.pods(now: Self.start + 16)[.init(namespace: "default", name: "p")]?.total.cpuNanoCores == 250_000_000)
    }

    @Test("a full store takes no new node until reports go stale")
    func bounded() {
        let store = ResourceUsageStore(maxNodes: 1)
        #expect(store.record(Self.summary(at: 0, node: 0, container: 0), now: Self.start))
        var other = Self.summary(at: 0, node: 0, container: 0)
        other.nodeName = "n2"
        #expect(!store.record(other, now: Self.start + 1))
        #expect(store.record(other, now: Self.start + 500))
    }

    @Test("quantities and windows as metrics-server writes them", arguments: [
        (ResourceMetricsHandler.cpu(250_000_000), "250m"), (ResourceMetricsHandler.cpu(2_000_000_000), "2"), (ResourceMetricsHandler.cpu(1_500), "1500n"),
        (ResourceMetricsHandler.cpu(7_000), "7u"), (ResourceMetricsHandler.cpu(0), "0"), (ResourceMetricsHandler.memory(1024), "1Ki"),
        (ResourceMetricsHandler.memory(64 << 20), "64Mi"), (ResourceMetricsHandler.memory(1536), "1536"), (ResourceMetricsHandler.memory(0), "0"),
        (ResourceMetricsHandler.window(15.002), "15.002s"), (ResourceMetricsHandler.window(15), "15s"), (ResourceMetricsHandler.window(65.5), "1m5.5s"),
        (ResourceMetricsHandler.window(3600), "1h0m0s"),
    ])
    func formats(_ pair: (String, String)) {
        #expect(pair.0 == pair.1)
    }

    @Test("a summary parses back from its JSON; bad fields are named")
    func summaryJSON() throws {
        let summary = Self.summary(at: 1.5, node: 42, container: 7)
        let parsed = try StatsSummary(json: summary.json)
        #expect(parsed == summary)
        var json = summary.json
        json["node"]?["nodeName"] = "Bad_Name"
        #expect(throws: KubeTypeError.self) { try StatsSummary(json: json) }
        let tooMany = JSONValue.array(Array(repeating: summary.json["pods"]!.arrayValue![0], count: StatsSummary.maxPods + 1))
        json = summary.json
        json["pods"] = tooMany
        let error = #expect(throws: KubeTypeError.self) { try StatsSummary(json: json) }
        #expect(error?.message.contains("pods") == true)
    }
}
