/// The objects a pod spec names, as kube's `VisitPodSecretNames`, `VisitPodConfigmapNames` and
/// the node graph read them: what a node may read because a pod bound to it needs it.
enum PodReferences {
    /// Every container of the pod: init, regular and ephemeral.
    private static func containers(_ spec: JSONValue) -> [JSONValue] {
        ["initContainers", "containers", "ephemeralContainers"].flatMap { spec[$0]?.arrayValue ?? [] }
    }

    private static func name(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }

    /// Secrets: image pull secrets, env and envFrom references, and every volume source that
    /// names a secret.
    static func secretNames(_ pod: JSONValue) -> Set<String> {
        let spec = pod["spec"] ?? [:]
        var names = Set<String>()
        for reference in spec["imagePullSecrets"]?.arrayValue ?? [] { if let name = name(reference["name"]) { names.insert(name) } }
        for container in containers(spec) {
            for source in container["envFrom"]?.arrayValue ?? [] { if let name = name(source[path: ["secretRef", "name"]]) { names.insert(name) } }
            for variable in container["env"]?.arrayValue ?? [] {
                if let name = name(variable[path: ["valueFrom", "secretKeyRef", "name"]]) { names.insert(name) }
            }
        }
        for volume in spec["volumes"]?.arrayValue ?? [] {
            let paths: [[String]] = [
                ["secret", "secretName"], ["azureFile", "secretName"], ["cephfs", "secretRef", "name"], ["cinder", "secretRef", "name"],
                ["flexVolume", "secretRef", "name"], ["rbd", "secretRef", "name"], ["scaleIO", "secretRef", "name"], ["iscsi", "secretRef", "name"],
                ["storageos", "secretRef", "name"], ["csi", "nodePublishSecretRef", "name"],
            ]
            for path in paths { if let name = name(volume[path: path]) { names.insert(name) } }
            for source in volume[path: ["projected", "sources"]]?.arrayValue ?? [] {
                if let name = name(source[path: ["secret", "name"]]) { names.insert(name) }
            }
        }
        return names
    }

    /// ConfigMaps: env and envFrom references, configMap volumes and projected sources.
    static func configMapNames(_ pod: JSONValue) -> Set<String> {
        let spec = pod["spec"] ?? [:]
        var names = Set<String>()
        for container in containers(spec) {
            for source in container["envFrom"]?.arrayValue ?? [] { if let name = name(source[path: ["configMapRef", "name"]]) { names.insert(name) } }
            for variable in container["env"]?.arrayValue ?? [] {
                if let name = name(variable[path: ["valueFrom", "configMapKeyRef", "name"]]) { names.insert(name) }
            }
        }
        for volume in spec["volumes"]?.arrayValue ?? [] {
            if let name = name(volume[path: ["configMap", "name"]]) { names.insert(name) }
            for source in volume[path: ["projected", "sources"]]?.arrayValue ?? [] {
                if let name = name(source[path: ["configMap", "name"]]) { names.insert(name) }
            }
        }
        return names
    }

    /// PersistentVolumeClaims: claim volumes, and the claim an ephemeral volume creates
    /// (`<pod>-<volume>`).
    static func claimNames(_ pod: JSONValue) -> Set<String> {
        var names = Set<String>()
        let podName = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        for volume in pod[path: ["spec", "volumes"]]?.arrayValue ?? [] {
            if let name = name(volume[path: ["persistentVolumeClaim", "claimName"]]) { names.insert(name) }
            if volume["ephemeral"] != nil, let volumeName = name(volume["name"]) { names.insert(podName + "-" + volumeName) }
        }
        return names
    }
}
