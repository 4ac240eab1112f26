import DaaSTestSupport
import Testing

@testable import EncStore

@Suite("Record codec and value cache")
struct RecordCodecTests {
    let previous = (meta: RecordCodec.Meta(createRevision: 2, modRevision: 3, version: 2), envelope: [UInt8](repeating: 7, count: 40))

    func sampleEvent() -> [UInt8] {
        RecordCodec.encodeEvent(
            kind: .put, key: "/registry/pods/default/web", meta: RecordCodec.Meta(createRevision: 2, modRevision: 4, version: 3),
            envelope: [UInt8](repeating: 9, count: 50), previous: previous)
    }

    @Test("events round-trip")
    func roundTrip() throws {
        let bytes = sampleEvent()
        try bytes.withUnsafeBytes { buffer in
            let event = try RecordCodec.decodeEvent(buffer)
            #expect(event.kind == .put && String(decoding: event.key, as: UTF8.self) == "/registry/pods/default/web")
            #expect(event.meta == RecordCodec.Meta(createRevision: 2, modRevision: 4, version: 3))
            #expect(Array(event.envelope) == [UInt8](repeating: 9, count: 50))
            #expect(event.previous?.meta == previous.meta && event.previous.map { Array($0.envelope) } == previous.envelope)
        }
        #expect(try RecordCodec.historyKey(revision: 0x0102_0304_0506, index: 3).withUnsafeBytes(RecordCodec.revision(ofHistoryKey:)) == 0x0102_0304_0506)
    }

    @Test("every truncation and 5,000 random mutations of a record fail cleanly or decode")
    func fuzzedRecords() {
        let valid = sampleEvent()
        var inputs: [[UInt8]] = (0..<valid.count).map { Array(valid.prefix($0)) }
        var generator = SplitMix64.seeded("record codec mutations")
        for _ in 0..<5_000 {
            var mutated = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            inputs.append(mutated)
            inputs.append((0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        var failures = 0
        for input in inputs {
            input.withUnsafeBytes { buffer in
                do {
                    _ = try RecordCodec.decodeEvent(buffer)
                    _ = try RecordCodec.decodeCurrent(buffer)
                } catch let error as StoreError {
                    #expect(error.code == .corrupt)
                    failures += 1
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            }
        }
        #expect(failures >= valid.count, "every truncation is refused")
    }

    @Test("the value cache serves a value only for the same revision and nonce, within its budget")
    func valueCache() throws {
        let cache = ValueCache(capacity: 4_096)
        let envelope = (0..<Sealer.overhead).map { UInt8($0) }
        let nonce = try #require(envelope.withUnsafeBytes { ValueCache.Nonce(envelope: $0) })
        var other = envelope
        other[15] ^= 1
        let otherNonce = try #require(other.withUnsafeBytes { ValueCache.Nonce(envelope: $0) })
        cache.insert("/k", modRevision: 5, nonce: nonce, value: [1, 2, 3])
        #expect(cache.lookup("/k", modRevision: 5, nonce: nonce) == [1, 2, 3])
        #expect(cache.lookup("/k", modRevision: 6, nonce: nonce) == nil)
        #expect(cache.lookup("/k", modRevision: 5, nonce: otherNonce) == nil)
        for index in 0..<100 { cache.insert("/fill/\(index)", modRevision: 1, nonce: nonce, value: [UInt8](repeating: 0, count: 200)) }
        let kept = (0..<100).filter { cache.lookup("/fill/\($0)", modRevision: 1, nonce: nonce) != nil }.count
        #expect(kept > 0 && kept * 270 <= 4_096, "the cache stays within its byte budget")
        #expect(ValueCache(capacity: 0).lookup("/k", modRevision: 5, nonce: nonce) == nil)
    }
}
