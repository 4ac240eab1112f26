/// One parser (or server) the harness feeds. `run` must never crash or hang, whatever the input;
/// throwing or returning an error is the expected answer to bad input.
protocol FuzzTarget: Sendable {
    /// The name `--target` selects.
    var name: String { get }
    /// Real inputs the mutations start from.
    func seeds() throws -> [[UInt8]]
    /// Fragments the mutator splices in (tokens of the format).
    var dictionary: [[UInt8]] { get }
    /// The largest input generated.
    var maxInputSize: Int { get }
    /// Prepares (a server, a store); called once before the first input.
    func start() async throws
    /// Feeds one input.
    func run(_ input: [UInt8]) async
    /// Ends the run; returns a failure to report (a server that died), or nil.
    func finish() async -> String?
    /// Feeds inputs from `mutator` until `budget` is spent; returns how many were fed.
    func drive(mutator: Mutator, budget: FuzzBudget) async -> Int
}

extension FuzzTarget {
    var dictionary: [[UInt8]] { [] }
    var maxInputSize: Int { 64 << 10 }
    func start() async throws {}
    func finish() async -> String? { nil }

    func drive(mutator: Mutator, budget: FuzzBudget) async -> Int {
        var mutator = mutator
        var count = 0
        while budget.allows(count) {
            let input = mutator.next()
            CrashRecorder.record(input)
            await run(input)
            count += 1
        }
        return count
    }
}

/// How much of a target a run feeds: a number of inputs, a time, or both (whichever ends first).
struct FuzzBudget: Sendable {
    var inputs: Int?
    var deadline: ContinuousClock.Instant?

    func allows(_ count: Int) -> Bool {
        if let inputs, count >= inputs { return false }
        if let deadline, ContinuousClock.now >= deadline { return false }
        return true
    }
}

extension String {
    /// The UTF-8 bytes, for seeds and dictionaries.
    var bytes: [UInt8] { Array(utf8) }
}
