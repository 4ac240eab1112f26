import Foundation
import KubeTypes

/// The Node and Lease bodies the agent sends, as JSON objects.
enum NodeDocuments {
    /// The kubelet-style version this agent reports.
    static let kubeletVersion = "v1.32.0-daas"

    /// A MicroTime / Time string for `date` (`2026-01-01T00:00:00.000000Z`, or without fraction).
    static func timestamp(_ date: Date, micro: Bool) -> String { RFC3339.string(date, fractionDigits: micro ? 6 : 0) }

    /// This machine's architecture as Kubernetes names it.
    #if arch(arm64)
    static let architecture = "arm64"
    #else
    static let architecture = "amd64"
    #endif

    /// The Node to register.
    static func node(_ configuration: NodeAgentConfiguration) -> JSONValue {
        var labels = configuration.labels
        labels["kubernetes.io/hostname"] = configuration.nodeName
        labels["kubernetes.io/os"] = "linux"
        labels["kubernetes.io/arch"] = architecture
        var node: JSONValue = [
            "apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(configuration.nodeName), "labels": .object(labels.mapValues { .string($0) })],
        ]
        if let simulated = configuration.simulated, !simulated.taints.isEmpty {
            node["spec"] = ["taints": .array(simulated.taints.map { ["key": .string($0.key), "value": .string($0.value), "effect": .string($0.effect)] })]
        }
        return node
    }

    /// The status patch: conditions, addresses, node info, capacity and images. A simulated node
    /// is Ready; a real one is Ready when its runtime is (`runtime`), and without a runtime it
    /// says that it runs no pods.
    static func status(_ configuration: NodeAgentConfiguration, runtime: NodeRuntimeState?, now: Date, since: Date) -> JSONValue {
        let heartbeat = JSONValue.string(timestamp(now, micro: false))
        let transition = JSONValue.string(timestamp(since, micro: false))
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSONValue {
            [
                "type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message), "lastHeartbeatTime": heartbeat,
                "lastTransitionTime": transition,
            ]
        }
        let machine = configuration.simulated == nil && configuration.runtime != nil ? configuration.machine : nil
        let ready: JSONValue
        if configuration.simulated != nil {
            ready = condition("Ready", "True", "KubeletReady", "daas-worker (simulated node) is posting ready status")
        } else if let runtime, runtime.ready {
            ready = condition("Ready", "True", "KubeletReady", "daas-worker is posting ready status")
        } else if configuration.runtime != nil {
            ready = condition("Ready", "False", "KubeletNotReady", "container runtime is not ready: \(runtime?.message ?? "not yet checked")")
        } else {
            ready = condition("Ready", "False", "ContainerRuntimeNotReady", "daas-worker runs no container runtime (started without one)")
        }
        let info = ProcessInfo.processInfo
        let capacity: [String: String] = configuration.simulated?.capacity
            ?? machine?.capacity ?? ["cpu": "\(info.activeProcessorCount)", "memory": "\(info.physicalMemory / 1024)Ki", "pods": "0"]
        var addresses: [JSONValue] = [["type": "Hostname", "address": .string(configuration.nodeName)]]
        if configuration.simulated != nil { addresses.append(["type": "InternalIP", "address": "127.0.0.1"]) }
        if let machine { addresses.insert(["type": "InternalIP", "address": .string(machine.internalIP)], at: 0) }
        let resources = JSONValue.object(capacity.mapValues { .string($0) })
        var status: JSONValue = [
            "conditions": [
                runtime?.pressure.contains("MemoryPressure") == true
                    ? condition("MemoryPressure", "True", "KubeletHasInsufficientMemory", "daas-worker has insufficient memory available")
                    : condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "daas-worker has sufficient memory available"),
                runtime?.pressure.contains("DiskPressure") == true
                    ? condition("DiskPressure", "True", "KubeletHasDiskPressure", "daas-worker has disk pressure")
                    : condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "daas-worker has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "daas-worker has sufficient PID available"),
                ready,
            ],
            "addresses": .array(addresses),
            "capacity": resources,
            "allocatable": resources,
            "nodeInfo": [
                "kubeletVersion": .string(kubeletVersion), "kubeProxyVersion": "", "operatingSystem": "linux",
                "architecture": .string(architecture),
                "containerRuntimeVersion": .string(configuration.simulated != nil ? "simulated://1.0" : (runtime?.version ?? "")),
                "osImage": .string(machine?.osImage ?? ""), "kernelVersion": .string(machine?.kernelVersion ?? ""), "machineID": .string(machine?.machineID ?? ""),
                "systemUUID": .string(machine?.machineID ?? ""), "bootID": .string(machine?.bootID ?? ""),
            ],
        ]
        if let runtime, runtime.kubeletPort > 0 {
            status["daemonEndpoints"] = ["kubeletEndpoint": ["Port": .integer(Int64(runtime.kubeletPort))]]
        }
        if let runtime, !runtime.images.isEmpty {
            status["images"] = .array(runtime.images.prefix(50).map { ["names": .array($0.names.map { .string($0) }), "sizeBytes": .integer($0.sizeBytes)] })
        }
        return ["status": status]
    }

    /// The node Lease, owned by the Node so it goes when the Node does.
    static func lease(_ configuration: NodeAgentConfiguration, nodeUID: String?, now: Date) -> JSONValue {
        var metadata: JSONValue = ["name": .string(configuration.nodeName), "namespace": "kube-node-lease"]
        if let nodeUID {
            metadata["ownerReferences"] = [["apiVersion": "v1", "kind": "Node", "name": .string(configuration.nodeName), "uid": .string(nodeUID)]]
        }
        return [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata,
            "spec": [
                "holderIdentity": .string(configuration.nodeName), "leaseDurationSeconds": .integer(Int64(configuration.leaseDurationSeconds)),
                "renewTime": .string(timestamp(now, micro: true)),
            ],
        ]
    }
}
