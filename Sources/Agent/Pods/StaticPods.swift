import Crypto
import Foundation
import KubeInformers
import KubeTypes
import Logging
import NIOHTTP1

/// The kubelet's static pods: the Pod manifests (YAML or JSON) in a directory, each shown in the
/// API as a mirror pod named `<name>-<node>` (annotation `kubernetes.io/config.mirror`, owned by
/// the Node), which the agent then runs like any pod bound to it. A changed manifest replaces its
/// mirror pod; a removed one deletes it (its containers stop); a mirror pod deleted through the
/// API is created again. Checked every period (the kubelet's 20 s by default).
///
/// Unlike the kubelet, which runs a static pod from its file and only reports it through the
/// mirror, the agent runs the mirror pod: deleting it restarts the static pod's containers.
final class StaticPods: Sendable {
    let directory: String
    let nodeName: String
    let period: Duration
    let api: APIConnection
    let pods: SharedInformer
    let logger: Logger

    /// The largest manifest read, and the most manifests.
    static let maxManifestBytes = 1 << 20
    static let maxManifests = 100
    static let mirrorAnnotation = "kubernetes.io/config.mirror"
    static let hashAnnotation = "kubernetes.io/config.hash"

    init(directory: String, nodeName: String, period: Duration, api: APIConnection, pods: SharedInformer, logger: Logger) {
        self.directory = directory
        self.nodeName = nodeName
        self.period = period
        self.api = api
        self.pods = pods
        self.logger = logger
    }

    func run() async {
        await pods.waitForSync()
        var reported: Set<String> = []
        while !Task.isCancelled {
            let (manifests, problems) = read()
            for problem in problems.subtracting(reported) { logger.notice("static pod manifest skipped", metadata: ["reason": "\(problem)"]) }
            reported = problems
            await reconcile(manifests)
            try? await Task.sleep(for: period)
        }
    }

    /// The mirror pods the manifests ask for, by `namespace/name`, and why files were skipped.
    func read() -> (pods: [String: JSONValue], problems: Set<String>) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return ([:], []) }
        var pods: [String: JSONValue] = [:]
        var problems: Set<String> = []
        for file in names.sorted().prefix(Self.maxManifests) where !file.hasPrefix(".") {
            guard [".yaml", ".yml", ".json"].contains(where: { file.hasSuffix($0) }) else { continue }
            let path = directory + "/" + file
            guard let handle = FileHandle(forReadingAtPath: path) else { continue }
            defer { try? handle.close() }
            guard let data = try? handle.read(upToCount: Self.maxManifestBytes + 1), data.count <= Self.maxManifestBytes else {
                problems.insert("\(file): larger than \(Self.maxManifestBytes) bytes")
                continue
            }
            do {
                let manifest = try YAMLValueDecoder().decode(Array(data))
                let mirror = try Self.mirror(of: manifest, node: nodeName)
                pods[SharedInformer.key(of: mirror)] = mirror
            } catch {
                problems.insert("\(file): \(error)")
            }
        }
        return (pods, problems)
    }

    /// The mirror pod of a manifest: renamed for the node, bound to it, its hash annotated.
    static func mirror(of manifest: JSONValue, node: String) throws(AgentError) -> JSONValue {
        guard manifest["kind"]?.stringValue == "Pod", manifest["apiVersion"]?.stringValue == "v1" else {
            throw AgentError(.invalidConfiguration, "not a v1 Pod")
        }
        guard let name = manifest[path: ["metadata", "name"]]?.stringValue, !name.isEmpty, case .object = manifest["spec"] ?? .null else {
            throw AgentError(.invalidConfiguration, "a static pod needs metadata.name and a spec")
        }
        let hash = SHA256.hash(data: manifest.serialized() + Array(node.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        var metadata = manifest["metadata"]?.objectValue ?? [:]
        for field in ["uid", "resourceVersion", "creationTimestamp", "ownerReferences", "generateName"] { metadata[field] = nil }
        metadata["name"] = .string(name + "-" + node)
        if (metadata["namespace"]?.stringValue ?? "").isEmpty { metadata["namespace"] = "default" }
        var annotations = metadata["annotations"]?.objectValue ?? [:]
        annotations[mirrorAnnotation] = .string(hash)
        annotations[hashAnnotation] = .string(hash)
        annotations["kubernetes.io/config.source"] = "file"
        metadata["annotations"] = .object(annotations)
        var spec = manifest["spec"]?.objectValue ?? [:]
        spec["nodeName"] = .string(node)
        spec["tolerations"] = .array((spec["tolerations"]?.arrayValue ?? []) + [["operator": "Exists", "effect": "NoExecute"]])
        var pod = manifest
        pod["status"] = nil
        pod["metadata"] = .object(metadata)
        pod["spec"] = .object(spec)
        return pod
    }

    /// Creates missing mirror pods, replaces changed ones, deletes those without a manifest.
    func reconcile(_ wanted: [String: JSONValue]) async {
        let mirrors = pods.list().filter {
            $0[path: ["metadata", "annotations", Self.mirrorAnnotation]] != nil && $0[path: ["spec", "nodeName"]]?.stringValue == nodeName
        }
        var existing: [String: JSONValue] = [:]
        for mirror in mirrors { existing[SharedInformer.key(of: mirror)] = mirror }
        for (key, pod) in wanted.sorted(by: { $0.key < $1.key }) {
            if let current = existing[key] {
                guard current[path: ["metadata", "deletionTimestamp"]] == nil else { continue }  // gone soon; created again then
                if current[path: ["metadata", "annotations", Self.hashAnnotation]] == pod[path: ["metadata", "annotations", Self.hashAnnotation]] { continue }
                await delete(current)
                continue
            }
            await create(pod)
        }
        for (key, mirror) in existing where wanted[key] == nil && mirror[path: ["metadata", "deletionTimestamp"]] == nil {
            await delete(mirror)
        }
    }

    private func create(_ pod: JSONValue) async {
        var pod = pod
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        // Owned by the Node, so it goes with it.
        if let node = try? await api.send(.GET, "/api/v1/nodes/\(nodeName)"), node.status == 200, let uid = node.object[path: ["metadata", "uid"]] {
            var metadata = pod["metadata"]?.objectValue ?? [:]
            metadata["ownerReferences"] = [["apiVersion": "v1", "kind": "Node", "name": .string(nodeName), "uid": uid, "controller": true]]
            pod["metadata"] = .object(metadata)
        }
        do {
            let created = try await api.send(.POST, "/api/v1/namespaces/\(namespace)/pods", body: pod)
            if created.status != 201 && created.status != 409 {
                logger.notice("cannot create a mirror pod", metadata: ["pod": "\(SharedInformer.key(of: pod))", "status": "\(created.status)",
                    "message": "\(created.object["message"]?.stringValue ?? "")"])
            }
        } catch {
            logger.notice("cannot create a mirror pod", metadata: ["pod": "\(SharedInformer.key(of: pod))", "error": "\(error)"])
        }
    }

    private func delete(_ pod: JSONValue) async {
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        _ = try? await api.send(
            .DELETE, "/api/v1/namespaces/\(namespace)/pods/\(name)", body: ["kind": "DeleteOptions", "apiVersion": "v1", "preconditions": ["uid": pod[path: ["metadata", "uid"]] ?? ""]])
    }
}
