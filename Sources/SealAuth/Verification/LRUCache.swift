/// A bounded map that evicts the least recently used entry: a dictionary into an array of nodes
/// linked in use order, so lookups, inserts and evictions are O(1). Not thread-safe; the verifier
/// holds it inside a `Mutex`.
struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var newer: Int
        var older: Int
    }

    private var index: [Key: Int] = [:]
    private var nodes: [Node] = []
    private var free: [Int] = []
    private var newest = -1
    private var oldest = -1
    /// The most entries held.
    let capacity: Int

    /// Creates an empty cache holding at most `capacity` (at least 1) entries.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
        index.reserveCapacity(min(self.capacity, 1 << 16))
    }

    /// The number of entries.
    var count: Int { index.count }

    /// The value for `key`, marking it most recently used.
    mutating func value(for key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        moveToNewest(slot)
        return nodes[slot].value
    }

    /// Inserts or replaces `key`, evicting the least recently used entry when full.
    mutating func set(_ value: Value, for key: Key) {
        if let slot = index[key] {
            nodes[slot].value = value
            moveToNewest(slot)
            return
        }
        if index.count >= capacity, oldest >= 0 { remove(slot: oldest) }
        let node = Node(key: key, value: value, newer: -1, older: newest)
        let slot: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
        index[key] = slot
    }

    /// Removes `key` if present.
    mutating func removeValue(for key: Key) {
        if let slot = index[key] { remove(slot: slot) }
    }

    /// Every value, in no particular order.
    var values: [Value] { index.values.map { nodes[$0].value } }

    /// Removes every entry for which `predicate` is true.
    mutating func removeAll(where predicate: (Key, Value) -> Bool) {
        for (key, slot) in index where predicate(key, nodes[slot].value) { remove(slot: slot) }
    }

    private mutating func unlink(_ slot: Int) {
        let node = nodes[slot]
        if node.newer >= 0 { nodes[node.newer].older = node.older } else { newest = node.older }
        if node.older >= 0 { nodes[node.older].newer = node.newer } else { oldest = node.newer }
    }

    private mutating func moveToNewest(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        nodes[slot].older = newest
        nodes[slot].newer = -1
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }

    private mutating func remove(slot: Int) {
        unlink(slot)
        index.removeValue(forKey: nodes[slot].key)
        free.append(slot)
    }
}
