import ArgumentParser
import EncStore
import Foundation

/// `daas-bench store`: EncStore against raw LMDB on the same workload, in the same run.
struct StoreBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Durable puts (1 and 32 writers), gets, a 10,000-key range and watch latency, against raw LMDB."
    )

    @Option(help: "Value size in bytes.") var valueSize = 1024
    @Option(help: "Durable puts with one writer.") var singlePuts = 2_000
    @Option(help: "Durable puts spread over the concurrent writers.") var concurrentPuts = 16_000
    @Option(help: "Concurrent writers.") var writers = 32
    @Option(help: "Gets (single reader).") var gets = 200_000
    @Option(help: "Keys in the range read.") var rangeKeys = 10_000
    @Option(help: "Range reads to time (the median is reported).") var rangeRepeats = 20
    @Option(help: "Watchers for the delivery-latency test.") var watchers = 100
    @Option(help: "Events each watcher receives.") var watchEvents = 300
    @Option(help: "Scratch directory (a temporary one by default).") var directory: String?

    func run() async throws {
        let root = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("daas-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let value = [UInt8](repeating: 0x5a, count: valueSize)
        print("workload: \(valueSize)-byte values; durable commits (fsync, no MDB_NOSYNC) for both; cores: \(ProcessInfo.processInfo.activeProcessorCount)")
        print("ours: EncStore MVCCStore.lmdb with default options (64 MiB plaintext value cache) unless a line says otherwise")
        print("reference: raw LMDB via liblmdb, one put per transaction, no encryption, no MVCC, same file system (\(root))")

        let store = try MVCCStore.lmdb(directory: root + "/ours", keyRing: KeyRing(active: .generate()))
        let raw = try RawLMDB(directory: root + "/raw")

        // Durable puts, one writer.
        let ours1 = try await measure(singlePuts) { for i in 0..<singlePuts { _ = try await store.put("/bench/single/\(i)", value: value) } }
        let raw1 = try measureSync(singlePuts) { for i in 0..<singlePuts { try raw.put("/bench/single/\(i)", value) } }
        report("put, 1 writer", ours: ours1, raw: raw1, unit: "ops/s")

        // Durable puts, many writers.
        let perWriter = concurrentPuts / writers
        let oursN = try await measure(perWriter * writers) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask { for i in 0..<perWriter { _ = try await store.put("/bench/multi/\(w)/\(i)", value: value) } }
                }
                try await group.waitForAll()
            }
        }
        let rawN = try measureSync(perWriter * writers) {
            let done = DispatchGroup()
            for w in 0..<writers {
                done.enter()
                Thread {
                    for i in 0..<perWriter { try! raw.put("/bench/multi/\(w)/\(i)", value) }
                    done.leave()
                }.start()
            }
            done.wait()
        }
        report("put, \(writers) writers", ours: oursN, raw: rawN, unit: "ops/s")

        // Gets over the single-writer keys.
        let oursGet = try await measure(gets) {
            for i in 0..<gets { _ = try await store.get("/bench/single/\(i % singlePuts)") }
        }
        let rawGet = try measureSync(gets) { for i in 0..<gets { _ = raw.get("/bench/single/\(i % singlePuts)") } }
        report("get, 1 reader", ours: oursGet, raw: rawGet, unit: "ops/s")

        // The same gets with the plaintext cache off: every get authenticates and decrypts.
        let uncached = try MVCCStore.lmdb(
            directory: root + "/ours-uncached", keyRing: KeyRing(active: .generate()), options: LMDBOptions(valueCacheBytes: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    for i in stride(from: w, to: singlePuts, by: writers) { _ = try await uncached.put("/bench/single/\(i)", value: value) }
                }
            }
            try await group.waitForAll()
        }
        let uncachedGet = try await measure(gets) {
            for i in 0..<gets { _ = try await uncached.get("/bench/single/\(i % singlePuts)") }
        }
        await uncached.close()
        report("get, 1 reader, value cache off (decrypt every read)", ours: uncachedGet, raw: rawGet, unit: "ops/s")

        // Range over rangeKeys keys.
        for i in 0..<rangeKeys {
            _ = try await store.put(String(format: "/bench/range/%06d", i), value: value)
            try raw.put(String(format: "/bench/range/%06d", i), value)
        }
        var oursRange: [Double] = []
        var rawRange: [Double] = []
        for _ in 0..<rangeRepeats {
            var start = ContinuousClock.now
            let got = try await store.range(prefix: "/bench/range/").kvs.count
            oursRange.append(milliseconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            let rawGot = raw.range(prefix: "/bench/range/")
            rawRange.append(milliseconds(ContinuousClock.now - start))
            guard got == rangeKeys, rawGot == rangeKeys else { throw BenchError("range returned \(got)/\(rawGot) keys") }
        }
        let oursMedian = percentile(oursRange, 0.5)
        let rawMedian = percentile(rawRange, 0.5)
        print(String(format: "range of %d keys (median of %d): ours %.2f ms, raw %.2f ms, ratio (raw/ours time) %.2f", rangeKeys, rangeRepeats, oursMedian, rawMedian, rawMedian / oursMedian))

        try await watchLatency(store: store, value: value)
        await store.close()
    }

    /// Delivery latency: time from just before a put until each of the watchers holds its event.
    func watchLatency(store: MVCCStore, value: [UInt8]) async throws {
        let streams = try await (0..<watchers).asyncMap { _ in try await store.watch(prefix: "/bench/watch/", fromRevision: 0) }
        let sendTimes = SendTimes(count: watchEvents)
        var putLatencies: [Double] = []
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for stream in streams {
                group.addTask {
                    var latencies: [Double] = []
                    var iterator = stream.makeAsyncIterator()
                    for _ in 0..<watchEvents {
                        guard let event = try await iterator.next() else { break }
                        let received = DispatchTime.now().uptimeNanoseconds
                        let index = Int(event.kv.key.split(separator: "/").last!)!
                        latencies.append(Double(received - (await sendTimes.get(index))) / 1_000)
                    }
                    return latencies
                }
            }
            for i in 0..<watchEvents {
                let sent = DispatchTime.now().uptimeNanoseconds
                await sendTimes.set(i, sent)
                _ = try await store.put("/bench/watch/\(i)", value: value)
                putLatencies.append(Double(DispatchTime.now().uptimeNanoseconds - sent) / 1_000)
                // Pace the writes so each measures delivery, not a queue built up by the previous one.
                try await Task.sleep(for: .milliseconds(1))
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }
        }
        let p50 = percentile(latencies, 0.5)
        let p99 = percentile(latencies, 0.99)
        let put50 = percentile(putLatencies, 0.5)
        print(String(format: "watch delivery to %d watchers (%d events each, %d deliveries): p50 %.0f µs, p99 %.0f µs", watchers, watchEvents, latencies.count, p50, p99))
        print(String(format: "watch p50 vs durable put p50 (%.0f µs; raw LMDB has no watch, so the commit itself is the reference): ratio %.2f", put50, p50 / put50))
    }

    func report(_ name: String, ours: Double, raw: Double, unit: String) {
        print(String(format: "%@: ours %.0f %@, raw %.0f %@, ratio %.2f", name, ours, unit, raw, unit, ours / raw))
    }

    /// Runs `body` (which performs `operations`) and returns operations per second.
    func measure(_ operations: Int, _ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return Double(operations) / seconds(ContinuousClock.now - start)
    }

    func measureSync(_ operations: Int, _ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return Double(operations) / seconds(ContinuousClock.now - start)
    }
}

/// When each watched put was sent, shared by the writer and the watcher tasks.
actor SendTimes {
    private var times: [UInt64]
    init(count: Int) { times = Array(repeating: 0, count: count) }
    func set(_ index: Int, _ time: UInt64) { times[index] = time }
    func get(_ index: Int) -> UInt64 { times[index] }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1_000 }

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
