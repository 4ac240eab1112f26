import DaaSTestSupport
import Testing

@testable import SealAuth

@Suite("LRU cache")
struct LRUCacheTests {
    @Test("evicts the least recently used entry")
    func eviction() {
        var cache = LRUCache<Int, String>(capacity: 3)
        for key in 1...3 { cache.set("\(key)", for: key) }
        _ = cache.value(for: 1)
        cache.set("4", for: 4)
        #expect(cache.value(for: 2) == nil)
        #expect(cache.value(for: 1) == "1" && cache.value(for: 3) == "3" && cache.value(for: 4) == "4")
        #expect(cache.count == 3)
        cache.removeValue(for: 3)
        cache.set("5", for: 5)
        cache.set("6", for: 6)
        #expect(cache.count == 3 && cache.value(for: 1) == nil)
    }

    @Test("matches a reference model under random operations")
    func model() {
        var cache = LRUCache<Int, Int>(capacity: 8)
        var model: [(Int, Int)] = []
        var random = SplitMix64.seeded("LRU cache model")
        for step in 0..<5_000 {
            let key = Int.random(in: 0..<20, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0:
                let expected = model.firstIndex { $0.0 == key }.map { model.remove(at: $0) }
                if let expected { model.append(expected) }
                #expect(cache.value(for: key) == expected?.1)
            case 1:
                model.removeAll { $0.0 == key }
                model.append((key, step))
                if model.count > 8 { model.removeFirst() }
                cache.set(step, for: key)
            default:
                model.removeAll { $0.0 == key }
                cache.removeValue(for: key)
            }
            #expect(cache.count == model.count)
        }
    }
}
