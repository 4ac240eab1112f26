/// PostFilter: preempts lower-priority pods so the pod fits (upstream's DefaultPreemption).
///
/// For each node where preemption might help (its filter status is Unschedulable, not
/// UnschedulableAndUnresolvable), all lower-priority pods are removed; if the pod then fits,
/// victims are reprieved most-important first (PDB-violating ones first) while it still fits.
/// Among candidates the node is picked by: fewest PDB violations, lowest highest-victim
/// priority, lowest priority sum, fewest victims, latest start of the highest-priority victims.
public struct DefaultPreemption: PostFilterPlugin {
    /// "DefaultPreemption".
    public let name = PluginNames.defaultPreemption
    /// At least this percentage of nodes is evaluated as candidates (default 10).
    public let minCandidateNodesPercentage: Int
    /// At least this many nodes are evaluated (default 100).
    public let minCandidateNodesAbsolute: Int

    /// The plugin; args `minCandidateNodesPercentage` (0...100) and `minCandidateNodesAbsolute` (>= 0).
    public init(args: PluginArgs? = nil) throws(SchedulerError) {
        let p = args?["minCandidateNodesPercentage"]?.int ?? 10
        let a = args?["minCandidateNodesAbsolute"]?.int ?? 100
        guard (0...100).contains(p) else { throw SchedulerError(.invalidPluginArgs, "DefaultPreemption: minCandidateNodesPercentage \(p) is not in 0...100") }
        guard a >= 0 else { throw SchedulerError(.invalidPluginArgs, "DefaultPreemption: minCandidateNodesAbsolute must not be negative") }
        guard p > 0 || a > 0 else {
            throw SchedulerError(.invalidPluginArgs, "DefaultPreemption: minCandidateNodesPercentage and minCandidateNodesAbsolute cannot both be zero")
        }
        minCandidateNodesPercentage = Int(p)
        minCandidateNodesAbsolute = Int(a)
    }

    /// A node where preemption works and what it costs.
    public struct Candidate: Sendable, Hashable {
        /// The node.
        public var nodeName: String
        /// The pods to evict, most important first.
        public var victims: [Pod]
        /// How many victims' eviction violates a PodDisruptionBudget.
        public var pdbViolations: Int

        /// A candidate.
        public init(nodeName: String, victims: [Pod], pdbViolations: Int) {
            self.nodeName = nodeName
            self.victims = victims
            self.pdbViolations = pdbViolations
        }
    }

    /// Finds victims and nominates a node, or explains why preemption cannot help.
    public func postFilter(_ pod: PodInfo, state: CycleState, snapshot: Snapshot, framework: Framework, filteredStatuses: NodeStatusMap) -> (PostFilterResult?, Status) {
        if pod.pod.preemptionPolicy == .never {
            return (nil, Status(.unschedulable, "preemption: not eligible due to preemptionPolicy=Never."))
        }
        var statuses: NodeStatusMap = [:]
        var potential: [NodeInfo] = []
        for n in snapshot.nodes {
            if let s = filteredStatuses[n.name], s.code == .unschedulableAndUnresolvable {
                statuses[n.name] = Status(.unschedulableAndUnresolvable, "Preemption is not helpful for scheduling")
            } else {
                potential.append(n)
            }
        }
        let wanted = min(potential.count, max(potential.count * minCandidateNodesPercentage / 100, minCandidateNodesAbsolute))
        // When every PreFilter that ran only looks at the pod itself, its cycle state holds for
        // the changed node too; otherwise PreFilter is re-run on a snapshot with the change.
        let reusable = framework.preFilterPlugins.allSatisfy {
            state.skippedFilterPlugins.contains($0.name) || DefaultPreemption.podLocalPreFilters.contains($0.name)
        }
        var candidates: [Candidate] = []
        for n in potential {
            switch selectVictims(pod, on: n, snapshot: snapshot, framework: framework, reusing: reusable ? state : nil) {
            case .success(let c):
                candidates.append(c)
            case .failure(let s):
                statuses[n.name] = s
            }
            if candidates.last?.victims.isEmpty == true || candidates.count >= wanted { break }
        }
        guard let best = DefaultPreemption.pickOne(candidates) else {
            let message = FitError(pod: pod.pod, numAllNodes: snapshot.nodes.count, diagnosis: {
                var d = Diagnosis()
                d.nodeToStatus = statuses
                return d
            }()).message
            return (nil, Status(.unschedulable, "preemption: " + message))
        }
        return (PostFilterResult(nominatedNodeName: best.nodeName, victims: best.victims), .success)
    }

    /// PreFilter plugins whose state depends only on the incoming pod, not on other pods.
    static let podLocalPreFilters: Set<String> = [PluginNames.nodeAffinity, PluginNames.nodePorts, PluginNames.nodeResourcesFit]

