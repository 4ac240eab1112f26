/// The result of a successful scheduling decision.
public struct ScheduleResult: Sendable, Hashable {
    /// The chosen node.
    public var suggestedHost: String
    /// How many nodes were filtered.
    public var evaluatedNodes: Int
    /// How many of those were feasible.
    public var feasibleNodes: Int
}

/// Options of the scheduling algorithm.
public struct AlgorithmOptions: Sendable, Hashable {
    /// Cluster-wide percentage of nodes to score; 0 (the default) is upstream's adaptive
    /// default (50 - nodes/125, at least 5%, never fewer than 100 nodes). A profile's own value wins.
    public var percentageOfNodesToScore: Int32 = 0
    /// Node batches at least this large are filtered and scored in parallel (default 64).
    public var parallelThreshold: Int = 64
    /// Number of parallel chunks (default: 2 x active processors, minimum 2).
    public var parallelism: Int = 4
    /// Seed of the tie-breaking random generator (deterministic for tests).
    public var seed: UInt64 = 0x5EED

    /// Defaults.
    public init() {}
}

/// Upstream's `schedulePod`: PreFilter, Filter over (a percentage of) the nodes in parallel
/// starting at a round-robin index, PreScore, Score, and host selection with random tie-breaks.
///
/// A value type: its only state is the round-robin start index and the random generator.
public struct SchedulingAlgorithm: Sendable {
    /// Options.
    public var options: AlgorithmOptions
    /// Where the next cycle starts filtering.
    public private(set) var nextStartNodeIndex = 0
    private var rng: SplitMix64

    /// An algorithm with `options`.
    public init(options: AlgorithmOptions = AlgorithmOptions()) {
        self.options = options
        self.rng = SplitMix64(seed: options.seed)
    }

    /// Upstream's `numFeasibleNodesToFind`.
    public static func numFeasibleNodesToFind(percentage: Int32, numAllNodes: Int) -> Int {
        let minFeasible = 100
        if numAllNodes < minFeasible { return numAllNodes }
        var p = Int(percentage)
        if p <= 0 {
            p = 50 - numAllNodes / 125
            if p < 5 { p = 5 }
        }
        if p >= 100 { return numAllNodes }
        let n = numAllNodes * p / 100
        return n < minFeasible ? minFeasible : n
    }

    /// Schedules `pod` on `snapshot`, or explains why it fits nowhere (PostFilter is not run here).
    public mutating func schedule(_ pod: PodInfo, state: inout CycleState, snapshot: Snapshot, framework: Framework) async -> Result<ScheduleResult, FitError> {
        let all = snapshot.nodes.count
        var diagnosis = Diagnosis()
        if all == 0 {
            diagnosis.preFilterMessage = "no nodes available to schedule pods"
            return .failure(FitError(pod: pod.pod, numAllNodes: 0, diagnosis: diagnosis))
        }
        let (pre, preStatus) = framework.runPreFilter(pod, state: &state, snapshot: snapshot)
        if !preStatus.isSuccess {
            diagnosis.preFilterMessage = preStatus.message
            if let plugin = preStatus.plugin { diagnosis.unschedulablePlugins.insert(plugin) }
            for n in snapshot.nodes { diagnosis.nodeToStatus[n.name] = preStatus }
            return .failure(FitError(pod: pod.pod, numAllNodes: all, diagnosis: diagnosis))
        }
        // A pod nominated by an earlier preemption tries that node first (upstream's
        // evaluateNominatedNode); if it fits, scoring is skipped.
        if let nominated = pod.pod.nominatedNodeName, let i = snapshot.index[nominated], pre?.nodeNames?.contains(nominated) ?? true {
            if framework.runFilter(pod, node: snapshot.node(at: i, for: pod), state: state).isSuccess {
                return .success(ScheduleResult(suggestedHost: nominated, evaluatedNodes: 1, feasibleNodes: 1))
            }
        }
        // Candidate positions, round-robin from nextStartNodeIndex.
        var candidates: [Int]
        if let names = pre?.nodeNames {
            candidates = names.compactMap { snapshot.index[$0] }.sorted()
        } else {
            let start = nextStartNodeIndex % all
            candidates = Array(start..<all) + Array(0..<start)
        }
        let percentage = framework.profile.percentageOfNodesToScore.flatMap { $0 > 0 ? $0 : nil } ?? options.percentageOfNodesToScore
        let toFind = SchedulingAlgorithm.numFeasibleNodesToFind(percentage: percentage, numAllNodes: candidates.count)
        var feasible: [NodeInfo] = []
        feasible.reserveCapacity(toFind)
        var processed = 0
        let frozen = state
        while feasible.count < toFind && processed < candidates.count {
            let batch = Array(candidates[processed..<min(candidates.count, processed + max(toFind - feasible.count, 16))])
            let statuses = await filter(pod, batch: batch, snapshot: snapshot, framework: framework, state: frozen)
            for (k, s) in statuses.enumerated() {
                processed += 1
                let info = snapshot.nodes[batch[k]]
                if s.isSuccess {
                    feasible.append(info)
                    if feasible.count == toFind { break }
                } else {
                    diagnosis.nodeToStatus[info.name] = s
                    if let p = s.plugin { diagnosis.unschedulablePlugins.insert(p) }
                }
            }
        }
        if pre?.nodeNames == nil { nextStartNodeIndex = (nextStartNodeIndex + processed) % all }
        if feasible.isEmpty {
            if let names = pre?.nodeNames {
                // Nodes PreFilter excluded count as rejected by it, as upstream.
                for n in snapshot.nodes where !names.contains(n.name) && diagnosis.nodeToStatus[n.name] == nil {
                    diagnosis.nodeToStatus[n.name] = Status(.unschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) in PreFilter")
                }
            }
            return .failure(FitError(pod: pod.pod, numAllNodes: all, diagnosis: diagnosis))
        }
        if feasible.count == 1 {
            return .success(ScheduleResult(suggestedHost: feasible[0].name, evaluatedNodes: processed, feasibleNodes: 1))
        }
        let totals = await prioritize(pod, nodes: feasible, state: &state, snapshot: snapshot, framework: framework)
        switch totals {
        case .failure(let status):
            diagnosis.preFilterMessage = "running Score plugins: \(status.message)"
            return .failure(FitError(pod: pod.pod, numAllNodes: all, diagnosis: diagnosis))
        case .success(let scores):
            let host = selectHost(scores)
            return .success(ScheduleResult(suggestedHost: host, evaluatedNodes: processed, feasibleNodes: feasible.count))
        }
    }

