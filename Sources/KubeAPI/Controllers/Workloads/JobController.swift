import Foundation
public import Logging

/// Runs Jobs to completion, as kube-controller-manager's job controller: it keeps
/// `min(parallelism, remaining completions)` pods active, counts succeeded and failed pods,
/// marks the Job Complete (with SuccessCriteriaMet and completionTime) once `completions` pods
/// succeeded, or Failed (BackoffLimitExceeded, DeadlineExceeded) when more pods failed than
/// `backoffLimit` allows or `activeDeadlineSeconds` passed, deleting what still runs. Indexed jobs
/// give each pod its completion index (annotation, label, `JOB_COMPLETION_INDEX`, hostname) and
/// report `completedIndexes`. `suspend` deletes active pods; `ttlSecondsAfterFinished` deletes a
/// finished Job (and, through the garbage collector, its pods) when it runs out.
public final class JobController: Controller {
    public let name = "job-controller"
    public let queue = WorkQueue<String>(name: "job")
    let objects: ObjectStore
    let jobs: SharedInformer
    let pods: SharedInformer
    let jobType: ResourceType
    let podType: ResourceType
    let expectations = Expectations()
    let events: EventRecorder
    let logger: Logger

    static let indexAnnotation = "batch.kubernetes.io/job-completion-index"

    public init(objects: ObjectStore, jobs: SharedInformer, pods: SharedInformer, logger: Logger) {
        self.objects = objects
        self.jobs = jobs
        self.pods = pods
        self.jobType = objects.registry.lookup(group: "batch", version: "v1", plural: "jobs")!
        self.podType = objects.registry.lookup(group: "", version: "v1", plural: "pods")!
        self.events = EventRecorder(objects: objects, component: "job-controller", logger: logger)
        self.logger = logger
        jobs.addHandler { [queue, expectations] event in
            let key = SharedInformer.key(of: event.object)
            if case .deleted = event { expectations.forget(key) }
            queue.add(key)
        }
        pods.addHandler { [queue, expectations] event in
            guard let ref = ReplicaSetController.controllerRef(event.object, kind: "Job"), let name = ref["name"]?.stringValue else { return }
            let key = (event.object[path: ["metadata", "namespace"]]?.stringValue ?? "") + "/" + name
            if case .added = event { expectations.observedAdd(key) }
            if case .deleted = event { expectations.observedDelete(key) }
            queue.add(key)
        }
    }