    /// Upstream's `SelectVictimsOnNode`. With `reusing`, that cycle state is used for every
    /// filter run instead of re-running PreFilter.
    public func selectVictims(_ pod: PodInfo, on node: NodeInfo, snapshot: Snapshot, framework: Framework, reusing: CycleState? = nil) -> Result<Candidate, Status> {
        var info = node
        var potential: [PodInfo] = []
        for p in node.pods where p.pod.priority < pod.pod.priority {
            potential.append(p)
            info.remove(uid: p.pod.uid)
        }
        if potential.isEmpty { return .failure(Status(.unschedulableAndUnresolvable, "No preemption victims found for incoming pod")) }
        let first = fits(pod, info, snapshot: snapshot, framework: framework, reusing: reusing)
        if !first.isSuccess { return .failure(first) }
        potential.sort { DefaultPreemption.moreImportant($0.pod, $1.pod) }
        let (violating, nonViolating) = DefaultPreemption.splitByPDB(potential, budgets: snapshot.disruptionBudgets)
        var victims: [Pod] = []
        var violations = 0
        for (list, counts) in [(violating, true), (nonViolating, false)] {
            for p in list {
                info.add(p)
                if !fits(pod, info, snapshot: snapshot, framework: framework, reusing: reusing).isSuccess {
                    info.remove(uid: p.pod.uid)
                    victims.append(p.pod)
                    if counts { violations += 1 }
                }
            }
        }
        victims.sort { DefaultPreemption.moreImportant($0, $1) }
        return .success(Candidate(nodeName: node.name, victims: victims, pdbViolations: violations))
    }

    /// Runs PreFilter (on a snapshot with `node` replaced, so pod-dependent plugins see the
    /// change) and the filters on `node`.
    func fits(_ pod: PodInfo, _ node: NodeInfo, snapshot: Snapshot, framework: Framework, reusing: CycleState?) -> Status {
        if let reusing { return framework.runFilter(pod, node: node, state: reusing) }
        var s = snapshot
        if let i = s.index[node.name] { s.nodes[i] = node }
        var state = CycleState()
        state.isPreemptionDryRun = true
        let (pre, status) = framework.runPreFilter(pod, state: &state, snapshot: s)
        if !status.isSuccess { return status }
        if let names = pre?.nodeNames, !names.contains(node.name) {
            return Status(.unschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) in PreFilter")
        }
        return framework.runFilter(pod, node: node, state: state)
    }

    /// Upstream's `MoreImportantPod`: higher priority, then earlier start.
    public static func moreImportant(_ a: Pod, _ b: Pod) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if let sa = a.startTime, let sb = b.startTime { return sa < sb }
        return false
    }

    /// Upstream's `filterPodsWithPDBViolation`: walks the pods in order, spending each matching
    /// budget's allowed disruptions; a pod that overdraws one is violating.
    static func splitByPDB(_ pods: [PodInfo], budgets: [PodDisruptionBudget]) -> ([PodInfo], [PodInfo]) {
        var allowed = budgets.map { Int($0.disruptionsAllowed) }
        var violating: [PodInfo] = [], nonViolating: [PodInfo] = []
        for p in pods {
            var violated = false
            if !p.pod.labels.isEmpty {
                for (i, b) in budgets.enumerated() where b.namespace == p.pod.namespace && !b.selector.isEmpty && b.selector.matches(p.pod.labels) {
                    allowed[i] -= 1
                    if allowed[i] < 0 { violated = true }
                }
            }
            if violated { violating.append(p) } else { nonViolating.append(p) }
        }
        return (violating, nonViolating)
    }

    /// Upstream's `pickOneNodeForPreemption`.
    public static func pickOne(_ candidates: [Candidate]) -> Candidate? {
        if let free = candidates.first(where: { $0.victims.isEmpty }) { return free }
        var pool = candidates
        func keep(_ metric: (Candidate) -> Int64, preferMax: Bool = false) {
            guard pool.count > 1 else { return }
            let values = pool.map(metric)
            let best = preferMax ? values.max()! : values.min()!
            pool = zip(pool, values).filter { $0.1 == best }.map(\.0)
        }
        keep { Int64($0.pdbViolations) }
        keep { Int64($0.victims.first?.priority ?? Int32.min) }
        keep { $0.victims.reduce(Int64(0)) { $0 + Int64($1.priority) + Int64(Int32.max) + 1 } }
        keep { Int64($0.victims.count) }
        keep({ c in
            let top = c.victims.first?.priority
            let starts = c.victims.filter { $0.priority == top }.compactMap(\.startTime)
            return starts.min().map { $0.components.seconds * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000 } ?? Int64.min
        }, preferMax: true)
        return pool.first
    }
}
