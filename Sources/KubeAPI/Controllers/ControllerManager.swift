public import Logging
public import ServiceLifecycle

/// The built-in controllers as one `Service`, as kube-controller-manager: they share an
/// ``InformerSet`` (run as its own service, so a master that does not lead still has warm caches);
/// once every informer has synced, the controllers' workers start. Graceful shutdown stops them.
public struct ControllerManager: Service {
    /// Which controllers run and how many workers each gets.
    public struct Configuration: Sendable {
        /// Workers per workload controller (kube's `--concurrent-*-syncs`). Default 5.
        public var workers: Int
        /// Workers of the garbage collector. Default 10.
        public var garbageCollectorWorkers: Int
        /// How long a node may go without renewing its Lease before it is unreachable (kube's
        /// `--node-monitor-grace-period`). Default 40 s.
        public var nodeMonitorGracePeriod: Duration

        /// The cluster CA (PEM) published as `kube-root-ca.crt` in every namespace. Default none.
        public var rootCAPEM: String?
        /// Where the local-path provisioner puts volumes on nodes (k3s's
        /// `--default-local-storage-path`). Default `/var/lib/rancher/k3s/storage`, as k3s.
        public var localStoragePath: String
        /// The client the local-path provisioner removes deleted volumes' data with (the API
        /// server's kubelet client). Default none: the data stays on the node, with a warning event.
        public var kubelets: NodeConnections?
        /// The pod network nodes get their `spec.podCIDR` from. Default 10.42.0.0/16 in /24s, as k3s.
        public var clusterCIDR: ClusterCIDR
        /// The node agents' usage reports the autoscaler scales on (the API server's, so both see
        /// the same). Default an empty store of its own: autoscalers then report no metrics.
        public var resourceUsage: ResourceUsageStore
        /// The horizontal pod autoscaler's tuning. Default: kube-controller-manager's.
        public var horizontalPodAutoscaler: HorizontalPodAutoscalerController.Configuration

        /// Creates a configuration with the documented defaults.
        public init(
            workers: Int = 5, garbageCollectorWorkers: Int = 10, nodeMonitorGracePeriod: Duration = .seconds(40),
            rootCAPEM: String? = nil, localStoragePath: String = "/var/lib/rancher/k3s/storage", kubelets: NodeConnections? = nil,
            clusterCIDR: ClusterCIDR = ClusterCIDR("10.42.0.0/16", nodeMaskSize: 24)!, resourceUsage: ResourceUsageStore = ResourceUsageStore(),
            horizontalPodAutoscaler: HorizontalPodAutoscalerController.Configuration = .init()
        ) {
            self.clusterCIDR = clusterCIDR
            self.resourceUsage = resourceUsage
            self.horizontalPodAutoscaler = horizontalPodAutoscaler
            self.rootCAPEM = rootCAPEM
            self.localStoragePath = localStoragePath
            self.kubelets = kubelets
            self.workers = workers
            self.garbageCollectorWorkers = garbageCollectorWorkers
            self.nodeMonitorGracePeriod = nodeMonitorGracePeriod
        }
    }

    let objects: ObjectStore
    let configuration: Configuration
    let logger: Logger
    /// The shared informers, one per served kind, by plural resource and group.
    public let informers: InformerSet

