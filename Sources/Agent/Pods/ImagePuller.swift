import CRI
import Foundation
import KubeTypes
import Logging
import Metrics

/// Makes a container's image present as its `imagePullPolicy` says (Always pulls on every start,
/// IfNotPresent only when missing, Never never), with credentials from the pod's
/// `imagePullSecrets` (kubernetes.io/dockerconfigjson or dockercfg) for the image's registry.
///
/// Each pull is logged when it starts and ends (with its time and size), timed in
/// `kubelet_image_pull_duration_seconds` and counted in `kubelet_image_pulls_total` (`result`).
struct ImagePuller {
    let runtime: ContainerRuntime
    let events: PodEvents
    let logger: Logger

    /// The policy the API server defaults: Always for `:latest` or no tag, else IfNotPresent.
    static func policy(_ spec: JSONValue) -> String {
        if let policy = spec["imagePullPolicy"]?.stringValue { return policy }
        let image = spec["image"]?.stringValue ?? ""
        if image.contains("@") { return "IfNotPresent" }
        let last = image.split(separator: "/").last ?? ""
        guard let colon = last.lastIndex(of: ":") else { return "Always" }
        return last[last.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    /// The registry host of an image reference (`docker.io` when the first part is not a host).
    static func registry(of image: String) -> String {
        let parts = image.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let first = parts.first, first.contains(".") || first.contains(":") || first == "localhost" else { return "docker.io" }
        return String(first)
    }

    /// Ensures `image`, returning its runtime record; throws the waiting reason on failure.
    func ensure(
        _ image: String, spec: JSONValue, pod: JSONValue, sandboxConfig: Runtime_V1_PodSandboxConfig, objects: PodObjects, container: String, isInit: Bool
    ) async throws(PodSyncError) -> Runtime_V1_Image {
        guard !image.isEmpty else { throw PodSyncError(reason: "InvalidImageName", message: "the container has no image") }
        let policy = Self.policy(spec)
        let present: Runtime_V1_Image?
        do {
            present = try await runtime.imageStatus(image)
        } catch {
            throw PodSyncError(reason: "ErrImagePull", message: error.message)
        }
        if policy == "Never" {
            guard let present else {
                events.record(pod, container: container, init: isInit, warning: true, "ErrImageNeverPull", "Container image \"\(image)\" is not present with pull policy of Never")
                throw PodSyncError(reason: "ErrImageNeverPull", message: "Container image \"\(image)\" is not present with pull policy of Never")
            }
            return present
        }
        if policy == "IfNotPresent", let present {
            events.record(pod, container: container, init: isInit, "Pulled", "Container image \"\(image)\" already present on machine")
            return present
        }
        events.record(pod, container: container, init: isInit, "Pulling", "Pulling image \"\(image)\"")
        logger.info("pulling image", metadata: ["image": "\(image)"])
        let started = ContinuousClock.now
        do {
            let auth = try await credentials(for: image, pod: pod, objects: objects)
            _ = try await runtime.pullImage(image, auth: auth, sandboxConfig: sandboxConfig)
        } catch {
            Counter(label: "kubelet_image_pulls_total", dimensions: [("result", "error")]).increment()
            logger.notice("image pull failed", metadata: ["image": "\(image)", "error": "\(error)"])
            switch error {
            case let error as AgentError:
                events.record(pod, container: container, init: isInit, warning: true, "Failed", "Failed to pull image \"\(image)\": \(error.message)")
                throw PodSyncError(reason: "ErrImagePull", message: error.message)
            case let error as PodSyncError:
                throw error
            default:
                throw PodSyncError(reason: "ErrImagePull", message: "\(error)")
            }
        }
        let elapsed = ContinuousClock.now - started
        Counter(label: "kubelet_image_pulls_total", dimensions: [("result", "ok")]).increment()
        Metrics.Timer(label: "kubelet_image_pull_duration_seconds").record(duration: elapsed)
        guard let pulled = try? await runtime.imageStatus(image) else {
            throw PodSyncError(reason: "ErrImagePull", message: "image \(image) is missing after its pull")
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        events.record(pod, container: container, init: isInit, "Pulled", "Successfully pulled image \"\(image)\" in \(String(format: "%.3f", seconds))s. Image size: \(pulled.size) bytes.")
        logger.info("pulled image", metadata: ["image": "\(image)", "seconds": "\(String(format: "%.3f", seconds))", "bytes": "\(pulled.size)"])
        return pulled
    }

    /// The first pull secret of the pod with an entry for the image's registry.
    private func credentials(for image: String, pod: JSONValue, objects: PodObjects) async throws -> Runtime_V1_AuthConfig? {
        let registry = Self.registry(of: image)
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        for reference in pod[path: ["spec", "imagePullSecrets"]]?.arrayValue ?? [] {
            guard let name = reference["name"]?.stringValue,
                let data = try await objects.bytes(kind: "Secret", namespace: namespace, name: name, optional: true)
            else { continue }
            let document = data[".dockerconfigjson"] ?? data[".dockercfg"]
            guard let document, let parsed = try? JSONParser().parse(document) else { continue }
            let auths = parsed["auths"]?.objectValue ?? parsed.objectValue ?? [:]
            for (server, entry) in auths {
                var host = server
                for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host = String(host.dropFirst(scheme.count)) }
                host = String(host.split(separator: "/").first ?? "")
                let matches = host == registry || (registry == "docker.io" && (host == "index.docker.io" || host == "registry-1.docker.io"))
                guard matches else { continue }
                var auth = Runtime_V1_AuthConfig()
                auth.username = entry["username"]?.stringValue ?? ""
                auth.password = entry["password"]?.stringValue ?? ""
                auth.auth = entry["auth"]?.stringValue ?? ""
                auth.serverAddress = server
                return auth
            }
        }
        return nil
    }
}
