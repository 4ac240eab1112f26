/// A scheduler plugin. Adopt one or more of the extension-point protocols below.
public protocol Plugin: Sendable {
    /// The unique plugin name, as used in profiles and configuration.
    var name: String { get }
}

/// PreEnqueue: decides whether a pod may enter the active queue (e.g. SchedulingGates).
public protocol PreEnqueuePlugin: Plugin {
    /// Returns success to let the pod in; anything else keeps it waiting until a cluster event.
    func preEnqueue(_ pod: Pod) -> Status
}

/// A pod waiting in the queue, as QueueSort compares them.
public struct QueuedPodInfo: Sendable {
    /// The pod, with values derived from it.
    public var podInfo: PodInfo
    /// When the pod was first added to the queue.
    public var initialAttemptTime: Duration
    /// When the pod was last added to (or moved within) the queue.
    public var timestamp: Duration
    /// How many scheduling attempts failed so far.
    public var attempts: Int
    /// The plugins that rejected the pod in its last attempt.
    public var unschedulablePlugins: Set<String>
    /// The pod.
    public var pod: Pod { podInfo.pod }

    /// A queued pod.
    public init(podInfo: PodInfo, initialAttemptTime: Duration, timestamp: Duration, attempts: Int = 0, unschedulablePlugins: Set<String> = []) {
        self.podInfo = podInfo
        self.initialAttemptTime = initialAttemptTime
        self.timestamp = timestamp
        self.attempts = attempts
        self.unschedulablePlugins = unschedulablePlugins
    }
}

/// QueueSort: orders the active queue. A profile has exactly one.
public protocol QueueSortPlugin: Plugin {
    /// Whether `a` should be scheduled before `b`.
    func less(_ a: QueuedPodInfo, _ b: QueuedPodInfo) -> Bool
}

/// What a PreFilter plugin may return besides its status: a restriction to some nodes.
public struct PreFilterResult: Sendable, Hashable {
    /// Only these nodes can fit the pod; `nil` means all nodes.
    public var nodeNames: Set<String>?

    /// A result.
    public init(nodeNames: Set<String>?) { self.nodeNames = nodeNames }
}

/// PreFilter: checks the pod and precomputes cycle state before Filter runs.
public protocol PreFilterPlugin: Plugin {
    /// Returns Skip to skip this plugin's Filter for the cycle; Unschedulable* to reject the pod on
    /// every node.
    func preFilter(_ pod: PodInfo, state: inout CycleState, snapshot: Snapshot) -> (PreFilterResult?, Status)
}

/// Filter: decides whether the pod fits a node. May run in parallel across nodes.
public protocol FilterPlugin: Plugin {
    /// Success if the pod fits `node`; Unschedulable or UnschedulableAndUnresolvable with a reason otherwise.
    func filter(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> Status
}

/// Filter statuses by node name, as PostFilter receives them.
public typealias NodeStatusMap = [String: Status]

/// The outcome of a successful PostFilter (preemption): the node the pod is nominated to and
/// the pods to evict first.
public struct PostFilterResult: Sendable, Hashable {
    /// The node the pod is nominated to.
    public var nominatedNodeName: String
    /// The victims to delete.
    public var victims: [Pod]

    /// A result.
    public init(nominatedNodeName: String, victims: [Pod]) {
        self.nominatedNodeName = nominatedNodeName
        self.victims = victims
    }
}

/// PostFilter: runs when no node fits (e.g. DefaultPreemption).
public protocol PostFilterPlugin: Plugin {
    /// Returns success with a result when it made the pod schedulable later.
    func postFilter(
        _ pod: PodInfo, state: CycleState, snapshot: Snapshot, framework: Framework, filteredStatuses: NodeStatusMap
    ) -> (PostFilterResult?, Status)
}

/// PreScore: precomputes data for Score from the feasible nodes.
public protocol PreScorePlugin: Plugin {
    /// Returns Skip to skip this plugin's Score for the cycle.
    func preScore(_ pod: PodInfo, state: inout CycleState, nodes: [NodeInfo], snapshot: Snapshot) -> Status
}

/// A node's score from one plugin or in total.
public struct NodeScore: Sendable, Hashable {
    /// The node name.
    public var name: String
    /// The score.
    public var score: Int64

