/// Why a pod fits no node: each node's rejecting status and the plugins involved.
public struct Diagnosis: Sendable, Hashable {
    /// Each rejected node's status.
    public var nodeToStatus: NodeStatusMap = [:]
    /// Plugins that rejected the pod on some node (used to decide which events requeue it).
    public var unschedulablePlugins: Set<String> = []
    /// The PreFilter rejection message, when PreFilter rejected the pod on every node.
    public var preFilterMessage: String?
    /// The PostFilter (preemption) message.
    public var postFilterMessage: String?

    /// An empty diagnosis.
    public init() {}
}

/// The pod fits no node: kube-scheduler's `FitError`, whose message is the FailedScheduling
/// event text.
public struct FitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pod.
    public var pod: Pod
    /// How many nodes the cluster has.
    public var numAllNodes: Int
    /// The reasons.
    public var diagnosis: Diagnosis

    /// A fit error.
    public init(pod: Pod, numAllNodes: Int, diagnosis: Diagnosis) {
        self.pod = pod
        self.numAllNodes = numAllNodes
        self.diagnosis = diagnosis
    }

    /// The FailedScheduling message, e.g. "0/3 nodes are available: 1 Insufficient cpu, 2 node(s)
    /// had untolerated taint {dedicated: x}. preemption: 0/3 nodes are available: 3 Preemption is
    /// not helpful for scheduling."
    public var message: String {
        var text = "0/\(numAllNodes) nodes are available:"
        if let pre = diagnosis.preFilterMessage, !pre.isEmpty {
            text += " \(pre)."
        } else {
            text += " \(FitError.histogram(diagnosis.nodeToStatus.values.map(\.reasons)))."
        }
        if let post = diagnosis.postFilterMessage, !post.isEmpty { text += " \(post)" }
        return text
    }

    /// The message.
    public var description: String { message }

    /// Counts each reason over nodes and formats "N reason", sorted, joined by ", " (upstream's
    /// `sortReasonsHistogram`).
    public static func histogram(_ reasonsPerNode: [[String]]) -> String {
        var counts: [String: Int] = [:]
        for reasons in reasonsPerNode { for r in reasons { counts[r, default: 0] += 1 } }
        return counts.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")
    }
}
