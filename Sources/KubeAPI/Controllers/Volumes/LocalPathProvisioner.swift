import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Foundation
public import Logging

/// k3s's local-path provisioner (rancher.io/local-path) inside the controller manager. For a
/// claim the PV controller handed to it (the storage-provisioner annotation) and, for its
/// WaitForFirstConsumer class, placed by the scheduler (the selected-node annotation), it
/// creates a hostPath PersistentVolume `pvc-<claim uid>` at
/// `<storage path>/pvc-<uid>_<namespace>_<name>`, pinned to that node by node affinity on
/// `kubernetes.io/hostname` and pre-bound to the claim; the node's agent creates the directory
/// (mode 0777) when a pod first mounts it. A `Released` volume with reclaim policy `Delete` is
/// removed from its node through the node's kubelet API (skipped when the node no longer
/// exists, as upstream), then deleted. Errors are `ProvisioningFailed` / `VolumeFailedDelete`
/// events, as upstream. Claims queue as `claim:<ns>/<name>`, volumes as `volume:<name>`.
public final class LocalPathProvisioner: Controller {
    /// The provisioner name classes refer to.
    public static let name = "rancher.io/local-path"
    /// The default class k3s installs for it.
    public static let storageClassName = "local-path"
    /// The node label volumes are pinned with (upstream's default `nodeAffinityKey`).
    static let nodeAffinityKey = "kubernetes.io/hostname"
    /// The kubelet API path agents remove a volume's directory at.
    static let teardownPath = "/localPathVolumes"

    public let name = "local-path-provisioner"
    public let queue = WorkQueue<String>(name: "local_path_provisioner")
    let objects: ObjectStore
    let claims: SharedInformer
    let volumes: SharedInformer
    let classes: SharedInformer
    let nodes: SharedInformer
    let storagePath: String
    let kubelets: NodeConnections?
    let claimType: ResourceType
    let volumeType: ResourceType
    let events: EventRecorder
    let logger: Logger

    /// A provisioner placing volumes under `storagePath` on each node, reaching nodes through
    /// `kubelets` to remove deleted volumes' data (nil: data is left on the node, with a warning).
    public init(
        objects: ObjectStore, claims: SharedInformer, volumes: SharedInformer, classes: SharedInformer, nodes: SharedInformer, storagePath: String,
        kubelets: NodeConnections?, logger: Logger
    ) {
        self.objects = objects
        self.claims = claims
        self.volumes = volumes
        self.classes = classes
        self.nodes = nodes
        self.storagePath = storagePath
        self.kubelets = kubelets
        self.claimType = objects.registry.lookup(group: "", version: "v1", plural: "persistentvolumeclaims")!
        self.volumeType = objects.registry.lookup(group: "", version: "v1", plural: "persistentvolumes")!
        self.events = EventRecorder(objects: objects, component: Self.name, logger: logger)
        self.logger = logger
        claims.addHandler { [queue] event in
            guard case .deleted = event else { return queue.add("claim:" + SharedInformer.key(of: event.object)) }
        }
        volumes.addHandler { [queue] event in
            guard case .deleted = event else { return queue.add("volume:" + SharedInformer.key(of: event.object)) }
        }
    }

    public func reconcile(_ key: String) async throws {
        if key.hasPrefix("claim:"), let claim = claims.get(String(key.dropFirst(6))) {
            try await provision(claim)
        } else if key.hasPrefix("volume:"), let volume = volumes.get(String(key.dropFirst(7))) {
            try await delete(volume)
        }
    }

    // MARK: Provisioning

