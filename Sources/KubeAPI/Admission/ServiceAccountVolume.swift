/// The credentials ``ServiceAccountAdmission`` mounts into a pod being created: a projected
/// volume `kube-api-access-<suffix>` with a
/// bound token (3607 s), the cluster CA (`kube-root-ca.crt`) and the namespace, mounted read-only
/// at `/var/run/secrets/kubernetes.io/serviceaccount` in every container and init container that
/// does not already mount something there.
enum ServiceAccountVolume {
    /// Where the kubelet mounts the credentials.
    static let mountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// The prefix of the volume's name.
    static let namePrefix = "kube-api-access-"

    /// Adds the volume and mounts to a pod spec.
    static func add(to spec: inout JSONValue) {
        let containerKeys = ["initContainers", "containers"]
        let needing = containerKeys.contains { key in
            (spec[key]?.arrayValue ?? []).contains { !mountsCredentials($0) }
        }
        guard needing else { return }
        let volumes = spec["volumes"]?.arrayValue ?? []
        let name = volumes.compactMap { $0["name"]?.stringValue }.first { $0.hasPrefix(namePrefix) && isProjectedToken(volumes, $0) }
            ?? namePrefix + ObjectMeta.randomSuffix()
        if !volumes.contains(where: { $0["name"]?.stringValue == name }) {
            spec["volumes"] = .array(volumes + [volume(name)])
        }
        for key in containerKeys {
            guard let containers = spec[key]?.arrayValue else { continue }
            spec[key] = .array(containers.map { container in
                guard !mountsCredentials(container) else { return container }
                var container = container
                let mounts = container["volumeMounts"]?.arrayValue ?? []
                container["volumeMounts"] = .array(mounts + [["name": .string(name), "readOnly": true, "mountPath": .string(mountPath)]])
                return container
            })
        }
    }

    private static func mountsCredentials(_ container: JSONValue) -> Bool {
        (container["volumeMounts"]?.arrayValue ?? []).contains { $0["mountPath"]?.stringValue == mountPath }
    }

    private static func isProjectedToken(_ volumes: [JSONValue], _ name: String) -> Bool {
        volumes.first { $0["name"]?.stringValue == name }?[path: ["projected", "sources"]]?.arrayValue?.contains { $0["serviceAccountToken"] != nil } ?? false
    }

    /// The projected volume upstream adds.
    static func volume(_ name: String) -> JSONValue {
        [
            "name": .string(name),
            "projected": [
                "defaultMode": 420,
                "sources": [
                    ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
                    ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                    ["downwardAPI": ["items": [["fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"], "path": "namespace"]]]],
                ],
            ],
        ]
    }
}
