import Foundation
public import Logging

/// Creates Jobs on schedule, as kube-controller-manager's cronjob controller: at each scheduled
/// time (the most recent one missed, if several; none when `startingDeadlineSeconds` has passed)
/// it creates `<cronjob>-<scheduled minute>` from the job template, honouring `suspend` and
/// `concurrencyPolicy` (Allow, Forbid, Replace); it keeps `status.active`, `lastScheduleTime` and
/// `lastSuccessfulTime`, and deletes finished Jobs beyond `successfulJobsHistoryLimit` (3) and
/// `failedJobsHistoryLimit` (1). `spec.timeZone` names the schedule's zone (default UTC).
public final class CronJobController: Controller {
    public let name = "cronjob-controller"
    public let queue = WorkQueue<String>(name: "cronjob")
    let objects: ObjectStore
    let cronJobs: SharedInformer
    let jobs: SharedInformer
    let cronJobType: ResourceType
    let jobType: ResourceType
    let events: EventRecorder
    let logger: Logger

    public init(objects: ObjectStore, cronJobs: SharedInformer, jobs: SharedInformer, logger: Logger) {
        self.objects = objects
        self.cronJobs = cronJobs
        self.jobs = jobs
        self.cronJobType = objects.registry.lookup(group: "batch", version: "v1", plural: "cronjobs")!
        self.jobType = objects.registry.lookup(group: "batch", version: "v1", plural: "jobs")!
        self.events = EventRecorder(objects: objects, component: "cronjob-controller", logger: logger)
        self.logger = logger
        cronJobs.addHandler { [queue] event in queue.add(SharedInformer.key(of: event.object)) }
        jobs.addHandler { [queue] event in
            guard let ref = ReplicaSetController.controllerRef(event.object, kind: "CronJob"), let name = ref["name"]?.stringValue else { return }
            queue.add((event.object[path: ["metadata", "namespace"]]?.stringValue ?? "") + "/" + name)
        }
    }

    static func reference(_ job: JSONValue) -> JSONValue {
        [
            "kind": "Job", "apiVersion": "batch/v1", "name": job[path: ["metadata", "name"]] ?? "", "namespace": job[path: ["metadata", "namespace"]] ?? "",
            "uid": job[path: ["metadata", "uid"]] ?? "", "resourceVersion": job[path: ["metadata", "resourceVersion"]] ?? "",
        ]
    }

    static func date(_ value: JSONValue?) -> Date? {
        value.flatMap { TableConvertor.seconds($0) }.map { Date(timeIntervalSince1970: Double($0)) }
    }

