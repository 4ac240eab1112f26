import ArgumentParser

/// `daasctl`: the operator's command line.
@main
struct Daasctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daasctl",
        abstract: "Operate a K3s-DaaS cluster.",
        subcommands: [StoreCommand.self, PKICommand.self, AttestCommand.self, KeyCommand.self, StakeCommand.self, TokenCommand.self, KubeconfigCommand.self, SealCommand.self, StatusCommand.self, LoadBalancerCommand.self, DashboardCommand.self]
    )
}

/// A failure reported as one line, `Error: <message>`, with exit status 1.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