    /// Creates the manager over `informers` (run them as a service of their own).
    public init(objects: ObjectStore, informers: InformerSet, configuration: Configuration = Configuration(), logger: Logger) {
        self.objects = objects
        self.configuration = configuration
        self.logger = logger
        self.informers = informers
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
        let daemonSets = DaemonSetController(objects: objects, daemonSets: informer("apps", "daemonsets"), nodes: informer("", "nodes"), pods: informer("", "pods"),
            revisions: informer("apps", "controllerrevisions"), logger: logger)
        let statefulSets = StatefulSetController(
            objects: objects, sets: informer("apps", "statefulsets"), pods: informer("", "pods"), revisions: informer("apps", "controllerrevisions"), logger: logger)
        let endpoints = EndpointsController(
            objects: objects, services: informer("", "services"), pods: informer("", "pods"), endpoints: informer("", "endpoints"),
            slices: informer("discovery.k8s.io", "endpointslices"), logger: logger)
        let namespaceDefaults = NamespaceDefaultsController(
            objects: objects, namespaces: informer("", "namespaces"), serviceAccounts: informer("", "serviceaccounts"), configMaps: informer("", "configmaps"),
            rootCAPEM: configuration.rootCAPEM, logger: logger)
        let namespaceLifecycle = NamespaceLifecycleController(objects: objects, namespaces: informer("", "namespaces"), logger: logger)
        let disruption = DisruptionController(
            objects: objects, budgets: informer("policy", "poddisruptionbudgets"), pods: informer("", "pods"),
            owners: [
                "Deployment": informer("apps", "deployments"), "ReplicaSet": informer("apps", "replicasets"),
                "ReplicationController": informer("", "replicationcontrollers"), "StatefulSet": informer("apps", "statefulsets"),
            ], logger: logger)
        let claims = informer("", "persistentvolumeclaims")
        let volumes = informer("", "persistentvolumes")
        let classes = informer("storage.k8s.io", "storageclasses")
        let volumeBinder = PersistentVolumeController(objects: objects, claims: claims, volumes: volumes, classes: classes, pods: informer("", "pods"), logger: logger)
        let provisioner = LocalPathProvisioner(
            objects: objects, claims: claims, volumes: volumes, classes: classes, nodes: informer("", "nodes"), storagePath: configuration.localStoragePath,
            kubelets: configuration.kubelets, logger: logger)
        let claimProtection = ClaimProtectionController(objects: objects, claims: claims, pods: informer("", "pods"), logger: logger)
        let volumeProtection = VolumeProtectionController(objects: objects, volumes: volumes, logger: logger)
        let nodeIPAM = NodeIPAMController(objects: objects, nodes: informer("", "nodes"), range: configuration.clusterCIDR, logger: logger)
        let autoscalers = HorizontalPodAutoscalerController(
            objects: objects, autoscalers: informer("autoscaling", "horizontalpodautoscalers"), pods: informer("", "pods"),
            usage: configuration.resourceUsage, configuration: configuration.horizontalPodAutoscaler, logger: logger)
        let controllers: [any Controller] = [
            nodeIPAM, autoscalers, replicaSets, replicationControllers, deployments, nodeLifecycle, jobs, cronJobs, daemonSets, statefulSets, endpoints, namespaceDefaults,
            namespaceLifecycle, disruption, volumeBinder, provisioner, claimProtection, volumeProtection,
        ]
        let workers = configuration.workers
        let collectorWorkers = configuration.garbageCollectorWorkers
        let logger = self.logger
        await cancelWhenGracefulShutdown {
            await informers.waitForSync()
            guard !Task.isCancelled else { return }
            logger.info("controllers starting: informers synced", metadata: ["kinds": "\(informers.all.count)"])
            await withDiscardingTaskGroup { workersGroup in
                for controller in controllers { workersGroup.addTask { await controller.runWorkers(workers, logger: logger) } }
                workersGroup.addTask { await collector.run(workers: collectorWorkers) }
                // Shutdown: cancellation shuts the queues, which ends the workers.
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

/// One shared informer per served (stored) kind, created up front so every controller and the
/// scheduler share them; as a `Service` it runs them all until graceful shutdown.
public struct InformerSet: Service {
    /// The kinds and their informers.
    public let all: [(type: ResourceType, informer: SharedInformer)]

    /// Informers over `objects`'s registry (no HTTP loop-back), delivering every object again
    /// each `resyncPeriod` (level-triggering; kube's default is 10 minutes).
    public init(objects: ObjectStore, resyncPeriod: Duration = .seconds(600), logger: Logger) {
        all = objects.registry.storedTypes.map { type in
            (type, SharedInformer(source: RegistrySource(objects: objects, type: type), resyncPeriod: resyncPeriod, logger: logger))
        }
    }

    /// Runs every informer until graceful shutdown or cancellation.
    public func run() async {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for kind in all { group.addTask { await kind.informer.run() } }
            }
        }
    }

    /// Returns once every informer has listed (or the task is cancelled).
    public func waitForSync() async {
        for kind in all where !Task.isCancelled { await kind.informer.waitForSync() }
    }

    /// The informer of `plural` in `group`.
    public func informer(group: String, plural: String) -> SharedInformer? {
        all.first { $0.type.group == group && $0.type.plural == plural }?.informer
    }
}
