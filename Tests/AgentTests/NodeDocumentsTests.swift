import Foundation
import KubeTypes
import Testing

@testable import Agent

@Suite("Node documents")
struct NodeDocumentsTests {
    let configuration = NodeAgentConfiguration(apiServer: "https://127.0.0.1:6443", caCertificatePEM: "", nodeName: "worker-1")

    @Test("the Node carries the well-known labels; its Lease is owned by it and renewed with a MicroTime")
    func documents() throws {
        let node = NodeDocuments.node(configuration)
        let labels = try #require(node[path: ["metadata", "labels"]]?.stringMap)
        #expect(labels["kubernetes.io/hostname"] == "worker-1" && labels["kubernetes.io/os"] == "linux" && labels["kubernetes.io/arch"] != nil)
        let lease = NodeDocuments.lease(configuration, nodeUID: "u-1", now: Date(timeIntervalSince1970: 1_800_000_000.25))
        let spec = try #require(lease["spec"])
        #expect(spec["renewTime"] == "2027-01-15T08:00:00.250000Z")
        #expect(spec["leaseDurationSeconds"] == 40 && spec["holderIdentity"] == "worker-1")
        #expect(lease[path: ["metadata", "ownerReferences"]] == [["apiVersion": "v1", "kind": "Node", "name": "worker-1", "uid": "u-1"]])
    }

    @Test("the status says plainly that the node does not run pods: Ready is False")
    func status() throws {
        let status = try #require(NodeDocuments.status(configuration, runtime: nil, now: Date(timeIntervalSince1970: 60), since: Date(timeIntervalSince1970: 0))["status"])
        let conditions = (status["conditions"]?.arrayValue ?? []).compactMap { $0.stringMap }
        let ready = try #require(conditions.first { $0["type"] == "Ready" })
        #expect(ready["status"] == "False" && ready["reason"] == "ContainerRuntimeNotReady")
        #expect(ready["lastHeartbeatTime"] == "1970-01-01T00:01:00Z" && ready["lastTransitionTime"] == "1970-01-01T00:00:00Z")
        #expect(status[path: ["capacity", "pods"]] == "0")
    }

    @Test("a real node is Ready when its runtime is, with the runtime's version, its images, the kubelet port and the machine's capacity")
    func realNodeStatus() throws {
        var configuration = self.configuration
        configuration.runtime = { NodeRuntimeState(ready: true, message: "", version: "containerd://1.6.20", images: []) }
        configuration.machine = NodeMachine(
            cpus: 2, memoryBytes: 4 << 30, internalIP: "192.0.2.9", kernelVersion: "6.1", osImage: "Debian", machineID: "m", bootID: "b",
            ephemeralStorageBytes: 10 << 30)
        var runtime = NodeRuntimeState(ready: true, message: "", version: "containerd://1.6.20", images: [(["docker.io/library/busybox:latest"], 2_000_000)])
        runtime.kubeletPort = 10250
        let status = try #require(NodeDocuments.status(configuration, runtime: runtime, now: Date(), since: Date())["status"])
        let ready = try #require((status["conditions"]?.arrayValue ?? []).first { $0["type"] == "Ready" })
        #expect(ready["status"] == "True" && ready["reason"] == "KubeletReady")
        #expect(status[path: ["nodeInfo", "containerRuntimeVersion"]] == "containerd://1.6.20")
        #expect(status[path: ["capacity", "cpu"]] == "2" && status[path: ["capacity", "memory"]] == "4194304Ki" && status[path: ["capacity", "pods"]] == "110")
        #expect(status[path: ["daemonEndpoints", "kubeletEndpoint", "Port"]] == 10250)
        #expect(status["addresses"]?.arrayValue?.first == ["type": "InternalIP", "address": "192.0.2.9"])
        #expect(status["images"]?.arrayValue?.first?["sizeBytes"] == 2_000_000)
        runtime.ready = false
        runtime.message = "NetworkReady is false"
        let down = try #require(NodeDocuments.status(configuration, runtime: runtime, now: Date(), since: Date())["status"])
        let notReady = try #require((down["conditions"]?.arrayValue ?? []).first { $0["type"] == "Ready" })
        #expect(notReady["status"] == "False" && notReady["reason"] == "KubeletNotReady")
    }

    @Test("a configuration that is not https is refused before anything is sent")
    func badURL() {
        #expect(throws: AgentError.self) { try APIConnection(server: "http://127.0.0.1:6443", caCertificatePEM: "", credentials: { "" }) }
    }
}
