import ArgumentParser

/// `daas-worker`: the node agent. Not built yet; it says so and exits non-zero.
@main
struct DaasWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daas-worker",
        abstract: "K3s-DaaS node agent (not built yet; see the README status table)."
    )

    func run() throws {
        throw Failure("the node agent is not built yet (README status table)")
    }
}
