import Agent
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `daasctl lb`: a local TCP load balancer in front of highly available masters, for kubectl and
/// other clients whose kubeconfig names one server. Point the kubeconfig's `server` at the URL it
/// prints (the masters' certificates cover 127.0.0.1 and localhost; TLS stays end to end).
struct LoadBalancerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lb",
        abstract: "Serve a local load balancer over several masters (each connection goes to the first that accepts it).")

    @Option(name: .customLong("master"), help: "A master URL, https://host:port; repeat it (or separate with commas) for each master.")
    var masters: [String] = []
    @Option(help: "Where to listen, host:port (port 0 picks a free one).") var listen = "127.0.0.1:6444"
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "notice"

    func run() async throws {
        let urls = APIServerLoadBalancer.servers(fromFlags: masters)
        guard !urls.isEmpty else { throw Failure("give at least one --master URL") }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw Failure("--listen must be host:port, got \(listen)")
        }
        var logger = Logger(label: "daasctl-lb")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
        let balancer: APIServerLoadBalancer
        do {
            balancer = try await APIServerLoadBalancer(
                configuration: .init(servers: urls, host: String(listen[..<colon]), port: port), logger: logger)
        } catch {
            throw Failure("\(error)")
        }
        FileHandle.standardOutput.write(Data("daasctl: load balancer at \(balancer.url) over \(urls.joined(separator: ", "))\n".utf8))
        let group = ServiceGroup(configuration: .init(services: [.init(service: balancer)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
