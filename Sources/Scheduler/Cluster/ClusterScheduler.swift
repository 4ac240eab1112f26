import Foundation
public import KubeAPI
public import Logging
public import Scheduler
public import ServiceLifecycle
import Synchronization

/// The Scheduler library running inside the master, as kube-scheduler runs beside
/// kube-apiserver: it follows pods, nodes, namespaces and PodDisruptionBudgets through the
/// controller manager's shared informers, binds through the pods/binding subresource (which sets
/// the PodScheduled condition), and reports what it could not do as upstream does: a
/// `FailedScheduling` event with the `0/N nodes are available: ...` message, the PodScheduled
/// condition False (reason Unschedulable), and `status.nominatedNodeName` for preemption.
public struct ClusterScheduler: Service {
    let objects: ObjectStore
    let informers: InformerSet
    let configuration: SchedulerConfiguration
    let logger: Logger
    /// Whether the scheduling loop runs (for the master's `/readyz` check `scheduler`).
    public let state = ClusterSchedulerState()

    /// A scheduler with `configuration`'s profiles (default: the default profile).
    public init(objects: ObjectStore, informers: InformerSet, configuration: SchedulerConfiguration = SchedulerConfiguration(), logger: Logger) {
        self.objects = objects
        self.informers = informers
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let pods = objects.registry.lookup(group: "", version: "v1", plural: "pods")!
        // As upstream, each profile reports under its own scheduler name.
        var recorders: [String: EventRecorder] = [:]
        for profile in configuration.profiles {
            recorders[profile.schedulerName] = EventRecorder(objects: objects, component: profile.schedulerName, logger: logger)
        }
        let binder = RegistryBinder(objects: objects, pods: pods)
        let reporter = RegistryReporter(objects: objects, pods: pods, recorders: recorders, logger: logger)
        let podInformer = informers.informer(group: "", plural: "pods")!
        let claimInformer = informers.informer(group: "", plural: "persistentvolumeclaims")!
        let volumeInformer = informers.informer(group: "", plural: "persistentvolumes")!
        let classInformer = informers.informer(group: "storage.k8s.io", plural: "storageclasses")!
        let volumes = RegistryVolumeCatalog(objects: objects, claims: claimInformer, volumes: volumeInformer, classes: classInformer, pods: podInformer)
        let runtime = try SchedulerRuntime(
            profiles: configuration.profiles, binder: binder, volumes: volumes, reporter: reporter, queueOptions: configuration.queueOptions,
            algorithmOptions: configuration.algorithmOptions)
        let (events, continuation) = AsyncStream<SchedulerEvent>.makeStream()
        let nodeInformer = informers.informer(group: "", plural: "nodes")!
        let namespaceInformer = informers.informer(group: "", plural: "namespaces")!
        let budgetInformer = informers.informer(group: "policy", plural: "poddisruptionbudgets")
        podInformer.addHandler { event in
            switch event {
            case .added(let object): continuation.yield(.podAdded(SchedulerObjects.pod(object)))
            case .updated(_, let object): continuation.yield(.podUpdated(SchedulerObjects.pod(object)))
            case .deleted(let object): continuation.yield(.podDeleted(SchedulerObjects.pod(object)))
            }
        }
        nodeInformer.addHandler { event in
            switch event {
            case .added(let object): continuation.yield(.nodeAdded(SchedulerObjects.node(object)))
            case .updated(_, let object): continuation.yield(.nodeUpdated(SchedulerObjects.node(object)))
            case .deleted(let object): continuation.yield(.nodeDeleted(name: object[path: ["metadata", "name"]]?.stringValue ?? ""))
            }
        }
        namespaceInformer.addHandler { event in
            guard case .deleted = event else {
                let object = event.object
                continuation.yield(.namespace(name: object[path: ["metadata", "name"]]?.stringValue ?? "", labels: object[path: ["metadata", "labels"]]?.stringMap ?? [:]))
                return
            }
        }
        for (informer, resource) in [(claimInformer, ClusterEventKind.Resource.persistentVolumeClaim), (volumeInformer, .persistentVolume), (classInformer, .storageClass)] {
            informer.addHandler { event in
                switch event {
                case .added: continuation.yield(.storage(ClusterEventKind(resource, .add)))
                case .updated: continuation.yield(.storage(ClusterEventKind(resource, .update)))
                case .deleted: continuation.yield(.storage(ClusterEventKind(resource, .delete)))
                }
            }
        }
        budgetInformer?.addHandler { _ in
            continuation.yield(.disruptionBudgets((budgetInformer?.list() ?? []).compactMap(SchedulerObjects.disruptionBudget)))
        }
        logger.info("scheduler starting", metadata: ["profiles": "\(configuration.profiles.map(\.schedulerName))"])
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await event in events { await runtime.handle(event) }
                }
                group.addTask {
                    await podInformer.waitForSync()
                    await nodeInformer.waitForSync()
                    state.running.store(true, ordering: .relaxed)
                    await runtime.run()
                    state.running.store(false, ordering: .relaxed)
                }
                group.addTask {
                    await withTaskCancellationHandler {
                        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                    } onCancel: {
                        continuation.finish()
                    }
                }
            }
        }
    }
}

