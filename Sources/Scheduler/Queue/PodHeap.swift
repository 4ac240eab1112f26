/// A binary heap of queued pods with removal by uid.
struct PodHeap: Sendable {
    private(set) var items: [QueuedPodInfo] = []
    private var positions: [String: Int] = [:]
    let less: @Sendable (QueuedPodInfo, QueuedPodInfo) -> Bool

    init(less: @escaping @Sendable (QueuedPodInfo, QueuedPodInfo) -> Bool) { self.less = less }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var peek: QueuedPodInfo? { items.first }
    func contains(_ uid: String) -> Bool { positions[uid] != nil }
    func get(_ uid: String) -> QueuedPodInfo? { positions[uid].map { items[$0] } }

    /// Inserts or replaces the pod with the same uid.
    mutating func upsert(_ item: QueuedPodInfo) {
        if let i = positions[item.pod.uid] {
            items[i] = item
            if !siftUp(i) { siftDown(i) }
            return
        }
        items.append(item)
        positions[item.pod.uid] = items.count - 1
        siftUp(items.count - 1)
    }

    mutating func pop() -> QueuedPodInfo? {
        guard let top = items.first else { return nil }
        remove(top.pod.uid)
        return top
    }

    @discardableResult
    mutating func remove(_ uid: String) -> QueuedPodInfo? {
        guard let i = positions.removeValue(forKey: uid) else { return nil }
        let removed = items[i]
        let last = items.removeLast()
        if i < items.count {
            items[i] = last
            positions[last.pod.uid] = i
            if !siftUp(i) { siftDown(i) }
        }
        return removed
    }

    @discardableResult
    private mutating func siftUp(_ start: Int) -> Bool {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(items[i], items[parent]) else { break }
            swapAt(i, parent)
            i = parent
        }
        return i != start
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < items.count && less(items[l], items[best]) { best = l }
            if r < items.count && less(items[r], items[best]) { best = r }
            if best == i { return }
            swapAt(i, best)
            i = best
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        items.swapAt(a, b)
        positions[items[a].pod.uid] = a
        positions[items[b].pod.uid] = b
    }
}