    /// A score.
    public init(name: String, score: Int64) {
        self.name = name
        self.score = score
    }
}

/// The largest score a plugin may give after normalisation.
public let maxNodeScore: Int64 = 100
/// The smallest score a plugin may give after normalisation.
public let minNodeScore: Int64 = 0

/// Score: ranks feasible nodes. After NormalizeScore every score must be in 0...100; the
/// framework multiplies it by the plugin's weight and sums over plugins.
public protocol ScorePlugin: Plugin {
    /// The raw score of `node`.
    func score(_ pod: PodInfo, node: NodeInfo, state: CycleState) -> (Int64, Status)
    /// NormalizeScore: maps raw scores into 0...100. The default leaves them unchanged.
    func normalizeScores(_ pod: PodInfo, scores: inout [NodeScore], state: CycleState) -> Status
}

extension ScorePlugin {
    /// Leaves scores unchanged (for plugins whose raw scores are already 0...100).
    public func normalizeScores(_ pod: PodInfo, scores: inout [NodeScore], state: CycleState) -> Status { .success }
}

/// Reserve/Unreserve: claims (and releases) resources when a node is chosen.
public protocol ReservePlugin: Plugin {
    /// Called after the pod is assumed on `nodeName`; failure aborts the binding.
    func reserve(_ pod: Pod, nodeName: String, state: inout CycleState) -> Status
    /// Called when a later stage fails; must be idempotent.
    func unreserve(_ pod: Pod, nodeName: String, state: CycleState)
}

/// A Permit plugin's decision.
public enum PermitDecision: Sendable, Hashable {
    /// Let the pod bind.
    case approve
    /// Reject with this status.
    case deny(Status)
    /// Wait for ``Framework``'s waiting-pod approval, at most `timeout`.
    case wait(timeout: Duration)
}

/// Permit: approves, denies or delays binding.
public protocol PermitPlugin: Plugin {
    /// The decision for `pod` on `nodeName`.
    func permit(_ pod: Pod, nodeName: String, state: CycleState) -> PermitDecision
}

/// PreBind: work before binding (e.g. provisioning volumes).
public protocol PreBindPlugin: Plugin {
    /// Success lets binding proceed.
    func preBind(_ pod: Pod, nodeName: String, state: CycleState) async -> Status
}

/// Bind: binds the pod; plugins run in order until one does not return Skip.
public protocol BindPlugin: Plugin {
    /// Binds, or returns Skip to let the next Bind plugin do it.
    func bind(_ pod: Pod, nodeName: String, state: CycleState) async -> Status
}

/// PostBind: informational, after a successful bind.
public protocol PostBindPlugin: Plugin {
    /// Called after binding.
    func postBind(_ pod: Pod, nodeName: String, state: CycleState) async
}

/// A cluster change that may make pods schedulable again.
public struct ClusterEventKind: Sendable, Hashable, CustomStringConvertible {
    /// The object kind.
    public enum Resource: String, Sendable, Hashable {
        /// A node.
        case node = "Node"
        /// A pod.
        case pod = "Pod"
        /// A PodDisruptionBudget.
        case podDisruptionBudget = "PodDisruptionBudget"
        /// A PersistentVolumeClaim.
        case persistentVolumeClaim = "PersistentVolumeClaim"
        /// A PersistentVolume.
        case persistentVolume = "PersistentVolume"
        /// A StorageClass.
        case storageClass = "StorageClass"
    }
    /// What happened.
    public enum Action: String, Sendable, Hashable {
        /// Created.
        case add = "Add"
        /// Changed.
        case update = "Update"
        /// Deleted.
        case delete = "Delete"
    }
    /// The object kind.
    public var resource: Resource
    /// What happened.
    public var action: Action

    /// An event kind.
    public init(_ resource: Resource, _ action: Action) {
        self.resource = resource
        self.action = action
    }

    /// "Node/Add" etc.
    public var description: String { "\(resource.rawValue)/\(action.rawValue)" }
}

/// Declares which cluster events can make a pod this plugin rejected schedulable again
/// (upstream's `EnqueueExtensions`). Plugins that do not adopt it are assumed to care about all.
public protocol EnqueueExtensions: Plugin {
    /// The events.
    var requeueEvents: Set<ClusterEventKind> { get }
}

/// The binder the master implements with the pods/binding subresource.
public protocol Binder: Sendable {
    /// Binds `pod` to `nodeName` (POST pods/binding). Throwing makes the scheduler forget the
    /// assumed pod and retry it with backoff.
    func bind(_ pod: Pod, to nodeName: String) async throws
}
