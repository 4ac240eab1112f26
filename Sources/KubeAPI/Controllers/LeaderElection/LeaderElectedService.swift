public import ServiceLifecycle

/// A `Service` that runs only while its ``LeaderElector`` holds the Lease, as
/// kube-controller-manager and kube-scheduler run their loops: it waits to lead, runs `service`,
/// and on graceful shutdown stops it and releases the Lease. Losing the Lease ends it with
/// ``LeaderElector/LostLeadership``, so the process can exit as upstream's do.
public struct LeaderElectedService: Service {
    let elector: LeaderElector
    let service: any Service

    /// Runs `service` while `elector` leads.
    public init(elector: LeaderElector, service: any Service) {
        self.elector = elector
        self.service = service
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await elector.run { try await service.run() }
        }
    }
}