    static func condition(_ job: JSONValue, _ type: String) -> Bool {
        (job[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0["type"]?.stringValue == type && $0["status"] == "True" }
    }

    static func isFinished(_ job: JSONValue) -> Bool { condition(job, "Complete") || condition(job, "Failed") }

    public func reconcile(_ key: String) async throws {
        guard let job = jobs.get(key), job[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let uid = job[path: ["metadata", "uid"]]?.stringValue ?? ""
        let owned = pods.byIndex(SharedInformer.ownerIndex, uid).filter { ReplicaSetController.controllerRef($0)?["uid"]?.stringValue == uid }
        let now = Date()
        if Self.isFinished(job) {
            try await expireAfterTTL(job, now: now)
            return
        }
        let spec = job["spec"] ?? [:]
        let indexed = spec["completionMode"]?.stringValue == "Indexed"
        let completions = spec["completions"]?.integerValue
        let parallelism = spec["parallelism"]?.integerValue ?? 1
        let backoffLimit = spec["backoffLimit"]?.integerValue ?? 6
        let active = owned.filter { ReplicaSetController.isActive($0) }
        let succeededPods = owned.filter { $0[path: ["status", "phase"]]?.stringValue == "Succeeded" }
        let failed = Int64(owned.filter { $0[path: ["status", "phase"]]?.stringValue == "Failed" }.count)
        let completedIndexes = Set(succeededPods.compactMap { Self.index(of: $0) })
        let succeeded = indexed ? Int64(completedIndexes.count) : Int64(succeededPods.count)
        var status = job["status"] ?? [:]
        if status["startTime"] == nil, spec["suspend"]?.boolValue != true { status["startTime"] = .string(ObjectMeta.timestamp(now)) }

        var finished: (type: String, reason: String, message: String)?
        if let completions, succeeded >= completions {
            finished = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
        } else if completions == nil, succeeded > 0, active.isEmpty {
            finished = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
        } else if failed > backoffLimit {
            finished = ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        } else if let deadline = spec["activeDeadlineSeconds"]?.integerValue, let start = status["startTime"].flatMap({ TableConvertor.seconds($0) }),
            Int64(now.timeIntervalSince1970) - start >= deadline
        {
            finished = ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
        }

        var activeCount = Int64(active.count)
        if let finished {
            for pod in active { try await deletePod(pod) }
            activeCount = 0
            let stamp = ObjectMeta.timestamp(now)
            var conditions = status["conditions"]?.arrayValue ?? []
            let criteria = finished.type == "Complete" ? "SuccessCriteriaMet" : "FailureTarget"
            for type in [criteria, finished.type] where !conditions.contains(where: { $0["type"]?.stringValue == type }) {
                conditions.append([
                    "type": .string(type), "status": "True", "reason": .string(finished.reason), "message": .string(finished.message),
                    "lastProbeTime": .string(stamp), "lastTransitionTime": .string(stamp),
                ])
            }
            status["conditions"] = .array(conditions)
            if finished.type == "Complete" { status["completionTime"] = .string(stamp) }
            await events.record(job, type: finished.type == "Complete" ? "Normal" : "Warning", reason: finished.type == "Complete" ? "Completed" : finished.reason,
                                message: finished.type == "Complete" ? "Job completed" : finished.message)
        } else if spec["suspend"]?.boolValue == true {
            for pod in active { try await deletePod(pod) }
            activeCount = 0
        } else if expectations.satisfied(key) {
            let remaining = completions.map { $0 - succeeded } ?? parallelism
            let wanted = max(0, min(parallelism, remaining))
            if activeCount < wanted {
                var indexes: [Int64?] = []
                if indexed, let completions {
                    let busy = Set(active.compactMap { Self.index(of: $0) })
                    indexes = (0..<completions).filter { !completedIndexes.contains($0) && !busy.contains($0) }.prefix(Int(wanted - activeCount)).map { $0 }
                } else {
                    indexes = Array(repeating: nil, count: Int(wanted - activeCount))
                }
                try await createPods(for: job, key: key, indexes: indexes)
                activeCount += Int64(indexes.count)
            } else if activeCount > wanted {
                for pod in ReplicaSetController.deletionOrder(active).prefix(Int(activeCount - wanted)) { try await deletePod(pod) }
                activeCount = wanted
            }
        }
        status["active"] = activeCount > 0 ? .integer(activeCount) : nil
        status["succeeded"] = succeeded > 0 ? .integer(succeeded) : nil
        status["failed"] = failed > 0 ? .integer(failed) : nil
        let ready = Int64(active.filter(ReplicaSetController.isReady).count)
        status["ready"] = .integer(ready)
        status["terminating"] = .integer(Int64(owned.filter { $0[path: ["metadata", "deletionTimestamp"]] != nil }.count))
        if indexed { status["completedIndexes"] = .string(Self.ranges(completedIndexes.sorted())) }
        guard status != (job["status"] ?? [:]) else { return }
        var body = job
        body["status"] = status
        do {
            _ = try await objects.update(jobType, namespace: job[path: ["metadata", "namespace"]]?.stringValue, name: DeploymentController.name(job), body: body, subresource: "status")
        } catch let error as APIError where error.code == 404 {
            return
        }
        if finished == nil, let deadline = spec["activeDeadlineSeconds"]?.integerValue, deadline > 0, deadline < 1 << 31 {
            queue.add(key, after: .seconds(deadline))
        }
    }

    static func index(of pod: JSONValue) -> Int64? {
        pod[path: ["metadata", "annotations", indexAnnotation]]?.stringValue.flatMap { Int64($0) }
    }

    /// `0-2,5`: kube's compressed form of completed indexes.
    static func ranges(_ indexes: [Int64]) -> String {
        var parts: [String] = []
        var start: Int64?
        var last: Int64 = -2
        for index in indexes {
            if index == last + 1 {
                last = index
                continue
            }
            if let start { parts.append(start == last ? "\(start)" : "\(start)-\(last)") }
            start = index
            last = index
        }
        if let start { parts.append(start == last ? "\(start)" : "\(start)-\(last)") }
        return parts.joined(separator: ",")
    }

    private func createPods(for job: JSONValue, key: String, indexes: [Int64?]) async throws {
        guard !indexes.isEmpty else { return }
        let namespace = job[path: ["metadata", "namespace"]]?.stringValue
        let jobName = DeploymentController.name(job)
        expectations.expect(key, adds: indexes.count)
        var failure: (any Error)?
        for index in indexes {
            var template = job[path: ["spec", "template"]] ?? [:]
            var metadata = template["metadata"]?.objectValue ?? [:]
            metadata["generateName"] = .string(index.map { "\(jobName)-\($0)-" } ?? "\(jobName)-")
            metadata["ownerReferences"] = [ReplicaSetController.ownerReference(job, type: jobType)]
            if let index {
                var annotations = metadata["annotations"]?.objectValue ?? [:]
                annotations[Self.indexAnnotation] = .string(String(index))
                metadata["annotations"] = .object(annotations)
                var labels = metadata["labels"]?.objectValue ?? [:]
                labels[Self.indexAnnotation] = .string(String(index))
                metadata["labels"] = .object(labels)
                var spec = template["spec"] ?? [:]
                spec["hostname"] = .string("\(jobName)-\(index)")
                var containers = spec["containers"]?.arrayValue ?? []
                for position in containers.indices {
                    var env = containers[position]["env"]?.arrayValue ?? []
                    env.append(["name": "JOB_COMPLETION_INDEX", "valueFrom": ["fieldRef": ["fieldPath": .string("metadata.annotations['\(Self.indexAnnotation)']")]]])
                    containers[position]["env"] = .array(env)
                }
                spec["containers"] = .array(containers)
                template["spec"] = spec
            }
            template["metadata"] = .object(metadata)
            template["apiVersion"] = "v1"
            template["kind"] = "Pod"
            do {
                let pod = try await objects.create(podType, namespace: namespace, body: template)
                await events.record(job, reason: "SuccessfulCreate", message: "Created pod: \(DeploymentController.name(pod))")
            } catch {
                expectations.observedAdd(key)
                failure = failure ?? error
            }
        }
        if let failure {
            await events.record(job, type: "Warning", reason: "FailedCreate", message: "Error creating: \(failure)")
            throw failure
        }
    }

    private func deletePod(_ pod: JSONValue) async throws {
        do {
            try await objects.delete(
                podType, namespace: pod[path: ["metadata", "namespace"]]?.stringValue, name: DeploymentController.name(pod),
                options: .init(uid: pod[path: ["metadata", "uid"]]?.stringValue))
        } catch let error as APIError where error.code == 404 {
            return
        }
    }

    /// `ttlSecondsAfterFinished`: deletes the finished Job (background) once it runs out.
    private func expireAfterTTL(_ job: JSONValue, now: Date) async throws {
        guard let ttl = job[path: ["spec", "ttlSecondsAfterFinished"]]?.integerValue, ttl >= 0, ttl < 1 << 31 else { return }
        let finishedAt = (job[path: ["status", "conditions"]]?.arrayValue ?? [])
            .filter { ["Complete", "Failed"].contains($0["type"]?.stringValue ?? "") }
            .compactMap { TableConvertor.seconds($0["lastTransitionTime"]) }.max() ?? Int64(now.timeIntervalSince1970)
        let remaining = finishedAt + ttl - Int64(now.timeIntervalSince1970)
        if remaining > 0 {
            queue.add(SharedInformer.key(of: job), after: .seconds(remaining))
            return
        }
        do {
            try await objects.delete(jobType, namespace: job[path: ["metadata", "namespace"]]?.stringValue, name: DeploymentController.name(job),
                                     options: .init(uid: job[path: ["metadata", "uid"]]?.stringValue))
        } catch let error as APIError where error.code == 404 {
            return
        }
    }
}
