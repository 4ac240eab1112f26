/// The scheduler's configuration, as a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)
/// describes it. Build one in code or with ``load(yaml:registry:)``.
public struct SchedulerConfiguration: Sendable {
    /// Profiles (default: the default profile for "default-scheduler").
    public var profiles: [Profile] = [.defaultProfile()]
    /// Cluster-wide percentage of nodes to score; 0 (default) is the adaptive default.
    public var percentageOfNodesToScore: Int32 = 0
    /// Initial backoff in seconds (default 1).
    public var podInitialBackoffSeconds: Int64 = 1
    /// Maximum backoff in seconds (default 10).
    public var podMaxBackoffSeconds: Int64 = 10
    /// Parallel filter chunks (default 16, as upstream's `parallelism`).
    public var parallelism: Int = 16

    /// The defaults.
    public init() {}

    /// Queue options derived from the backoff settings.
    public var queueOptions: QueueOptions {
        var o = QueueOptions()
        o.initialBackoff = .seconds(podInitialBackoffSeconds)
        o.maxBackoff = .seconds(podMaxBackoffSeconds)
        return o
    }

    /// Algorithm options derived from percentageOfNodesToScore and parallelism.
    public var algorithmOptions: AlgorithmOptions {
        var o = AlgorithmOptions()
        o.percentageOfNodesToScore = percentageOfNodesToScore
        o.parallelism = parallelism
        return o
    }

    /// Checks the settings and every profile (building each framework, so plugin arguments are
    /// validated too).
    /// - Throws: ``SchedulerError`` (invalidConfiguration, invalidProfile or invalidPluginArgs).
    public func validate(registry: PluginRegistry = .default) throws(SchedulerError) {
        var problems: [String] = []
        if podInitialBackoffSeconds <= 0 { problems.append("podInitialBackoffSeconds: must be greater than 0") }
        if podMaxBackoffSeconds < podInitialBackoffSeconds { problems.append("podMaxBackoffSeconds: must be greater than or equal to podInitialBackoffSeconds") }
        if !(0...100).contains(percentageOfNodesToScore) { problems.append("percentageOfNodesToScore: \(percentageOfNodesToScore) is not in 0...100") }
        if parallelism <= 0 { problems.append("parallelism: must be greater than 0") }
        if profiles.isEmpty { problems.append("profiles: at least one profile is required") }
        var names: Set<String> = []
        for (i, p) in profiles.enumerated() where !names.insert(p.schedulerName).inserted {
            problems.append("profiles[\(i)].schedulerName: duplicate \"\(p.schedulerName)\"")
        }
        let sorts = Set(profiles.map { $0.plugins[.queueSort]?.map(\.name) ?? [] })
        if sorts.count > 1 { problems.append("profiles: all profiles must use the same queueSort plugin") }
        if !problems.isEmpty { throw SchedulerError(.invalidConfiguration, problems.joined(separator: "; ")) }
        for p in profiles { _ = try Framework(profile: p, registry: registry) }
    }
}
