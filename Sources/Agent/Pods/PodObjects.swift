import Foundation
import KubeTypes
import NIOHTTP1

/// The API objects a pod's containers and volumes read (ConfigMaps, Secrets, service account
/// tokens), fetched with the node's credentials (the master's node authorizer allows only what
/// pods on this node reference). One instance serves one sync of one pod, so a ConfigMap read
/// twice is fetched once.
final class PodObjects: @unchecked Sendable {
    private let api: APIConnection
    private var cache: [String: [String: [UInt8]]?] = [:]

    init(api: APIConnection) { self.api = api }

    /// The keys of a ConfigMap (data and binaryData) or a Secret (decoded data), as strings;
    /// nil when it is missing and `optional`.
    func data(kind: String, namespace: String, name: String, optional: Bool) async throws(PodSyncError) -> [String: String]? {
        try await bytes(kind: kind, namespace: namespace, name: name, optional: optional)?.mapValues { String(decoding: $0, as: UTF8.self) }
    }

    /// As ``data(kind:namespace:name:optional:)`` with the values as bytes (volume files).
    func bytes(kind: String, namespace: String, name: String, optional: Bool) async throws(PodSyncError) -> [String: [UInt8]]? {
        let key = "\(kind)/\(namespace)/\(name)"
        if let cached = cache[key] {
            if cached == nil && !optional { throw Self.missing(kind, namespace, name) }
            return cached
        }
        let plural = kind == "Secret" ? "secrets" : "configmaps"
        let response: (status: Int, object: JSONValue)
        do {
            response = try await api.send(.GET, "/api/v1/namespaces/\(namespace)/\(plural)/\(name)")
        } catch {
            throw PodSyncError(reason: "CreateContainerConfigError", message: "cannot read \(kind) \(namespace)/\(name): \(error.message)")
        }
        guard response.status == 200 else {
            if response.status == 404 {
                cache[key] = .some(nil)
                if optional { return nil }
                throw Self.missing(kind, namespace, name)
            }
            throw PodSyncError(reason: "CreateContainerConfigError", message: "cannot read \(kind) \(namespace)/\(name): the API server answered \(response.status)")
        }
        var values: [String: [UInt8]] = [:]
        if kind == "Secret" {
            for (key, value) in response.object["data"]?.objectValue ?? [:] {
                guard let text = value.stringValue, let decoded = Data(base64Encoded: text) else { continue }
                values[key] = Array(decoded)
            }
            for (key, value) in response.object["stringData"]?.objectValue ?? [:] { values[key] = Array((value.stringValue ?? "").utf8) }
        } else {
            for (key, value) in response.object["data"]?.objectValue ?? [:] { values[key] = Array((value.stringValue ?? "").utf8) }
            for (key, value) in response.object["binaryData"]?.objectValue ?? [:] {
                guard let text = value.stringValue, let decoded = Data(base64Encoded: text) else { continue }
                values[key] = Array(decoded)
            }
        }
        cache[key] = .some(values)
        return values
    }

    private static func missing(_ kind: String, _ namespace: String, _ name: String) -> PodSyncError {
        PodSyncError(reason: "CreateContainerConfigError", message: "\(kind.lowercased()) \"\(name)\" not found")
    }

    /// The PersistentVolume behind claim `name`, checked as the kubelet's volume manager checks
    /// it: the claim exists, is not being deleted, is Bound and names a volume that points back.
    func claimedVolume(namespace: String, claim name: String) async throws(PodSyncError) -> JSONValue {
        func failed(_ message: String) -> PodSyncError {
            PodSyncError(reason: "FailedMount", message: "error processing PVC \(namespace)/\(name): \(message)")
        }
        let claim: (status: Int, object: JSONValue)
        do {
            claim = try await api.send(.GET, "/api/v1/namespaces/\(namespace)/persistentvolumeclaims/\(name)")
        } catch {
            throw failed("cannot read the claim: \(error.message)")
        }
        guard claim.status == 200 else {
            throw failed(claim.status == 404 ? "persistentvolumeclaim \"\(name)\" not found" : "the API server answered \(claim.status)")
        }
        if claim.object[path: ["metadata", "deletionTimestamp"]] != nil { throw failed("PVC is being deleted") }
        if claim.object[path: ["status", "phase"]]?.stringValue != "Bound" { throw failed("PVC is not bound") }
        guard let volumeName = claim.object[path: ["spec", "volumeName"]]?.stringValue, PathComponent.isSafe(volumeName) else {
            throw failed("PVC has empty pvc.Spec.VolumeName")
        }
        let volume: (status: Int, object: JSONValue)
        do {
            volume = try await api.send(.GET, "/api/v1/persistentvolumes/\(volumeName)")
        } catch {
            throw failed("cannot read persistentvolume \(volumeName): \(error.message)")
        }
        guard volume.status == 200 else { throw failed("cannot read persistentvolume \(volumeName): the API server answered \(volume.status)") }
        guard let uid = claim.object[path: ["metadata", "uid"]]?.stringValue, volume.object[path: ["spec", "claimRef", "uid"]]?.stringValue == uid else {
            throw failed("persistentvolume \(volumeName) is not bound to this claim")
        }
        return volume.object
    }

    /// A service account token for the pod (TokenRequest bound to it), as projected volumes hold.
    func token(pod: JSONValue, audience: String?, expirationSeconds: Int64) async throws(PodSyncError) -> String {
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        let account = pod[path: ["spec", "serviceAccountName"]]?.stringValue ?? "default"
        var spec: JSONValue = [
            "expirationSeconds": .integer(expirationSeconds),
            "boundObjectRef": [
                "kind": "Pod", "apiVersion": "v1", "name": pod[path: ["metadata", "name"]] ?? "", "uid": pod[path: ["metadata", "uid"]] ?? "",
            ],
        ]
        if let audience { spec["audiences"] = [.string(audience)] }
        let body: JSONValue = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec]
        let response: (status: Int, object: JSONValue)
        do {
            response = try await api.send(.POST, "/api/v1/namespaces/\(namespace)/serviceaccounts/\(account)/token", body: body)
        } catch {
            throw PodSyncError(reason: "FailedMount", message: "cannot request a token for service account \(namespace)/\(account): \(error.message)")
        }
        guard (200..<300).contains(response.status), let token = response.object[path: ["status", "token"]]?.stringValue else {
            let message = response.object["message"]?.stringValue ?? "status \(response.status)"
            throw PodSyncError(reason: "FailedMount", message: "cannot request a token for service account \(namespace)/\(account): \(message)")
        }
        return token
    }
}

/// Why a pod's sync stopped short: a kube reason for the container's waiting state or the event
/// (`CreateContainerConfigError`, `ErrImagePull`, `FailedMount`...) and a message.
struct PodSyncError: Error, Sendable {
    var reason: String
    var message: String
}
