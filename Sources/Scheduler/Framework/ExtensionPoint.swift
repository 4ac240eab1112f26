/// The framework's extension points, in the order a pod meets them.
public enum ExtensionPoint: String, Sendable, Hashable, CaseIterable {
    /// Before entering the active queue.
    case preEnqueue
    /// Orders the active queue.
    case queueSort
    /// Checks and precomputation before filtering.
    case preFilter
    /// Per-node feasibility.
    case filter
    /// When no node is feasible (preemption).
    case postFilter
    /// Precomputation before scoring.
    case preScore
    /// Per-node ranking (with NormalizeScore).
    case score
    /// Reserve and Unreserve.
    case reserve
    /// Approve, deny or wait.
    case permit
    /// Before binding.
    case preBind
    /// Binding.
    case bind
    /// After binding.
    case postBind

    func accepts(_ plugin: any Plugin) -> Bool {
        switch self {
        case .preEnqueue: plugin is any PreEnqueuePlugin
        case .queueSort: plugin is any QueueSortPlugin
        case .preFilter: plugin is any PreFilterPlugin
        case .filter: plugin is any FilterPlugin
        case .postFilter: plugin is any PostFilterPlugin
        case .preScore: plugin is any PreScorePlugin
        case .score: plugin is any ScorePlugin
        case .reserve: plugin is any ReservePlugin
        case .permit: plugin is any PermitPlugin
        case .preBind: plugin is any PreBindPlugin
        case .bind: plugin is any BindPlugin
        case .postBind: plugin is any PostBindPlugin
        }
    }
}
