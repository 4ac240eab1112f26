import ArgumentParser
import DaaSTestSupport
import Foundation
import Synchronization

/// `daas-fuzz`: feeds mutated real inputs to every parser an unauthenticated or low-privilege
/// peer reaches, and full HTTP requests to a started daas-master. Seeded: the seed is printed and
/// `--seed` replays a run exactly. A crash kills the process; the input being fed is written to
/// `fuzz-crash-<target>.bin` first. Exit status 1 when a target reports a failure.
@main
struct DaasFuzz: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daas-fuzz",
        abstract: "Fuzz the parsers and the API server with mutated real inputs (seeded, replayable).")

    @Option(help: "The seed, hex. Default: a fresh one (printed).") var seed: String?
    @Option(help: "Inputs per target. Default 1,000,000 unless --seconds is given.") var iterations: Int?
    @Option(help: "Seconds per target (with --iterations, whichever ends first).") var seconds: Double?
    @Option(name: .customLong("target"), help: "A target to run; repeatable. Default: all (see --list).") var targets: [String] = []
    @Flag(help: "List the targets and exit.") var list = false
    @Option(help: "Where crash inputs are written.") var crashDirectory = "."
    @Option(help: "The repository whose fixtures seed the mutations. Default: the checkout this was built from.") var fixturesRoot: String?
    @Option(help: "Concurrent connections of the http target.") var connections = 64

    func run() async throws {
        if let fixturesRoot { FixtureFiles.root = fixturesRoot }
        let all: [any FuzzTarget] = [
            SealTokenTarget(), SealPayloadTarget(), JSONTarget(), YAMLTarget(), ProtobufTarget(), SelectorTarget(), ContinueTokenTarget(),
            KubeconfigTarget(), EtcdEndpointsTarget(), StatsSummaryTarget(), try DashboardTokenTarget(), KeystoreTarget(), CBORTarget(), COSETarget(), try AttestationDocumentTarget(), AttestationAnswerTarget(),
            SuiJSONRPCTarget(), SuiGraphQLTarget(), QuantityTarget(), PatchTarget(), ServiceAccountTokenTarget(), CronScheduleTarget(), CRILogTarget(), EnvExpansionTarget(), UpgradeResponseTarget(), DNSQueryTarget(), ServerSideApplyTarget(), CustomResourceTarget(),
            HTTPTarget(connections: connections),
        ]
        if list {
            for target in all { Self.say(target.name) }
            return
        }
        let unknown = Set(targets).subtracting(all.map(\.name))
        guard unknown.isEmpty else { throw ValidationError("unknown target(s): \(unknown.sorted().joined(separator: ", ")); see --list") }
        let selected = targets.isEmpty ? all : all.filter { targets.contains($0.name) }
        let seedValue: UInt64
        if let seed {
            guard let value = UInt64(seed.hasPrefix("0x") ? String(seed.dropFirst(2)) : seed, radix: 16) else { throw ValidationError("--seed must be hex") }
            seedValue = value
        } else {
            seedValue = UInt64.random(in: 0...UInt64.max)
        }
        let limit = iterations ?? (seconds == nil ? 1_000_000 : nil)
        Self.say("fuzz: seed \(String(seedValue, radix: 16)) (replay: daas-fuzz --seed \(String(seedValue, radix: 16))\(limit.map { " --iterations \($0)" } ?? "")\(seconds.map { " --seconds \($0)" } ?? "") --target NAME)")
        var failed = false
        // Parsers must answer quickly whatever the input: one input for 10 s is a hang.
        CrashRecorder.startWatchdog(limit: 10)
        for target in selected {
            let crashFile = crashDirectory + "/fuzz-crash-\(target.name).bin"
            CrashRecorder.install(path: crashFile)
            let seeds = try target.seeds()
            guard !seeds.isEmpty else { throw ValidationError("target \(target.name) has no seeds") }
            try await target.start()
            let mutator = Mutator(seeds: seeds, dictionary: target.dictionary, maxSize: target.maxInputSize, random: SplitMix64(seed: seedValue ^ Self.hash(target.name)))
            let started = ContinuousClock.now
            let budget = FuzzBudget(inputs: limit, deadline: seconds.map { started + .milliseconds(Int64($0 * 1000)) })
            let count = await target.drive(mutator: mutator, budget: budget)
            let failure = await target.finish()
            let elapsed = started.duration(to: .now)
            let secondsTaken = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            try? FileManager.default.removeItem(atPath: crashFile)
            var line = "fuzz: \(target.name) inputs=\(count) seeds=\(seeds.count) seconds=\(String(format: "%.1f", secondsTaken)) rate=\(Int(Double(count) / max(secondsTaken, 0.001)))/s crashes=0"
            if let http = target as? HTTPTarget {
                line += " answered=\(http.answered.value.load(ordering: .relaxed)) connections=\(http.connected.value.load(ordering: .relaxed))"
            }
            if let failure {
                failed = true
                line += " FAILED: \(failure)"
            }
            Self.say(line)
        }
        if failed { throw ExitCode(1) }
    }

    /// Writes a line at once (unbuffered), so every result is out before a crash stops the process.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// FNV-1a of `text`, so each target's stream depends on the seed and its name only.
    static func hash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
