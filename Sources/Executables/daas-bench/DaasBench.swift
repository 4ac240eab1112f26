import ArgumentParser

/// `daas-bench`: the project's benchmarks. Run in release mode:
/// `swift run -c release daas-bench store`.
@main
struct DaasBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daas-bench",
        abstract: "Benchmarks for K3s-DaaS, each measured against a reference in the same run.",
        subcommands: [StoreBenchmark.self, APIBenchmark.self, SchedulerBenchmark.self, ClusterBenchmark.self, PodsBenchmark.self, AttestBenchmark.self, SealBenchmark.self, NetworkBenchmark.self, DashboardBenchmark.self]
    )
}
