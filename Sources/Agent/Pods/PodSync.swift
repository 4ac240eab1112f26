import CRI
import Foundation
import Metrics
import KubeTypes
import Logging
import NIOHTTP1

/// One level-triggered sync of one pod against the runtime, as the kubelet's SyncPod: make the
/// sandbox, run init containers in order, then the containers, restart what the restart policy
/// says (with back-off), and write the pod's status; a pod being deleted is stopped within its
/// grace period and its deletion confirmed; a finished pod's sandbox is stopped.
struct PodSync: Sendable {
    let runtime: ContainerRuntime
    let api: APIConnection
    let records: PodRecords
    let events: PodEvents
    let probes: ProbeManager
    let machine: NodeMachine
    let configuration: KubeletConfiguration
    let logger: Logger

    /// Syncs `pod`; returns when to look again (nil: only on the next change).
    func sync(_ pod: JSONValue) async throws(AgentError) -> Duration? {
        guard let uid = pod[path: ["metadata", "uid"]]?.stringValue, PathComponent.isSafe(uid) else { return nil }
        let sandboxes = try await runtime.listPodSandboxes(labels: [RuntimeLabels.podUID: uid]).sorted { $0.createdAt > $1.createdAt }
        let containers = try await runtime.listContainers(labels: [RuntimeLabels.podUID: uid])
        if pod[path: ["metadata", "deletionTimestamp"]] != nil {
            try await terminate(pod, sandboxes: sandboxes, containers: containers, reason: "deleted")
            try await confirmDeletion(pod)
            return nil
        }
        let phase = pod[path: ["status", "phase"]]?.stringValue
        if phase == "Succeeded" || phase == "Failed" {
            try await stopAll(pod, sandboxes: sandboxes, containers: containers)
            return nil
        }
        var configs = RuntimeConfigs(
            pod: pod, logRoot: configuration.logDirectory, memoryCapacity: machine.memoryBytes, hostResolvConf: configuration.resolvConf,
            allowPrivileged: configuration.allowPrivileged)
        configs.clusterDNS = configuration.clusterDNS
        configs.clusterDomain = configuration.clusterDomain

        // The sandbox: the newest ready one, or a new attempt.
        var sandbox = sandboxes.first { $0.state == .sandboxReady }
        let created = sandbox == nil
        let restartPolicy = pod[path: ["spec", "restartPolicy"]]?.stringValue ?? "Always"
        if sandbox == nil {
            if !sandboxes.isEmpty, restartPolicy == "Never", !containers.isEmpty {
                // The sandbox died after containers ran and nothing may restart: report what ran.
                return try await report(pod, sandbox: nil, podIP: nil, containers: containers, configs: configs, pending: [:])
            }
            for running in containers where running.state == .containerRunning {
                try? await runtime.stopContainer(running.id, timeout: 0)
            }
            let attempt = (sandboxes.map(\.metadata.attempt).max().map { $0 + 1 }) ?? 0
            let config = configs.sandbox(attempt: attempt)
            do {
                try FileManager.default.createDirectory(atPath: configs.logDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
                let id = try await runtime.runPodSandbox(config)
                sandbox = try await runtime.listPodSandboxes(labels: [RuntimeLabels.podUID: uid]).first { $0.id == id }
                if attempt > 0 { events.record(pod, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.") }
            } catch let error as AgentError {
                events.record(pod, warning: true, "FailedCreatePodSandBox", "Failed to create pod sandbox: \(error.message)")
                _ = try await report(pod, sandbox: nil, podIP: nil, containers: containers, configs: configs, pending: [:])
                return records.fail(uid, "sandbox")
            } catch {
                throw AgentError(.runtime, "cannot create \(configs.logDirectory): \(error)")
            }
        }
        guard let sandbox else { return .seconds(1) }
        let sandboxStatus = try await runtime.podSandboxStatus(sandbox.id)
        let podIP = configs.hostNetwork ? machine.internalIP : sandboxStatus.network.ip
        if created, !configs.hostNetwork, !podIP.isEmpty {
            // A reused pod IP may still have the old pod's MAC in the host's neighbour cache,
            // which would lose the node's traffic to it (probes) for seconds.
            try? await HostCommand.run("/sbin/ip", ["neigh", "flush", "to", podIP])
        }
        let sandboxConfig = configs.sandbox(attempt: sandbox.metadata.attempt)

        // Volumes, then init containers in order, then the containers.
        let objects = PodObjects(api: api)
        let volumes: PodVolumes
        do {
            volumes = try await PodVolumes.prepare(
                pod: pod, root: configuration.podsDirectory, podIP: podIP, hostIP: machine.internalIP, capacity: machine.capacity, objects: objects)
        } catch {
            events.record(pod, warning: true, error.reason, "MountVolume.SetUp failed: \(error.message)")
            var pending: [String: (reason: String, message: String)] = [:]
            for container in configs.allContainers { pending[container["name"]?.stringValue ?? ""] = ("ContainerCreating", "") }
            _ = try await report(pod, sandbox: sandbox, podIP: podIP, containers: containers, configs: configs, pending: pending)
            return .seconds(2)
        }
        var pending: [String: (reason: String, message: String)] = [:]
        var current = containers.filter { $0.podSandboxID == sandbox.id }
        let initSpecs = pod[path: ["spec", "initContainers"]]?.arrayValue ?? []
        var initialized = true
        for spec in initSpecs {
            let name = spec["name"]?.stringValue ?? ""
            let latest = Self.latest(current, name)
            if let latest, latest.state == .containerExited {
                let status = try await runtime.containerStatus(latest.id)
                if status.exitCode == 0 { continue }
                initialized = false
                if restartPolicy == "Never" { break }
                if let waiting = backoff(pod, uid: uid, name: name, status: status) {
                    pending[name] = waiting
                    break
                }
            } else if latest != nil {
                initialized = false
                break
            }
            initialized = false
            if let started = try await start(spec, isInit: true, pod: pod, sandbox: sandbox.id, sandboxConfig: sandboxConfig, configs: configs, volumes: volumes, objects: objects, podIP: podIP, previous: Self.latest(containers, name), pending: &pending) {
                current.append(started)
            }
            break
        }
        if initialized {
            for spec in pod[path: ["spec", "containers"]]?.arrayValue ?? [] {
                let name = spec["name"]?.stringValue ?? ""
                let latest = Self.latest(current, name)
                if let latest, latest.state == .containerCreated {
                    // Created but never started (an answer lost on the way, or an agent restart
                    // in between): start it, or replace it if it cannot start.
                    do {
                        try await runtime.startContainer(latest.id)
                        events.record(pod, container: name, "Started", "Started container \(name)")
                    } catch {
                        try? await runtime.removeContainer(latest.id)
                    }
                    continue
                }
                if let latest {
                    guard latest.state == .containerExited else { continue }
                    let status = try await runtime.containerStatus(latest.id)
                    let restart = restartPolicy == "Always" || (restartPolicy == "OnFailure" && status.exitCode != 0)
                    guard restart else { continue }
                    if let waiting = backoff(pod, uid: uid, name: name, status: status) {
                        pending[name] = waiting
                        continue
                    }
                }
                if let started = try await start(spec, isInit: false, pod: pod, sandbox: sandbox.id, sandboxConfig: sandboxConfig, configs: configs, volumes: volumes, objects: objects, podIP: podIP, previous: Self.latest(containers, name), pending: &pending) {
                    current.append(started)
                }
            }
        }
        try await pruneExited(containers)
        var fresh = try await runtime.listContainers(sandbox: sandbox.id)
        if try await killUnhealthy(pod, running: fresh, podIP: podIP) {
            fresh = try await runtime.listContainers(sandbox: sandbox.id)
        }
        let others = containers.filter { $0.podSandboxID != sandbox.id }
        return try await report(pod, sandbox: sandbox, podIP: podIP, containers: fresh + others, configs: configs, pending: pending)
    }

    /// Keeps the probes of the pod's running containers going and kills those whose liveness or
    /// startup probe failed (they restart as the restart policy says); true if it killed any.
    private func killUnhealthy(_ pod: JSONValue, running containers: [Runtime_V1_Container], podIP: String) async throws(AgentError) -> Bool {
        var specs: [String: JSONValue] = [:]
        for spec in pod[path: ["spec", "containers"]]?.arrayValue ?? [] { specs[spec["name"]?.stringValue ?? ""] = spec }
        let running = containers.filter { $0.state == .containerRunning }.compactMap { container in
            specs[container.metadata.name].map { (spec: $0, container: container) }
        }
        probes.update(pod: pod, running: running, podIP: podIP)
        var killed = false
        for (spec, container) in running {
            guard let kind = probes.failed(container.id) else { continue }
            let name = container.metadata.name
            let grace = ProbeSpec(spec[kind.field], container: spec)?.terminationGracePeriodSeconds
                ?? pod[path: ["spec", "terminationGracePeriodSeconds"]]?.integerValue ?? 30
            events.record(pod, container: name, "Killing", "Container \(name) failed \(kind.rawValue.lowercased()) probe, will be restarted")
            try await runtime.stopContainer(container.id, timeout: await preStop(pod, container: container, grace: max(0, grace)))
            killed = true
        }
        return killed
    }

    /// The newest container named `name` (highest attempt).
    static func latest(_ containers: [Runtime_V1_Container], _ name: String) -> Runtime_V1_Container? {
        containers.attempts(of: name).first
    }

    /// Nil when the exited container may restart now (its back-off then grows), else the
    /// CrashLoopBackOff waiting state.
    private func backoff(_ pod: JSONValue, uid: String, name: String, status: Runtime_V1_ContainerStatus) -> (reason: String, message: String)? {
        let retryAt = records.with(uid) { $0.retryAt["crash:" + name] }
        let podName = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
        if let retryAt, retryAt > .now {
            let delay = records.with(uid) { $0.backoff["crash:" + name] } ?? .seconds(10)
            return ("CrashLoopBackOff", "back-off \(delay.components.seconds)s restarting failed container=\(name) pod=\(podName)_\(namespace)(\(uid))")
        }
        let ran = status.finishedAt > status.startedAt ? Duration.nanoseconds(status.finishedAt - status.startedAt) : .zero
        if retryAt != nil { events.record(pod, container: name, warning: true, "BackOff", "Back-off restarting failed container \(name) in pod \(podName)_\(namespace)(\(uid))") }
        _ = records.fail(uid, "crash:" + name, ranFor: ran)
        return nil
    }

    /// Pulls the image as the policy says, creates and starts one attempt of `spec`. Failures
    /// become the container's waiting state (and an event); the started container is returned.
    private func start(
        _ spec: JSONValue, isInit: Bool, pod: JSONValue, sandbox: String, sandboxConfig: Runtime_V1_PodSandboxConfig, configs: RuntimeConfigs,
        volumes: PodVolumes, objects: PodObjects, podIP: String, previous: Runtime_V1_Container?, pending: inout [String: (reason: String, message: String)]
    ) async throws(AgentError) -> Runtime_V1_Container? {
        let name = spec["name"]?.stringValue ?? ""
        let uid = configs.uid
        let image = spec["image"]?.stringValue ?? ""
        let attempt = previous.map { $0.metadata.attempt + 1 } ?? 0
        // Image pull, with ErrImagePull then ImagePullBackOff.
        if let retryAt = records.with(uid, { $0.retryAt["image:" + name] }), retryAt > .now {
            let last: (reason: String, message: String) = records.with(uid) { $0.waiting["image:" + name] } ?? ("ErrImagePull", "")
            // A pull that failed is retried with back-off; an image that may not be pulled, or an
            // invalid name, keeps its reason (the kubelet does not back off those).
            pending[name] = last.reason == "ErrImagePull" ? ("ImagePullBackOff", "Back-off pulling image \"\(image)\": \(last.message)") : last
            return nil
        }
        let pulled: Runtime_V1_Image
        do {
            pulled = try await ImagePuller(runtime: runtime, events: events, logger: logger).ensure(image, spec: spec, pod: pod, sandboxConfig: sandboxConfig, objects: objects, container: name, isInit: isInit)
            records.with(uid) { $0.retryAt["image:" + name] = nil; $0.backoff["image:" + name] = nil; $0.waiting["image:" + name] = nil }
        } catch {
            _ = records.fail(uid, "image:" + name)
            records.with(uid) { $0.waiting["image:" + name] = (error.reason, error.message) }
            pending[name] = (error.reason, error.message)
            return nil
        }
        do {
            let environment = try await ContainerEnvironment.build(
                pod: pod, container: spec, podIP: podIP, hostIP: machine.internalIP, nodeCapacity: machine.capacity, objects: objects)
            let messageFile = try terminationMessageFile(uid: uid, container: name, attempt: attempt)
            let config = try configs.container(
                spec, attempt: attempt, image: image, imageUID: pulled.hasUid ? pulled.uid.value : nil, environment: environment, volumes: volumes,
                terminationMessageFile: messageFile)
            let id: String
            do {
                id = try await runtime.createContainer(sandbox: sandbox, config: config, sandboxConfig: sandboxConfig)
            } catch {
                throw PodSyncError(reason: "CreateContainerError", message: error.message)
            }
            events.record(pod, container: name, init: isInit, "Created", "Created container \(name)")
            do {
                try await runtime.startContainer(id)
            } catch {
                // The answer may be lost while the start happened (the connection dropped): only a
                // container that did not start counts as a failed start; a created one is started
                // by the next sync.
                let state = (try? await runtime.containerStatus(id))?.state
                if state == .containerCreated { return nil }
                if state != .containerRunning {
                    events.record(pod, container: name, init: isInit, warning: true, "Failed", "Error: \(error.message)")
                    _ = records.fail(uid, "crash:" + name)
                    return try await runtime.listContainers(sandbox: sandbox).first { $0.id == id }
                }
            }
            events.record(pod, container: name, init: isInit, "Started", "Started container \(name)")
            try await postStart(spec, pod: pod, containerID: id, podIP: podIP)
            return try await runtime.listContainers(sandbox: sandbox).first { $0.id == id }
        } catch let error as PodSyncError {
            events.record(pod, container: name, init: isInit, warning: true, "Failed", "Error: \(error.message)")
            pending[name] = (error.reason, error.message)
            return nil
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError(.runtime, "\(error)")
        }
    }

    /// Runs the container's `lifecycle.postStart` hook, as the kubelet does before it considers
    /// the container started; a failed hook kills the container (it restarts as the restart
    /// policy says).
    private func postStart(_ spec: JSONValue, pod: JSONValue, containerID: String, podIP: String) async throws(AgentError) {
        guard let hook = ProbeSpec(spec[path: ["lifecycle", "postStart"]], container: spec) else { return }
        let name = spec["name"]?.stringValue ?? ""
        let result = await probes.runner.run(hook.action, timeoutSeconds: Self.hookTimeoutSeconds, containerID: containerID, podIP: podIP)
        guard case .failure(let message) = result else { return }
        events.record(pod, container: name, warning: true, "FailedPostStartHook", "PostStartHook failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        events.record(pod, container: name, "Killing", "FailedPostStartHook")
        try await runtime.stopContainer(containerID, timeout: pod[path: ["spec", "terminationGracePeriodSeconds"]]?.integerValue ?? 30)
    }

    /// The longest a postStart hook may run (the kubelet bounds it only by the container).
    static let hookTimeoutSeconds = 120

    /// Runs the `lifecycle.preStop` hook of a running container within `grace` seconds; returns
    /// the grace left for the stop (at least 2 s, as the kubelet gives).
    private func preStop(_ pod: JSONValue, container: Runtime_V1_Container, grace: Int64) async -> Int64 {
        let spec = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).first { $0["name"]?.stringValue == container.metadata.name }
        guard let spec, let hook = ProbeSpec(spec[path: ["lifecycle", "preStop"]], container: spec), grace > 0 else { return grace }
        let podIP = pod[path: ["status", "podIP"]]?.stringValue ?? ""
        let began = ContinuousClock.now
        let result = await probes.runner.run(hook.action, timeoutSeconds: Int(clamping: grace), containerID: container.id, podIP: podIP)
        if case .failure(let message) = result {
            events.record(
                pod, container: container.metadata.name, warning: true, "FailedPreStopHook",
                "PreStopHook failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let spent = (ContinuousClock.now - began).components.seconds
        return max(2, grace - spent)
    }

    /// An empty file for the container's termination message (`/dev/termination-log`).
    private func terminationMessageFile(uid: String, container: String, attempt: UInt32) throws(PodSyncError) -> String {
        let folder = PodVolumes.podDirectory(root: configuration.podsDirectory, uid: uid) + "/containers/" + container
        let path = folder + "/\(attempt)-termination-log"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw PodSyncError(reason: "CreateContainerConfigError", message: "cannot create \(folder): \(error)")
        }
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o666])
        }
        return path
    }

    /// Reads what a container wrote to its termination-message file (at most 4 KiB), or, with
    /// `FallbackToLogsOnError` and a failure, the tail of its log.
    private func terminationMessage(uid: String, spec: JSONValue?, status: Runtime_V1_ContainerStatus) -> String? {
        guard status.state == .containerExited, PathComponent.isSafe(status.metadata.name) else { return nil }
        let path = PodVolumes.podDirectory(root: configuration.podsDirectory, uid: uid) + "/containers/\(status.metadata.name)/\(status.metadata.attempt)-termination-log"
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            if let data = try? handle.read(upToCount: 4096), !data.isEmpty { return String(decoding: data, as: UTF8.self) }
        }
        guard spec?["terminationMessagePolicy"]?.stringValue == "FallbackToLogsOnError", status.exitCode != 0 else { return nil }
        return ContainerLogs.tail(path: status.logPath, lines: 80, bytes: 2048)
    }

