public import Scheduler

/// Every plugin's verdict on every node for one pod, like kube-scheduler-simulator's annotations.
public struct Explanation: Sendable {
    /// One node's results.
    public struct NodeResult: Sendable {
        /// The node name.
        public var node: String
        /// Each Filter plugin's status, in order ("Skip" for plugins PreFilter skipped).
        public var filters: [(plugin: String, status: Status)]
        /// Each Score plugin's raw, normalised and weighted score (feasible nodes only).
        public var scores: [(plugin: String, raw: Int64, normalized: Int64, weight: Int64, weighted: Int64)]
        /// Whether every filter passed.
        public var feasible: Bool { filters.allSatisfy { $0.status.isSuccess || $0.status.code == .skip } }
        /// The weighted total.
        public var total: Int64 { scores.reduce(0) { $0 + $1.weighted } }
        /// The status of filter `plugin`.
        public func filter(_ plugin: String) -> Status? { filters.first { $0.plugin == plugin }?.status }
        /// The score entry of `plugin`.
        public func score(_ plugin: String) -> (raw: Int64, normalized: Int64, weight: Int64, weighted: Int64)? {
            scores.first { $0.plugin == plugin }.map { ($0.raw, $0.normalized, $0.weight, $0.weighted) }
        }
    }
    /// The PreFilter status (non-success means no node was evaluated).
    public var preFilter: Status
    /// Results by node, in snapshot order.
    public var nodes: [NodeResult]

    /// The result for `node`.
    public subscript(node: String) -> NodeResult? { nodes.first { $0.node == node } }

    /// The feasible nodes with the highest total (several when tied).
    public var best: [String] {
        let feasible = nodes.filter(\.feasible)
        guard let top = feasible.map(\.total).max() else { return [] }
        return feasible.filter { $0.total == top }.map(\.node)
    }

    /// Runs every Filter plugin on every node (not stopping at the first rejection) and every
    /// Score plugin on the feasible nodes.
    public static func explain(_ pod: PodInfo, snapshot: Snapshot, framework: Framework) -> Explanation {
        var state = CycleState()
        let (pre, preStatus) = framework.runPreFilter(pod, state: &state, snapshot: snapshot)
        var results: [NodeResult] = []
        for n in snapshot.nodes {
            var filters: [(plugin: String, status: Status)] = []
            if !preStatus.isSuccess {
                filters.append((preStatus.plugin ?? "PreFilter", preStatus))
            } else if let names = pre?.nodeNames, !names.contains(n.name) {
                filters.append(("PreFilter", Status(.unschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) in PreFilter")))
            } else {
                for p in framework.filterPlugins {
                    filters.append((p.name, state.skippedFilterPlugins.contains(p.name) ? .skip : p.filter(pod, node: n, state: state)))
                }
            }
            results.append(NodeResult(node: n.name, filters: filters, scores: []))
        }
        let feasible = snapshot.nodes.filter { n in results.first { $0.node == n.name }!.feasible }
        if !feasible.isEmpty {
            var scoreState = state
            _ = framework.runPreScore(pod, state: &scoreState, nodes: feasible, snapshot: snapshot)
            for (p, w) in framework.scorePlugins where !scoreState.skippedScorePlugins.contains(p.name) {
                var scores = feasible.map { NodeScore(name: $0.name, score: p.score(pod, node: $0, state: scoreState).0) }
                let raw = scores.map(\.score)
                _ = p.normalizeScores(pod, scores: &scores, state: scoreState)
                for (k, s) in scores.enumerated() {
                    if let i = results.firstIndex(where: { $0.node == s.name }) {
                        results[i].scores.append((p.name, raw[k], s.score, w, s.score * w))
                    }
                }
            }
        }
        return Explanation(preFilter: preStatus, nodes: results)
    }

    /// A printable table: one row per node and plugin, then the node's total.
    public func table() -> String {
        var rows: [[String]] = [["NODE", "PLUGIN", "FILTER", "RAW", "NORMALIZED", "WEIGHT", "WEIGHTED"]]
        let best = Set(self.best)
        for n in nodes {
            for f in n.filters {
                let verdict = f.status.isSuccess ? "passed" : f.status.code == .skip ? "skipped" : "\(f.status.code.rawValue): \(f.status.message)"
                rows.append([n.node, f.plugin, verdict, "", "", "", ""])
            }
            for s in n.scores { rows.append([n.node, s.plugin, "", "\(s.raw)", "\(s.normalized)", "\(s.weight)", "\(s.weighted)"]) }
            rows.append([n.node, "TOTAL", n.feasible ? "feasible" : "infeasible", "", "", "", n.feasible ? "\(n.total)" + (best.contains(n.node) ? " (best)" : "") : ""])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c >= 3 ? pad + cell : cell + pad
            }.joined(separator: " | ").replacing(/\s+$/, with: "")
        }.joined(separator: "\n")
    }
}
