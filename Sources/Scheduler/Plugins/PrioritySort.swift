/// QueueSort: higher `priority` first, then the pod queued earlier.
public struct PrioritySort: QueueSortPlugin {
    /// "PrioritySort".
    public let name = PluginNames.prioritySort
    /// The plugin.
    public init() {}
    /// Higher priority first; equal priorities by queue timestamp.
    public func less(_ a: QueuedPodInfo, _ b: QueuedPodInfo) -> Bool {
        a.pod.priority != b.pod.priority ? a.pod.priority > b.pod.priority : a.timestamp < b.timestamp
    }
}