    /// Writes the pod's status when it changed; returns when to look again.
    private func report(
        _ pod: JSONValue, sandbox: Runtime_V1_PodSandbox?, podIP: String?, containers: [Runtime_V1_Container], configs: RuntimeConfigs,
        pending: [String: (reason: String, message: String)]
    ) async throws(AgentError) -> Duration? {
        let uid = configs.uid
        // The two newest attempts of each container are enough for state and lastState.
        var statuses: [String: [Runtime_V1_ContainerStatus]] = [:]
        for name in Set(containers.map(\.metadata.name)) {
            for container in containers.attempts(of: name).prefix(2) {
                statuses[name, default: []].append(try await runtime.containerStatus(container.id))
            }
        }
        func observe(_ spec: JSONValue) -> ContainerObservation {
            let name = spec["name"]?.stringValue ?? ""
            let attempts = statuses[name] ?? []
            var observed = ContainerObservation(name: name, image: spec["image"]?.stringValue ?? "", latest: attempts.first, previous: attempts.dropFirst().first)
            observed.waiting = pending[name]
            if let latest = attempts.first, latest.state == .containerRunning {
                observed.probedReady = probes.ready(latest.id)
                observed.probedStarted = probes.started(latest.id)
            }
            if let latest = attempts.first { observed.terminationMessage = terminationMessage(uid: uid, spec: spec, status: latest) }
            return observed
        }
        let builder = PodStatusBuilder(
            pod: pod, hostIP: machine.internalIP, podIP: podIP, sandboxReady: sandbox?.state == .sandboxReady,
            initContainers: (pod[path: ["spec", "initContainers"]]?.arrayValue ?? []).map(observe),
            containers: (pod[path: ["spec", "containers"]]?.arrayValue ?? []).map(observe), now: Date())
        let status = builder.status()
        let phase = status["phase"]?.stringValue ?? ""
        let (unchanged, startedAfter) = records.with(uid) { record in
            defer { record.lastStatus = status }
            var startedAfter: Duration?
            if phase == "Running", !record.startTimed {
                record.startTimed = true
                startedAfter = ContinuousClock.now - record.firstSeen
            }
            return (record.lastStatus == status, startedAfter)
        }
        // kubelet_pod_start_duration_seconds: from the first sync of the pod to its first Running.
        if let startedAfter { Metrics.Timer(label: "kubelet_pod_start_duration_seconds").record(duration: startedAfter) }
        if !unchanged {
            let namespace = configs.namespace, name = configs.name
            let patched = try await api.send(
                .PATCH, "/api/v1/namespaces/\(namespace)/pods/\(name)/status", body: ["metadata": ["uid": .string(uid)], "status": status],
                contentType: "application/merge-patch+json")
            if !(200..<300).contains(patched.status) {
                records.with(uid) { $0.lastStatus = nil }
                if patched.status != 404 && patched.status != 409 {
                    throw AgentError(.refused, "pod \(namespace)/\(name) status: the API server answered \(patched.status)")
                }
            }
        }
        if phase == "Succeeded" || phase == "Failed" {
            try await stopAll(pod, sandboxes: sandbox.map { [$0] } ?? [], containers: containers)
            return nil
        }
        // A pod whose containers all run needs nothing until the runtime or the pod changes (the
        // Kubelet's relist wakes it); one that waits (creating, back-off) is looked at again soon.
        let settled = pending.isEmpty && sandbox?.state == .sandboxReady
            && builder.containers.allSatisfy { $0.isRunning } && builder.initialized
        return settled ? nil : configuration.pollInterval
    }