/// Whether a ``ClusterScheduler``'s scheduling loop runs (it starts once the pod and node
/// informers synced, and stops with the service, for instance when leadership is lost).
public final class ClusterSchedulerState: Sendable {
    let running = Atomic<Bool>(false)
    /// Whether pods are being scheduled now.
    public var isRunning: Bool { running.load(ordering: .relaxed) }
}

/// Binds through the registry's pods/binding (spec.nodeName once, PodScheduled True).
struct RegistryBinder: Binder {
    let objects: ObjectStore
    let pods: ResourceType

    func bind(_ pod: Pod, to nodeName: String) async throws {
        try await objects.bind(pods, namespace: pod.namespace, name: pod.name, node: nodeName)
    }
}

/// Turns the scheduler's verdicts into events, pod conditions and nominations.
struct RegistryReporter: SchedulingReporter {
    let objects: ObjectStore
    let pods: ResourceType
    /// One recorder per profile, by scheduler name.
    let recorders: [String: EventRecorder]
    let logger: Logger

    private func events(_ pod: Pod) -> EventRecorder {
        recorders[pod.schedulerName] ?? EventRecorder(objects: objects, component: pod.schedulerName, logger: logger)
    }

    private func current(_ pod: Pod) async -> JSONValue? {
        try? await objects.get(pods, namespace: pod.namespace, name: pod.name)
    }

    func failedScheduling(_ pod: Pod, message: String) async {
        guard let object = await current(pod) else { return }
        await events(pod).record(object, type: "Warning", reason: "FailedScheduling", message: message)
        let condition: JSONValue = [
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": .string(message),
            "lastTransitionTime": .string(ObjectMeta.timestamp(Date())), "lastProbeTime": .null,
        ]
        var conditions = (object[path: ["status", "conditions"]]?.arrayValue ?? []).filter { $0["type"]?.stringValue != "PodScheduled" }
        if let old = object[path: ["status", "conditions"]]?.arrayValue?.first(where: { $0["type"]?.stringValue == "PodScheduled" }),
            old["status"] == "False", old["message"] == condition["message"]
        {
            return  // already reported
        }
        conditions.append(condition)
        _ = try? await objects.mergePatch(pods, namespace: pod.namespace, name: pod.name, patch: ["status": ["conditions": .array(conditions)]], subresource: "status")
    }

    func scheduled(_ pod: Pod, nodeName: String) async {
        // The reference is built from what the scheduler holds: no read of the pod per binding.
        let reference: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(pod.name), "namespace": .string(pod.namespace), "uid": .string(pod.uid)]]
        await events(pod).record(reference, reason: "Scheduled", message: "Successfully assigned \(pod.namespace)/\(pod.name) to \(nodeName)")
    }

    func preempt(for pod: Pod, nominatedNodeName: String, victims: [Pod]) async {
        _ = try? await objects.mergePatch(pods, namespace: pod.namespace, name: pod.name, patch: ["status": ["nominatedNodeName": .string(nominatedNodeName)]], subresource: "status")
        for victim in victims {
            if let object = await current(victim) {
                await events(pod).record(object, reason: "Preempted", message: "Preempted by pod \(pod.uid) on node \(nominatedNodeName)")
            }
            _ = try? await objects.delete(pods, namespace: victim.namespace, name: victim.name, options: .init(uid: victim.uid))
        }
    }
}
