/// The scheduler's cache of nodes and bound or assumed pods, fed by watch-style events.
///
/// A value-type state machine with no I/O. The master's informers call the `add`/`update`/
/// `remove` methods; the scheduler calls ``assume(_:on:)`` when it picks a node so the next cycle
/// sees the pod there while binding runs, then ``forget(uid:)`` if binding fails. A later
/// add/update event carrying the pod's `nodeName` confirms an assumed pod.
public struct ClusterCache: Sendable {
    /// The current view; take it at the start of a cycle.
    public private(set) var snapshot = Snapshot(empty: ())
    /// Where each cached pod is (node name), by uid.
    public private(set) var podNodes: [String: String] = [:]
    /// The uids of pods assumed but not yet confirmed by an event.
    public private(set) var assumedPods: Set<String> = []
    private var orphanPods: [String: [PodInfo]] = [:]

    /// An empty cache.
    public init() {}

    /// The number of nodes.
    public var nodeCount: Int { snapshot.nodes.count }

    // MARK: Nodes

    /// Adds a node (or updates it if already known).
    public mutating func addNode(_ node: Node) {
        if snapshot.index[node.name] != nil { updateNode(node); return }
        var info = NodeInfo(node: node)
        for p in orphanPods.removeValue(forKey: node.name) ?? [] { info.add(p) }
        snapshot.index[node.name] = snapshot.nodes.count
        snapshot.nodes.append(info)
        countImages(of: node, by: 1)
        snapshot.podsWithAffinity += info.podsWithAffinity
        snapshot.podsWithRequiredAntiAffinity += info.podsWithRequiredAntiAffinity
    }

    /// Replaces a node's object.
    public mutating func updateNode(_ node: Node) {
        guard let i = snapshot.index[node.name] else { addNode(node); return }
        countImages(of: snapshot.nodes[i].node, by: -1)
        snapshot.nodes[i].setNode(node)
        countImages(of: node, by: 1)
    }

    /// Removes a node; its pods are kept aside until they are deleted or the node returns.
    public mutating func removeNode(named name: String) {
        guard let i = snapshot.index.removeValue(forKey: name) else { return }
        let removed = snapshot.nodes.remove(at: i)
        for j in i..<snapshot.nodes.count { snapshot.index[snapshot.nodes[j].name] = j }
        countImages(of: removed.node, by: -1)
        snapshot.podsWithAffinity -= removed.podsWithAffinity
        snapshot.podsWithRequiredAntiAffinity -= removed.podsWithRequiredAntiAffinity
        if !removed.pods.isEmpty { orphanPods[name] = removed.pods }
    }

    // MARK: Pods

    /// Adds a bound pod (one with `nodeName`); confirms it if it was assumed. Unbound pods are
    /// ignored (they belong in the scheduling queue).
    public mutating func addPod(_ pod: Pod) {
        guard let nodeName = pod.nodeName else { return }
        if podNodes[pod.uid] != nil {
            assumedPods.remove(pod.uid)
            removePod(uid: pod.uid)
        }
        place(PodInfo(pod), on: nodeName)
    }

    /// Applies an update event (same as remove then add, confirming an assumed pod).
    public mutating func updatePod(_ pod: Pod) {
        assumedPods.remove(pod.uid)
        removePod(uid: pod.uid)
        addPod(pod)
    }

    /// Removes a pod.
    public mutating func removePod(uid: String) {
        guard let nodeName = podNodes.removeValue(forKey: uid) else { return }
        assumedPods.remove(uid)
        if let i = snapshot.index[nodeName] {
            if let info = snapshot.nodes[i].remove(uid: uid) {
                if info.hasAffinity { snapshot.podsWithAffinity -= 1 }
                if info.hasRequiredAntiAffinity { snapshot.podsWithRequiredAntiAffinity -= 1 }
            }
        } else {
            orphanPods[nodeName]?.removeAll { $0.pod.uid == uid }
        }
    }

    /// Places `pod` on `nodeName` before it is bound, so later cycles account for it.
    /// - Throws: ``SchedulerError/Code/invalidState`` if the pod is already cached,
    ///   ``SchedulerError/Code/notFound`` if the node is unknown.
    public mutating func assume(_ pod: Pod, on nodeName: String) throws(SchedulerError) {
        guard podNodes[pod.uid] == nil else { throw SchedulerError(.invalidState, "pod \(pod.key) is already in the cache") }
        guard snapshot.index[nodeName] != nil else { throw SchedulerError(.notFound, "node \(nodeName) is not in the cache") }
        var bound = pod
        bound.nodeName = nodeName
        place(PodInfo(bound), on: nodeName)
        assumedPods.insert(pod.uid)
    }

    /// Undoes ``assume(_:on:)`` after a failed binding. Confirmed pods are left alone.
    public mutating func forget(uid: String) {
        guard assumedPods.contains(uid) else { return }
        removePod(uid: uid)
    }

    // MARK: Nominations

    /// Records that preemption nominated `pod` to `nodeName` (replacing an earlier nomination).
    public mutating func nominate(_ pod: Pod, on nodeName: String) {
        clearNomination(uid: pod.uid)
        snapshot.nominatedPods[nodeName, default: []].append(PodInfo(pod))
    }

    /// Forgets the pod's nomination (it was bound, deleted or nominated elsewhere).
    public mutating func clearNomination(uid: String) {
        for (node, pods) in snapshot.nominatedPods where pods.contains(where: { $0.pod.uid == uid }) {
            let rest = pods.filter { $0.pod.uid != uid }
            snapshot.nominatedPods[node] = rest.isEmpty ? nil : rest
        }
    }

    // MARK: Other objects

    /// Records a namespace's labels (for pod affinity namespaceSelector).
    public mutating func setNamespace(_ name: String, labels: [String: String]) { snapshot.namespaceLabels[name] = labels }

    /// Replaces the PodDisruptionBudgets used by preemption.
    public mutating func setDisruptionBudgets(_ budgets: [PodDisruptionBudget]) { snapshot.disruptionBudgets = budgets }

    private mutating func place(_ info: PodInfo, on nodeName: String) {
        podNodes[info.pod.uid] = nodeName
        if let i = snapshot.index[nodeName] {
            snapshot.nodes[i].add(info)
            if info.hasAffinity { snapshot.podsWithAffinity += 1 }
            if info.hasRequiredAntiAffinity { snapshot.podsWithRequiredAntiAffinity += 1 }
        } else {
            orphanPods[nodeName, default: []].append(info)
        }
    }

    private mutating func countImages(of node: Node, by delta: Int) {
        for name in NodeInfo.images(of: node).keys {
            let n = (snapshot.imageNodeCounts[name] ?? 0) + delta
            snapshot.imageNodeCounts[name] = n > 0 ? n : nil
        }
    }
}
