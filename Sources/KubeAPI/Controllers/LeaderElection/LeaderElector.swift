public import Foundation
public import Logging

/// Lease-based leader election over `coordination.k8s.io/v1` Leases, as client-go's
/// `leaderelection` with a `LeaseLock`: candidates try to acquire the Lease every `retryPeriod`;
/// the holder renews it; a candidate takes it over only after it has seen the same record
/// unchanged for `leaseDuration` (measured on its own clock, so clock skew between masters does
/// not matter). Writes go through the store's optimistic concurrency, so two candidates can never
/// both win one round.
public final class LeaderElector: Sendable {
    /// Timings and names, with client-go's defaults (kube-controller-manager's flags).
    public struct Configuration: Sendable {
        /// The Lease's namespace. Default `kube-system`.
        public var namespace: String
        /// The Lease's name (`kube-controller-manager`, `kube-scheduler`, ...).
        public var name: String
        /// This candidate's identity, written as `holderIdentity`. Must be unique per process.
        public var identity: String
        /// How long a non-holder waits on an unchanged record before taking over. Default 15 s.
        public var leaseDuration: Duration
        /// How long the holder keeps trying to renew before it gives up leading. Default 10 s.
        public var renewDeadline: Duration
        /// How often candidates try and the holder renews. Default 2 s.
        public var retryPeriod: Duration

        /// A configuration with client-go's default timings.
        public init(
            namespace: String = "kube-system", name: String, identity: String, leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10),
            retryPeriod: Duration = .seconds(2)
        ) {
            self.namespace = namespace
            self.name = name
            self.identity = identity
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }

        /// Why these timings cannot work, or nil (client-go's checks).
        public var problem: String? {
            if name.isEmpty || identity.isEmpty { return "the lease name and the identity must not be empty" }
            if !(leaseDuration > renewDeadline) { return "the lease duration must be greater than the renew deadline" }
            if !(renewDeadline > retryPeriod * 1.2) { return "the renew deadline must be greater than 1.2 x the retry period" }
            if retryPeriod < .milliseconds(10) { return "the retry period must be at least 10 ms" }
            return nil
        }
    }

    /// Thrown by ``run(whileLeading:)`` when the leader could not renew within the renew deadline:
    /// kube-controller-manager exits then, and so should a caller, since another candidate may
    /// already lead.
    public struct LostLeadership: Error, CustomStringConvertible {
        public let description: String
    }

    let objects: ObjectStore
    let leases: ResourceType
    let configuration: Configuration
    let logger: Logger
    let wallClock: @Sendable () -> Date

    /// An elector for the Lease `configuration.namespace/name` in `objects`.
    public init(objects: ObjectStore, configuration: Configuration, logger: Logger, wallClock: @escaping @Sendable () -> Date = { Date() }) throws {
        if let problem = configuration.problem { throw APIError.badRequest("leader election: \(problem)") }
        guard let leases = objects.registry.lookup(group: "coordination.k8s.io", version: "v1", plural: "leases") else {
            throw APIError.badRequest("leader election: coordination.k8s.io/v1 leases are not served")
        }
        self.objects = objects
        self.leases = leases
        self.configuration = configuration
        self.logger = logger
        self.wallClock = wallClock
    }

    /// Waits to acquire the Lease, then runs `whileLeading` while renewing it. Returns when
    /// `whileLeading` returns or the task is cancelled, releasing the Lease (so a successor need
    /// not wait out the lease duration); throws ``LostLeadership`` when renewing failed for the
    /// renew deadline (then `whileLeading` has been cancelled).
    public func run(whileLeading: @escaping @Sendable () async throws -> Void) async throws {
        var observation = Observation()
        while !Task.isCancelled {
            if await tryAcquireOrRenew(&observation) { break }
            // While no one holds the lease (the store still starting: kube-system not yet
            // created), try again soon; a live holder is waited on at the retry period.
            let held = !(observation.record?["holderIdentity"]?.stringValue ?? "").isEmpty
            try? await Task.sleep(for: held ? configuration.retryPeriod : min(configuration.retryPeriod, .milliseconds(200)))
        }
        guard !Task.isCancelled else { return }
        logger.info("leader election: became leader", metadata: ["lease": "\(configuration.namespace)/\(configuration.name)", "identity": "\(configuration.identity)"])
        let acquired = observation
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await whileLeading() }
                group.addTask { [self] in try await renewLoop(acquired) }
                // The first to end ends both: work done, leadership lost, or cancellation.
                try await group.next()
                group.cancelAll()
            }
        } catch let error as LostLeadership {
            logger.error("leader election: lost the lease", metadata: ["lease": "\(configuration.name)", "error": "\(error)"])
            throw error
        } catch {
            // Released even when cancelled: an unstructured task does not inherit cancellation.
            await Task { await self.release() }.value
            if Task.isCancelled { return }
            throw error
        }
        await Task { await self.release() }.value
    }

    /// Renews every retry period; throws when no renewal succeeded for the renew deadline.
    private func renewLoop(_ start: Observation) async throws {
        var observation = start
        var lastRenewal = ContinuousClock.now
        while !Task.isCancelled {
            try await Task.sleep(for: configuration.retryPeriod)
            if await tryAcquireOrRenew(&observation) {
                lastRenewal = .now
            } else if ContinuousClock.now - lastRenewal >= configuration.renewDeadline {
                throw LostLeadership(description: "could not renew the lease \(configuration.namespace)/\(configuration.name) within \(configuration.renewDeadline)")
            }
        }
    }

    /// What this candidate last saw of the Lease, and when (on its own monotonic clock).
    struct Observation: Sendable {
        var record: JSONValue?
        var at: ContinuousClock.Instant = .now
    }

    /// One round of client-go's `tryAcquireOrRenew`: true when this candidate holds the Lease now.
    func tryAcquireOrRenew(_ observation: inout Observation) async -> Bool {
        let now = wallClock()
        let identity = configuration.identity
        let seconds = max(1, configuration.leaseDuration.components.seconds)
        do {
            let current: JSONValue
            do {
                current = try await objects.get(leases, namespace: configuration.namespace, name: configuration.name)
            } catch let error as APIError where error.code == 404 {
                let spec: JSONValue = [
                    "holderIdentity": .string(identity), "leaseDurationSeconds": .integer(seconds), "acquireTime": .string(Self.microTime(now)),
                    "renewTime": .string(Self.microTime(now)), "leaseTransitions": 0,
                ]
                _ = try await objects.create(
                    leases, namespace: configuration.namespace,
                    body: ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": .string(configuration.name)], "spec": spec])
                observation = Observation(record: spec, at: .now)
                return true
            }
            let spec = current["spec"] ?? [:]
            if spec != observation.record {
                observation = Observation(record: spec, at: .now)
            }
            let holder = spec["holderIdentity"]?.stringValue ?? ""
            let heldFor = Duration.seconds(max(1, min(spec["leaseDurationSeconds"]?.integerValue ?? seconds, 86_400)))
            if !holder.isEmpty, holder != identity, ContinuousClock.now - observation.at < heldFor {
                return false
            }
            var renewed = spec
            if holder != identity {
                renewed["acquireTime"] = .string(Self.microTime(now))
                let transitions = max(0, min(spec["leaseTransitions"]?.integerValue ?? 0, Int64(Int32.max) - 1))
                renewed["leaseTransitions"] = .integer(transitions + 1)
            }
            renewed["holderIdentity"] = .string(identity)
            renewed["leaseDurationSeconds"] = .integer(seconds)
            renewed["renewTime"] = .string(Self.microTime(now))
            var body = current
            body["spec"] = renewed
            let written = try await objects.update(leases, namespace: configuration.namespace, name: configuration.name, body: body)
            observation = Observation(record: written["spec"], at: .now)
            return true
        } catch {
            // A conflict means another candidate wrote first; a missing namespace, that bootstrap
            // has not created kube-system yet (first start). Anything else is worth a notice;
            // every case is retried next round.
            let metadata: Logger.Metadata = ["lease": "\(configuration.name)", "error": "\(error)"]
            switch (error as? APIError)?.code {
            case 409?: break
            case 404?: logger.debug("leader election: lease namespace not there yet", metadata: metadata)
            default: logger.notice("leader election: lease not acquired", metadata: metadata)
            }
            return false
        }
    }

    /// Gives the Lease up, as client-go's `ReleaseOnCancel`: empty holder, one-second duration.
    private func release() async {
        guard var current = try? await objects.get(leases, namespace: configuration.namespace, name: configuration.name),
            current[path: ["spec", "holderIdentity"]]?.stringValue == configuration.identity
        else { return }
        let now = Self.microTime(wallClock())
        current["spec"]?["holderIdentity"] = nil
        current["spec"]?["leaseDurationSeconds"] = 1
        current["spec"]?["renewTime"] = .string(now)
        current["spec"]?["acquireTime"] = .string(now)
        do {
            _ = try await objects.update(leases, namespace: configuration.namespace, name: configuration.name, body: current)
            logger.info("leader election: released the lease", metadata: ["lease": "\(configuration.name)"])
        } catch {
            logger.notice("leader election: could not release the lease", metadata: ["lease": "\(configuration.name)", "error": "\(error)"])
        }
    }

    /// A `MicroTime`: RFC 3339 with microseconds, in UTC.
    static func microTime(_ date: Date) -> String {
        let base = ObjectMeta.timestamp(date).dropLast()
        let micros = Int((date.timeIntervalSince1970 - date.timeIntervalSince1970.rounded(.down)) * 1_000_000)
        return base + "." + String(format: "%06d", max(0, min(micros, 999_999))) + "Z"
    }
}
