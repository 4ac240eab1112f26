import Foundation
import KubeAPI
import Scheduler

/// The VolumeBinding plugin's view of claims, volumes and classes, read from the master's shared
/// informers, and its PreBind writes through the registry: a chosen static volume gets the claim
/// in `spec.claimRef` (the PV controller completes the bind), a claim to provision gets the
/// `volume.kubernetes.io/selected-node` annotation (the provisioner takes it from there). It
/// then waits, as upstream, until every claim of the pod is fully bound, for at most
/// `bindTimeout` (upstream's `bindTimeoutSeconds`, 600 s).
struct RegistryVolumeCatalog: VolumeCatalog {
    let objects: ObjectStore
    let claims: SharedInformer
    let volumes: SharedInformer
    let classes: SharedInformer
    let pods: SharedInformer
    var bindTimeout: Duration = .seconds(600)
    var pollInterval: Duration = .milliseconds(250)

    func claim(namespace: String, name: String) -> ClaimState {
        guard let claim = claims.get(namespace + "/" + name) else { return .missing }
        if claim[path: ["metadata", "deletionTimestamp"]] != nil { return .deleting }
        let volumeName = claim[path: ["spec", "volumeName"]]?.stringValue ?? ""
        if VolumeBinding.isFullyBound(claim) {
            guard let volume = volumes.get(volumeName) else { return .lost(volume: volumeName) }
            return .bound(volume: volumeName, nodeAffinity: Self.nodeSelector(volume[path: ["spec", "nodeAffinity", "required", "nodeSelectorTerms"]]))
        }
        let storageClass = classes.get(VolumeBinding.className(claim))
        guard volumeName.isEmpty, VolumeBinding.waitsForFirstConsumer(storageClass) else { return .immediate }
        let candidates = volumes.list().filter { volume in
            guard volume[path: ["metadata", "deletionTimestamp"]] == nil, VolumeBinding.matches(volume, claim: claim) else { return false }
            let reference = volume[path: ["spec", "claimRef"]]
            let free = (reference == nil || reference == .null) && volume[path: ["status", "phase"]]?.stringValue == "Available"
            return free || VolumeBinding.isPreBound(volume, to: claim)
        }.map { volume in
            VolumeCandidate(
                name: volume[path: ["metadata", "name"]]?.stringValue ?? "",
                capacity: VolumeBinding.capacityBytes(volume),
                nodeAffinity: Self.nodeSelector(volume[path: ["spec", "nodeAffinity", "required", "nodeSelectorTerms"]]))
        }
        let provisioner = storageClass?["provisioner"]?.stringValue ?? ""
        let topologies = (storageClass?["allowedTopologies"]?.arrayValue ?? []).map { term in
            // allowedTopologies terms hold `matchLabelExpressions` of key and values (In).
            NodeSelectorTerm(matchExpressions: (term["matchLabelExpressions"]?.arrayValue ?? []).compactMap { expression in
                expression["key"]?.stringValue.map { SelectorRequirement(key: $0, operator: .in, values: (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue)) }
            })
        }
        let selected = claim[path: ["metadata", "annotations", VolumeBinding.selectedNode]]?.stringValue
        return .delayed(
            selectedNode: selected?.isEmpty == false ? selected : nil, candidates: candidates,
            provisionable: !provisioner.isEmpty && provisioner != "kubernetes.io/no-provisioner",
            allowedTopologies: topologies.isEmpty ? nil : NodeSelector(terms: topologies))
    }

    static func nodeSelector(_ terms: JSONValue?) -> NodeSelector? {
        guard let terms = terms?.arrayValue, !terms.isEmpty else { return nil }
        return NodeSelector(terms: terms.map(SchedulerObjects.nodeSelectorTerm))
    }

    func bindClaims(of pod: Pod, nodeName: String, decisions: [ClaimDecision]) async -> Status {
        guard let claimType = objects.registry.lookup(group: "", version: "v1", plural: "persistentvolumeclaims"),
            let volumeType = objects.registry.lookup(group: "", version: "v1", plural: "persistentvolumes")
        else { return Status(.error, "the registry serves no PersistentVolumeClaims") }
        var provisioned: Set<String> = []
        do {
            for decision in decisions {
                switch decision {
                case .bindVolume(let claimName, let volumeName):
                    guard let claim = claims.get(pod.namespace + "/" + claimName) else { return Status(.error, "persistentvolumeclaim \"\(claimName)\" not found") }
                    let reference: JSONValue = [
                        "kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": .string(pod.namespace), "name": .string(claimName),
                        "uid": claim[path: ["metadata", "uid"]] ?? "",
                    ]
                    var volume = try await objects.get(volumeType, namespace: nil, name: volumeName)
                    var spec = volume["spec"] ?? [:]
                    spec["claimRef"] = reference
                    volume["spec"] = spec
                    VolumeBinding.annotate(&volume, VolumeBinding.boundByController, "yes")
                    _ = try await objects.update(volumeType, namespace: nil, name: volumeName, body: volume)
                case .provision(let claimName):
                    provisioned.insert(claimName)
                    _ = try await objects.mergePatch(
                        claimType, namespace: pod.namespace, name: claimName,
                        patch: ["metadata": ["annotations": [VolumeBinding.selectedNode: .string(nodeName)]]])
                }
            }
        } catch {
            return Status(.error, "\(error)")
        }
        let deadline = ContinuousClock.now + bindTimeout
        // A claim whose selected node the cache showed and then lost was given back by its
        // provisioner (the informer may not show the annotation just written yet).
        var selected: Set<String> = []
        while ContinuousClock.now < deadline {
            var pending = false
            for claimName in pod.volumeClaims {
                guard let claim = claims.get(pod.namespace + "/" + claimName) else { return Status(.error, "persistentvolumeclaim \"\(claimName)\" not found") }
                if VolumeBinding.isFullyBound(claim) { continue }
                let hasNode = !(claim[path: ["metadata", "annotations", VolumeBinding.selectedNode]]?.stringValue ?? "").isEmpty
                if hasNode { selected.insert(claimName) }
                if provisioned.contains(claimName), selected.contains(claimName), !hasNode {
                    return Status(.error, "provisioning failed for PVC \"\(claimName)\"")
                }
                pending = true
            }
            if !pending { return .success }
            guard pods.get(pod.namespace + "/" + pod.name) != nil else { return Status(.error, "pod \(pod.namespace)/\(pod.name) does not exist any more") }
            do { try await Task.sleep(for: pollInterval) } catch { return Status(.error, "binding volumes was cancelled") }
        }
        return Status(.error, "context deadline exceeded")
    }
}