    public func reconcile(_ key: String) async throws {
        guard let cronJob = cronJobs.get(key), cronJob[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let namespace = cronJob[path: ["metadata", "namespace"]]?.stringValue
        let uid = cronJob[path: ["metadata", "uid"]]?.stringValue ?? ""
        let spec = cronJob["spec"] ?? [:]
        let now = Date()
        let owned = jobs.byIndex(SharedInformer.ownerIndex, uid).filter { ReplicaSetController.controllerRef($0)?["uid"]?.stringValue == uid }
        var active = owned.filter { !JobController.isFinished($0) && $0[path: ["metadata", "deletionTimestamp"]] == nil }
        var status = cronJob["status"] ?? [:]
        if let lastSuccess = owned.filter({ JobController.condition($0, "Complete") }).compactMap({ Self.date($0[path: ["status", "completionTime"]]) }).max() {
            status["lastSuccessfulTime"] = .string(ObjectMeta.timestamp(lastSuccess))
        }
        try await cleanUpHistory(owned, spec: spec)

        let zone = spec["timeZone"]?.stringValue.flatMap { TimeZone(identifier: $0) } ?? TimeZone(identifier: "UTC")!
        guard let schedule = CronSchedule(spec["schedule"]?.stringValue ?? "") else {
            await events.record(cronJob, type: "Warning", reason: "UnparseableSchedule", message: "unparseable schedule: \(spec["schedule"]?.stringValue ?? "")")
            return
        }
        let earliest = Self.date(status["lastScheduleTime"]) ?? Self.date(cronJob[path: ["metadata", "creationTimestamp"]]) ?? now
        // The most recent scheduled time not yet run (missed ones are not all made up).
        var scheduled: Date?
        var cursor = earliest
        var missed = 0
        while let next = schedule.next(after: cursor, in: zone), next <= now {
            scheduled = next
            cursor = next
            missed += 1
            if missed > 100 {
                // Too many missed starts: jump to the last one before now, as upstream does.
                var probe = now.addingTimeInterval(-86_400 * 7)
                while let next = schedule.next(after: probe, in: zone), next <= now { scheduled = next; probe = next }
                break
            }
        }
        if spec["suspend"]?.boolValue != true, let scheduled {
            let deadline = spec["startingDeadlineSeconds"]?.integerValue
            if let deadline, now.timeIntervalSince(scheduled) > Double(deadline) {
                await events.record(cronJob, type: "Warning", reason: "MissSchedule", message: "Missed scheduled time to start a job: \(ObjectMeta.timestamp(scheduled))")
                status["lastScheduleTime"] = .string(ObjectMeta.timestamp(scheduled))
            } else {
                let policy = spec["concurrencyPolicy"]?.stringValue ?? "Allow"
                if policy == "Forbid", !active.isEmpty {
                    // Wait for the running job; the next pass decides again.
                    queue.add(key, after: .seconds(10))
                } else {
                    if policy == "Replace" {
                        for job in active {
                            _ = try? await objects.delete(jobType, namespace: namespace, name: DeploymentController.name(job),
                                                          options: .init(uid: job[path: ["metadata", "uid"]]?.stringValue, propagationPolicy: "Background"))
                            await events.record(cronJob, reason: "SuccessfulDelete", message: "Deleted job \(DeploymentController.name(job))")
                        }
                        active = []
                    }
                    if let job = try await createJob(cronJob, scheduled: scheduled) { active.append(job) }
                    status["lastScheduleTime"] = .string(ObjectMeta.timestamp(scheduled))
                }
            }
        }
        status["active"] = active.isEmpty ? nil : .array(active.map(Self.reference))
        if status != (cronJob["status"] ?? [:]) {
            var body = cronJob
            body["status"] = status
            do {
                _ = try await objects.update(cronJobType, namespace: namespace, name: DeploymentController.name(cronJob), body: body, subresource: "status")
            } catch let error as APIError where error.code == 404 {
                return
            }
        }
        if let next = schedule.next(after: now, in: zone) {
            queue.add(key, after: .milliseconds(Int64(max(0.1, next.timeIntervalSince(now)) * 1000) + 100))
        }
    }

    private func createJob(_ cronJob: JSONValue, scheduled: Date) async throws -> JSONValue? {
        let namespace = cronJob[path: ["metadata", "namespace"]]?.stringValue
        let name = "\(DeploymentController.name(cronJob))-\(Int64(scheduled.timeIntervalSince1970) / 60)"
        let template = cronJob[path: ["spec", "jobTemplate"]] ?? [:]
        var metadata = template["metadata"]?.objectValue ?? [:]
        metadata["name"] = .string(name)
        metadata["namespace"] = namespace.map { .string($0) }
        var annotations = metadata["annotations"]?.objectValue ?? [:]
        annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] = .string(ObjectMeta.timestamp(scheduled))
        metadata["annotations"] = .object(annotations)
        metadata["ownerReferences"] = [ReplicaSetController.ownerReference(cronJob, type: cronJobType)]
        let body: JSONValue = ["apiVersion": "batch/v1", "kind": "Job", "metadata": .object(metadata), "spec": template["spec"] ?? [:]]
        do {
            let job = try await objects.create(jobType, namespace: namespace, body: body)
            await events.record(cronJob, reason: "SuccessfulCreate", message: "Created job \(name)")
            return job
        } catch let error as APIError where error.code == 409 {
            return try? await objects.get(jobType, namespace: namespace, name: name)
        } catch {
            await events.record(cronJob, type: "Warning", reason: "FailedCreate", message: "Error creating job: \(error)")
            throw error
        }
    }

    /// Deletes the oldest finished jobs beyond the history limits.
    private func cleanUpHistory(_ owned: [JSONValue], spec: JSONValue) async throws {
        func started(_ job: JSONValue) -> String { job[path: ["status", "startTime"]]?.stringValue ?? job[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "" }
        for (condition, limitKey, fallback) in [("Complete", "successfulJobsHistoryLimit", Int64(3)), ("Failed", "failedJobsHistoryLimit", Int64(1))] {
            let limit = Int(clamping: max(0, spec[limitKey]?.integerValue ?? fallback))
            let finished = owned.filter { JobController.condition($0, condition) && $0[path: ["metadata", "deletionTimestamp"]] == nil }.sorted { started($0) < started($1) }
            guard finished.count > limit else { continue }
            for job in finished.prefix(finished.count - limit) {
                _ = try? await objects.delete(jobType, namespace: job[path: ["metadata", "namespace"]]?.stringValue, name: DeploymentController.name(job),
                                              options: .init(uid: job[path: ["metadata", "uid"]]?.stringValue, propagationPolicy: "Background"))
            }
        }
    }
}