    /// Removes exited containers but the newest two attempts of each name (for `--previous`).
    private func pruneExited(_ containers: [Runtime_V1_Container]) async throws(AgentError) {
        for name in Set(containers.map(\.metadata.name)) {
            for old in containers.attempts(of: name).dropFirst(2) where old.state == .containerExited {
                try? await runtime.removeContainer(old.id)
            }
        }
    }

    /// Stops running containers (within the grace period) and the pod's sandboxes, keeping them
    /// (with their logs) until the pod is deleted.
    private func stopAll(_ pod: JSONValue, sandboxes: [Runtime_V1_PodSandbox], containers: [Runtime_V1_Container]) async throws(AgentError) {
        let grace = pod[path: ["spec", "terminationGracePeriodSeconds"]]?.integerValue ?? 30
        try await stopContainers(pod, containers: containers, grace: grace)
        for sandbox in sandboxes where sandbox.state == .sandboxReady {
            try await runtime.stopPodSandbox(sandbox.id)
        }
    }

    private func stopContainers(_ pod: JSONValue, containers: [Runtime_V1_Container], grace: Int64) async throws(AgentError) {
        let running = containers.filter { $0.state == .containerRunning || $0.state == .containerCreated }
        let runtime = self.runtime, events = self.events
        let failures = await withTaskGroup(of: AgentError?.self) { group in
            for container in running {
                group.addTask {
                    if container.state == .containerRunning {
                        events.record(pod, container: container.metadata.name, "Killing", "Stopping container \(container.metadata.name)")
                    }
                    do {
                        let left = container.state == .containerRunning ? await self.preStop(pod, container: container, grace: max(0, grace)) : max(0, grace)
                        try await runtime.stopContainer(container.id, timeout: left)
                        return nil
                    } catch {
                        return error as? AgentError
                    }
                }
            }
            var failures: [AgentError] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        if let first = failures.first { throw first }
    }

    /// Kills a pod being deleted within its grace period and removes its sandboxes, volumes and logs.
    func terminate(_ pod: JSONValue, sandboxes: [Runtime_V1_PodSandbox], containers: [Runtime_V1_Container], reason: String) async throws(AgentError) {
        let grace = pod[path: ["metadata", "deletionGracePeriodSeconds"]]?.integerValue
            ?? pod[path: ["spec", "terminationGracePeriodSeconds"]]?.integerValue ?? 30
        try await stopContainers(pod, containers: containers, grace: grace)
        for sandbox in sandboxes {
            try await runtime.stopPodSandbox(sandbox.id)
            try await runtime.removePodSandbox(sandbox.id)
        }
        guard let uid = pod[path: ["metadata", "uid"]]?.stringValue else { return }
        await PodVolumes.remove(root: configuration.podsDirectory, uid: uid)
        let configs = RuntimeConfigs(pod: pod, logRoot: configuration.logDirectory, memoryCapacity: 0, hostResolvConf: "", allowPrivileged: false)
        if PathComponent.isSafe(configs.namespace), PathComponent.isSafe(configs.name) {
            try? FileManager.default.removeItem(atPath: configs.logDirectory)
        }
        records.remove(uid)
        probes.remove(podUID: uid)
        logger.debug("pod stopped and removed", metadata: ["pod": "\(configs.namespace)/\(configs.name)", "reason": "\(reason)"])
    }

    /// Deletes the pod object with grace 0 and its uid as precondition: the deletion completes.
    private func confirmDeletion(_ pod: JSONValue) async throws(AgentError) {
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        let uid = pod[path: ["metadata", "uid"]] ?? ""
        let deleted = try await api.send(
            .DELETE, "/api/v1/namespaces/\(namespace)/pods/\(name)",
            body: ["kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0, "preconditions": ["uid": uid]])
        guard (200..<300).contains(deleted.status) || deleted.status == 404 || deleted.status == 409 else {
            throw AgentError(.refused, "confirming the deletion of pod \(namespace)/\(name): the API server answered \(deleted.status)")
        }
    }
}
