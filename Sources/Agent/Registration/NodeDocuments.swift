import Foundation

/// The Node and Lease bodies the agent sends, as JSON objects.
enum NodeDocuments {
    /// The kubelet-style version this agent reports.
    static let kubeletVersion = "v1.32.0-daas"

    /// A MicroTime / Time string for `date` (`2026-01-01T00:00:00.000000Z`, or without fraction).
    static func timestamp(_ date: Date, micro: Bool) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        return micro ? base + String(format: ".%06dZ", (c.nanosecond ?? 0) / 1000) : base + "Z"
    }

    /// This machine's architecture as Kubernetes names it.
    #if arch(arm64)
    static let architecture = "arm64"
    #else
    static let architecture = "amd64"
    #endif

    /// The Node to register.
    static func node(_ configuration: NodeAgentConfiguration) -> [String: Any] {
        var labels = configuration.labels
        labels["kubernetes.io/hostname"] = configuration.nodeName
        labels["kubernetes.io/os"] = "linux"
        labels["kubernetes.io/arch"] = architecture
        var node: [String: Any] = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": configuration.nodeName, "labels": labels]]
        if let simulated = configuration.simulated, !simulated.taints.isEmpty {
            node["spec"] = ["taints": simulated.taints.map { ["key": $0.key, "value": $0.value, "effect": $0.effect] }]
        }
        return node
    }

    /// The status patch: conditions (Ready is False: no pods run yet), addresses, node info and capacity.
    static func status(_ configuration: NodeAgentConfiguration, now: Date, since: Date) -> [String: Any] {
        let heartbeat = timestamp(now, micro: false)
        let transition = timestamp(since, micro: false)
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> [String: Any] {
            ["type": type, "status": status, "reason": reason, "message": message, "lastHeartbeatTime": heartbeat, "lastTransitionTime": transition]
        }
        let info = ProcessInfo.processInfo
        let ready = configuration.simulated != nil
            ? condition("Ready", "True", "KubeletReady", "daas-worker (simulated node) is posting ready status")
            : condition("Ready", "False", "ContainerRuntimeNotReady", "daas-worker registers and heartbeats but does not run pods yet")
        let capacity: [String: String] = configuration.simulated?.capacity
            ?? ["cpu": "\(info.activeProcessorCount)", "memory": "\(info.physicalMemory / 1024)Ki", "pods": "0"]
        return ["status": [
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "daas-worker has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "daas-worker has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "daas-worker has sufficient PID available"),
                ready,
            ],
            "addresses": [["type": "Hostname", "address": configuration.nodeName]] + (configuration.simulated != nil ? [["type": "InternalIP", "address": "127.0.0.1"]] : []),
            "capacity": capacity,
            "allocatable": capacity,
            "nodeInfo": [
                "kubeletVersion": kubeletVersion, "kubeProxyVersion": "", "operatingSystem": "linux",
                "architecture": architecture,
                "containerRuntimeVersion": configuration.simulated != nil ? "simulated://1.0" : "", "osImage": "", "kernelVersion": "", "machineID": "",
                "systemUUID": "", "bootID": "",
            ],
        ]]
    }

    /// The node Lease, owned by the Node so it goes when the Node does.
    static func lease(_ configuration: NodeAgentConfiguration, nodeUID: String?, now: Date) -> [String: Any] {
        var metadata: [String: Any] = ["name": configuration.nodeName, "namespace": "kube-node-lease"]
        if let nodeUID {
            metadata["ownerReferences"] = [["apiVersion": "v1", "kind": "Node", "name": configuration.nodeName, "uid": nodeUID]]
        }
        return [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata,
            "spec": ["holderIdentity": configuration.nodeName, "leaseDurationSeconds": configuration.leaseDurationSeconds, "renewTime": timestamp(now, micro: true)],
        ]
    }
}
