public import Logging
public import ServiceLifecycle

/// The built-in controllers as one `Service`, as kube-controller-manager: one shared informer
/// per served kind over the in-process registry (no HTTP loop-back), started first; once every
/// informer has synced, the controllers' workers start. Graceful shutdown stops them all.
public struct ControllerManager: Service {
    /// Which controllers run and how many workers each gets.
    public struct Configuration: Sendable {
        /// Workers per workload controller (kube's `--concurrent-*-syncs`). Default 5.
        public var workers: Int
        /// Workers of the garbage collector. Default 10.
        public var garbageCollectorWorkers: Int
        /// How often informers deliver every object again (level-triggering). Default 10 minutes.
        public var resyncPeriod: Duration
        /// How long a node may go without renewing its Lease before it is unreachable (kube's
        /// `--node-monitor-grace-period`). Default 40 s.
        public var nodeMonitorGracePeriod: Duration

        /// The cluster CA (PEM) published as `kube-root-ca.crt` in every namespace. Default none.
        public var rootCAPEM: String?

        /// Creates a configuration with the documented defaults.
        public init(
            workers: Int = 5, garbageCollectorWorkers: Int = 10, resyncPeriod: Duration = .seconds(600), nodeMonitorGracePeriod: Duration = .seconds(40),
            rootCAPEM: String? = nil
        ) {
            self.rootCAPEM = rootCAPEM
            self.workers = workers
            self.garbageCollectorWorkers = garbageCollectorWorkers
            self.resyncPeriod = resyncPeriod
            self.nodeMonitorGracePeriod = nodeMonitorGracePeriod
        }
    }

    let objects: ObjectStore
    let configuration: Configuration
    let logger: Logger
    /// The shared informers, one per served kind, by plural resource and group.
    public let informers: InformerSet

    /// Creates the manager and its informers (they start with `run`).
    public init(objects: ObjectStore, configuration: Configuration = Configuration(), logger: Logger) {
        self.objects = objects
        self.configuration = configuration
        self.logger = logger
        self.informers = InformerSet(objects: objects, resyncPeriod: configuration.resyncPeriod, logger: logger)
    }

    public func run() async throws {
        let registry = objects.registry
        func informer(_ group: String, _ plural: String) -> SharedInformer { informers.informer(group: group, plural: plural)! }
        let replicaSets = ReplicaSetController(
            objects: objects, setType: registry.lookup(group: "apps", version: "v1", plural: "replicasets")!, sets: informer("apps", "replicasets"),
            pods: informer("", "pods"), logger: logger)
        let replicationControllers = ReplicaSetController(
            objects: objects, setType: registry.lookup(group: "", version: "v1", plural: "replicationcontrollers")!, sets: informer("", "replicationcontrollers"),
            pods: informer("", "pods"), logger: logger)
        let deployments = DeploymentController(
            objects: objects, deployments: informer("apps", "deployments"), replicaSets: informer("apps", "replicasets"), pods: informer("", "pods"), logger: logger)
        let collector = GarbageCollector(objects: objects, kinds: informers.all, logger: logger)
        let nodeLifecycle = NodeLifecycleController(
            objects: objects, nodes: informer("", "nodes"), leases: informer("coordination.k8s.io", "leases"), pods: informer("", "pods"),
            gracePeriod: configuration.nodeMonitorGracePeriod, logger: logger)
        let jobs = JobController(objects: objects, jobs: informer("batch", "jobs"), pods: informer("", "pods"), logger: logger)
        let cronJobs = CronJobController(objects: objects, cronJobs: informer("batch", "cronjobs"), jobs: informer("batch", "jobs"), logger: logger)
        let daemonSets = DaemonSetController(objects: objects, daemonSets: informer("apps", "daemonsets"), nodes: informer("", "nodes"), pods: informer("", "pods"), logger: logger)
        let statefulSets = StatefulSetController(objects: objects, sets: informer("apps", "statefulsets"), pods: informer("", "pods"), logger: logger)
        let endpoints = EndpointsController(
            objects: objects, services: informer("", "services"), pods: informer("", "pods"), endpoints: informer("", "endpoints"),
            slices: informer("discovery.k8s.io", "endpointslices"), logger: logger)
        let namespaceDefaults = NamespaceDefaultsController(
            objects: objects, namespaces: informer("", "namespaces"), serviceAccounts: informer("", "serviceaccounts"), configMaps: informer("", "configmaps"),
            rootCAPEM: configuration.rootCAPEM, logger: logger)
        let namespaceLifecycle = NamespaceLifecycleController(objects: objects, namespaces: informer("", "namespaces"), logger: logger)
        let controllers: [any Controller] = [
            replicaSets, replicationControllers, deployments, nodeLifecycle, jobs, cronJobs, daemonSets, statefulSets, endpoints, namespaceDefaults,
            namespaceLifecycle,
        ]
        let workers = configuration.workers
        let collectorWorkers = configuration.garbageCollectorWorkers
        let logger = self.logger
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for kind in informers.all { group.addTask { await kind.informer.run() } }
                group.addTask {
                    for kind in informers.all { await kind.informer.waitForSync() }
                    logger.info("controllers starting: informers synced", metadata: ["kinds": "\(informers.all.count)"])
                    await withDiscardingTaskGroup { workersGroup in
                        for controller in controllers { workersGroup.addTask { await controller.runWorkers(workers, logger: logger) } }
                        workersGroup.addTask { await collector.run(workers: collectorWorkers) }
                        // Shutdown: cancellation ends the informers; the queues end the workers.
                        workersGroup.addTask {
                            await withTaskCancellationHandler {
                                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                            } onCancel: {
                                for controller in controllers { controller.queue.shutDown() }
                                collector.queue.shutDown()
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One shared informer per served (stored) kind, created up front so every controller shares them.
public struct InformerSet: Sendable {
    /// The kinds and their informers.
    public let all: [(type: ResourceType, informer: SharedInformer)]

    init(objects: ObjectStore, resyncPeriod: Duration, logger: Logger) {
        all = objects.registry.types.filter { !$0.isVirtual }.map { type in
            (type, SharedInformer(source: RegistrySource(objects: objects, type: type), resyncPeriod: resyncPeriod, logger: logger))
        }
    }

    /// The informer of `plural` in `group`.
    public func informer(group: String, plural: String) -> SharedInformer? {
        all.first { $0.type.group == group && $0.type.plural == plural }?.informer
    }
}