    private func provision(_ claim: JSONValue) async throws {
        let annotations = claim[path: ["metadata", "annotations"]]?.stringMap ?? [:]
        guard (claim[path: ["spec", "volumeName"]]?.stringValue ?? "").isEmpty, claim[path: ["metadata", "deletionTimestamp"]] == nil,
            (annotations[VolumeBinding.storageProvisioner] ?? annotations[VolumeBinding.betaStorageProvisioner]) == Self.name,
            let storageClass = classes.get(VolumeBinding.className(claim)), storageClass["provisioner"]?.stringValue == Self.name
        else { return }
        let uid = claim[path: ["metadata", "uid"]]?.stringValue ?? ""
        let volumeName = "pvc-" + uid
        guard volumes.get(volumeName) == nil else { return }
        let selectedNode = annotations[VolumeBinding.selectedNode] ?? ""
        if VolumeBinding.waitsForFirstConsumer(storageClass), selectedNode.isEmpty { return }
        let namespace = claim[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let claimName = claim[path: ["metadata", "name"]]?.stringValue ?? ""
        await events.record(claim, reason: "Provisioning", message: "External provisioner is provisioning volume for claim \"\(namespace)/\(claimName)\"")
        if let problem = Self.refusal(claim, selectedNode: selectedNode) {
            await events.record(claim, type: "Warning", reason: "ProvisioningFailed", message: problem)
            return
        }
        guard let node = nodes.get(selectedNode) else {
            // The node is gone: let the scheduler choose again (upstream's reschedule).
            await events.record(claim, type: "Warning", reason: "ProvisioningFailed", message: "failed to get target node: nodes \"\(selectedNode)\" not found")
            var updated = claim
            VolumeBinding.annotate(&updated, VolumeBinding.selectedNode, nil)
            _ = try await objects.update(claimType, namespace: namespace, name: claimName, body: updated)
            return
        }
        let hostname = node[path: ["metadata", "labels", Self.nodeAffinityKey]]?.stringValue ?? selectedNode
        let path = storagePath + "/" + volumeName + "_" + namespace + "_" + claimName
        var volume: JSONValue = [
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": ["name": .string(volumeName), "annotations": ["local.path.provisioner/selected-node": .string(selectedNode)]],
            "spec": [
                "accessModes": claim[path: ["spec", "accessModes"]] ?? ["ReadWriteOnce"],
                "capacity": ["storage": claim[path: ["spec", "resources", "requests", "storage"]] ?? "0"],
                "claimRef": [
                    "kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": .string(namespace), "name": .string(claimName), "uid": .string(uid),
                    "resourceVersion": claim[path: ["metadata", "resourceVersion"]] ?? "",
                ],
                "persistentVolumeReclaimPolicy": storageClass["reclaimPolicy"] ?? "Delete",
                "storageClassName": .string(VolumeBinding.className(claim)),
                "volumeMode": "Filesystem",
                "hostPath": ["path": .string(path), "type": "DirectoryOrCreate"],
                "nodeAffinity": ["required": ["nodeSelectorTerms": [["matchExpressions": [["key": .string(Self.nodeAffinityKey), "operator": "In", "values": [.string(hostname)]]]]]]],
            ],
        ]
        VolumeBinding.annotate(&volume, VolumeBinding.provisionedBy, Self.name)
        do {
            _ = try await objects.create(volumeType, namespace: nil, body: volume)
        } catch let error as APIError where error.code == 409 {
            return
        } catch let error as APIError {
            await events.record(claim, type: "Warning", reason: "ProvisioningFailed", message: error.message)
            throw error
        }
        await events.record(claim, reason: "ProvisioningSucceeded", message: "Successfully provisioned volume \(volumeName)")
    }

    /// Why upstream would refuse `claim` (its messages), or nil.
    static func refusal(_ claim: JSONValue, selectedNode: String) -> String? {
        let modes = (claim[path: ["spec", "accessModes"]]?.arrayValue ?? []).compactMap(\.stringValue)
        if modes.contains(where: { !["ReadWriteOnce", "ReadWriteOncePod"].contains($0) }) {
            return "NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes"
        }
        if let selector = claim[path: ["spec", "selector"]], selector != .null { return "claim.Spec.Selector is not supported" }
        if claim[path: ["spec", "volumeMode"]]?.stringValue == "Block" { return "\(name) does not support block volume provisioning" }
        if selectedNode.isEmpty { return "configuration error, no node was specified" }
        return nil
    }

    // MARK: Deletion

    private func delete(_ volume: JSONValue) async throws {
        guard volume[path: ["metadata", "annotations", VolumeBinding.provisionedBy]]?.stringValue == Self.name,
            volume[path: ["status", "phase"]]?.stringValue == "Released", volume[path: ["spec", "persistentVolumeReclaimPolicy"]]?.stringValue == "Delete",
            volume[path: ["metadata", "deletionTimestamp"]] == nil, let path = volume[path: ["spec", "hostPath", "path"]]?.stringValue
        else { return }
        let volumeName = volume[path: ["metadata", "name"]]?.stringValue ?? ""
        let terms = volume[path: ["spec", "nodeAffinity", "required", "nodeSelectorTerms"]]?.arrayValue ?? []
        let hostname = terms.first?["matchExpressions"]?.arrayValue?.first?["values"]?.arrayValue?.first?.stringValue ?? ""
        let node = nodes.list().first { ($0[path: ["metadata", "labels", Self.nodeAffinityKey]]?.stringValue ?? $0[path: ["metadata", "name"]]?.stringValue) == hostname }
        if let node {
            do {
                try await teardown(path, on: node[path: ["metadata", "name"]]?.stringValue ?? hostname)
            } catch {
                await events.record(volume, type: "Warning", reason: "VolumeFailedDelete", message: "\(error)")
                throw error
            }
        } else {
            logger.info("local-path volume's node is gone; deleting the volume without cleanup", metadata: ["volume": "\(volumeName)", "node": "\(hostname)"])
        }
        do {
            _ = try await objects.delete(volumeType, namespace: nil, name: volumeName, options: .init(uid: volume[path: ["metadata", "uid"]]?.stringValue))
        } catch let error as APIError where error.code == 404 {
            return
        }
    }

    /// Asks `node`'s agent to remove the volume's directory.
    private func teardown(_ path: String, on node: String) async throws {
        guard let kubelets else { throw ProvisionerError("no kubelet client is configured to remove \(path) on node \(node)") }
        let target = try await NodeTarget.resolve(node, objects: objects)
        var request = HTTPClientRequest(url: Self.teardownPath + "?path=" + NodeTarget.queryEncoded(path))
        request.method = .DELETE
        let response = try await kubelets.execute(request, on: target)
        let body = try await response.body.collect(upTo: 64 << 10)
        guard response.status.code / 100 == 2 else {
            throw ProvisionerError("failed to delete volume \(path) on node \(node): \(response.status.code) \(String(buffer: body).prefix(512))")
        }
    }
}

/// A provisioning or deletion step that failed, with the message its event shows.
struct ProvisionerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