    /// PreScore and Score over `nodes`, returning each node's weighted total.
    public func prioritize(_ pod: PodInfo, nodes: [NodeInfo], state: inout CycleState, snapshot: Snapshot, framework: Framework) async -> Result<[NodeScore], Status> {
        let s = framework.runPreScore(pod, state: &state, nodes: nodes, snapshot: snapshot)
        if !s.isSuccess { return .failure(s) }
        let (byPlugin, status) = framework.runScore(pod, state: state, nodes: nodes)
        if !status.isSuccess { return .failure(status) }
        var totals = nodes.map { NodeScore(name: $0.name, score: 0) }
        for (p, w) in framework.scorePlugins {
            guard let scores = byPlugin[p.name] else { continue }
            for i in scores.indices { totals[i].score += scores[i].score * w }
        }
        return .success(totals)
    }

    /// The highest-scoring node; ties are broken uniformly at random (reservoir sampling).
    mutating func selectHost(_ scores: [NodeScore]) -> String {
        var best = scores[0]
        var ties: UInt64 = 1
        for s in scores.dropFirst() {
            if s.score > best.score {
                best = s
                ties = 1
            } else if s.score == best.score {
                ties += 1
                if rng.next() % ties == 0 { best = s }
            }
        }
        return best.name
    }

    private func filter(_ pod: PodInfo, batch: [Int], snapshot: Snapshot, framework: Framework, state: CycleState) async -> [Status] {
        let plugins = framework.activeFilterPlugins(state)
        if batch.count < options.parallelThreshold {
            return batch.map { framework.runFilter(pod, node: snapshot.node(at: $0, for: pod), state: state, plugins: plugins) }
        }
        let chunks = max(2, options.parallelism)
        let size = (batch.count + chunks - 1) / chunks
        return await withTaskGroup(of: (Int, [Status]).self) { group in
            for c in 0..<chunks where c * size < batch.count {
                let slice = Array(batch[(c * size)..<min(batch.count, (c + 1) * size)])
                group.addTask {
                    (c, slice.map { framework.runFilter(pod, node: snapshot.node(at: $0, for: pod), state: state, plugins: plugins) })
                }
            }
            var parts = [[Status]](repeating: [], count: chunks)
            for await (c, part) in group { parts[c] = part }
            return parts.flatMap { $0 }
        }
    }
}

/// A small, fast, seedable random generator (SplitMix64).
struct SplitMix64: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
