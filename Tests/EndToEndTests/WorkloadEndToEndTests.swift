import DaaSTestSupport
import Foundation
import Testing

/// Workloads as a kubectl user meets them, against a master and simulated nodes
/// (`daas-worker --simulate`): controllers, the scheduler in the master, garbage collection.
@Suite("Workloads with simulated nodes", .blockingWaits)
struct WorkloadEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-workloads-\(UUID().uuidString)").path

    typealias Cluster = SimulatedCluster

    /// A master and `nodes` simulated nodes (`sim-0`...), registered and Ready.
    func cluster(nodes: Int = 3, extra: [String] = [], masterArguments: [String] = []) throws -> Cluster {
        try SimulatedCluster.start(root: root, nodes: nodes, extra: extra, masterArguments: masterArguments)
    }

    @Test("create deployment, rollout status, set image, rollout undo, scale to 0 and back, history")
    func deployment() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster()
        defer { cluster.stop() }
        try cluster.ok(["create", "deployment", "web", "--image=nginx:1.0", "--replicas=4"])
        #expect(try cluster.ok(["rollout", "status", "deployment/web", "--timeout=60s"]).contains("successfully rolled out"))
        let running = try cluster.ok(["get", "pods", "-l", "app=web", "--no-headers"])
        #expect(running.split(separator: "\n").count == 4 && running.split(separator: "\n").allSatisfy { $0.contains("1/1") && $0.contains("Running") }, "\(running)")
        // kube-controller-manager's pod control writes one event per pod it creates.
        let replicaSet = try cluster.ok(["describe", "replicasets", "-l", "app=web"])
        #expect(replicaSet.components(separatedBy: "Created pod: web-").count - 1 == 4, "\(replicaSet)")
        let nodes = Set(try cluster.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.nodeName}"]).split(separator: " "))
        #expect(nodes.count >= 2, "spread over the nodes: \(nodes)")

        try cluster.ok(["set", "image", "deployment/web", "nginx=nginx:2.0"])
        #expect(try cluster.ok(["rollout", "status", "deployment/web", "--timeout=60s"]).contains("successfully rolled out"))
        #expect(try cluster.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}"]).split(separator: " ").allSatisfy { $0 == "nginx:2.0" })
        let history = try cluster.ok(["rollout", "history", "deployment/web"])
        #expect(history.contains("1 ") && history.contains("2 "), "\(history)")

        #expect(try cluster.ok(["rollout", "undo", "deployment/web"]).contains("rolled back"))
        #expect(try cluster.ok(["rollout", "status", "deployment/web", "--timeout=60s"]).contains("successfully rolled out"))
        #expect(try cluster.ok(["get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]) == "nginx:1.0")
        #expect(try cluster.ok(["get", "replicasets", "-l", "app=web", "--no-headers"]).split(separator: "\n").count == 2, "the old set is reused")

        try cluster.ok(["scale", "deployment/web", "--replicas=0"])
        #expect(try eventually(30) { try cluster.ok(["get", "pods", "-l", "app=web", "--no-headers"]).isEmpty })
        try cluster.ok(["scale", "deployment/web", "--replicas=2"])
        #expect(try cluster.ok(["rollout", "status", "deployment/web", "--timeout=60s"]).contains("successfully rolled out"))
        #expect(try cluster.ok(["get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}/{.status.updatedReplicas}"]) == "2/2")
    }

    @Test("deleting a Deployment removes its ReplicaSets and pods; --cascade=orphan keeps them, unowned")
    func garbageCollection() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster(nodes: 2)
        defer { cluster.stop() }
        for name in ["gone", "kept"] {
            try cluster.ok(["create", "deployment", name, "--image=nginx", "--replicas=2"])
            #expect(try cluster.ok(["rollout", "status", "deployment/\(name)", "--timeout=60s"]).contains("successfully rolled out"))
        }
        try cluster.ok(["delete", "deployment", "gone"])
        #expect(try eventually(30) {
            try cluster.ok(["get", "replicasets,pods", "-l", "app=gone", "--no-headers"]).isEmpty
        })
        try cluster.ok(["delete", "deployment", "kept", "--cascade=orphan"])
        #expect(try cluster.kubectl(["get", "deployment", "kept"]).error.contains("NotFound"))
        #expect(try eventually(30) {
            try cluster.ok(["get", "replicasets", "-l", "app=kept", "-o", "jsonpath={.items[*].metadata.ownerReferences}"]).isEmpty
        })
        #expect(try cluster.ok(["get", "pods", "-l", "app=kept", "--no-headers"]).split(separator: "\n").count == 2, "the pods stay")

        // Foreground: the owner stays (with its finalizer) until the dependents are gone.
        try cluster.ok(["create", "deployment", "fg", "--image=nginx", "--replicas=1"])
        #expect(try cluster.ok(["rollout", "status", "deployment/fg", "--timeout=60s"]).contains("successfully rolled out"))
        try cluster.ok(["delete", "deployment", "fg", "--cascade=foreground", "--timeout=60s"])
        #expect(try cluster.ok(["get", "replicasets,pods", "-l", "app=fg", "--no-headers"]).isEmpty)
    }

    @Test("a taint no pod tolerates leaves it Pending with the FailedScheduling message")
    func unschedulable() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster(nodes: 2, extra: ["--simulate-taint", "dedicated=infra:NoSchedule"])
        defer { cluster.stop() }
        try cluster.ok(["run", "lonely", "--image=nginx"])
        let message = "0/2 nodes are available: 2 node(s) had untolerated taint {dedicated: infra}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
        #expect(try eventually(30) { try cluster.ok(["describe", "pod", "lonely"]).contains(message) }, "\((try? cluster.ok(["describe", "pod", "lonely"])) ?? "")")
        #expect(try cluster.ok(["get", "pod", "lonely", "-o", "jsonpath={.status.phase}"]) == "Pending")
        let events = try cluster.ok(["get", "events", "--field-selector", "reason=FailedScheduling", "-o", "jsonpath={.items[*].message}"])
        #expect(events.contains("untolerated taint"), "\(events)")
    }

    @Test("PriorityClasses: the system classes, kube's validation and admission errors, and a high-priority pod that preempts lower ones")
    func priorityAndPreemption() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster(nodes: 2, extra: ["--simulate-cpu", "2"])
        defer { cluster.stop() }
        let classes = try cluster.ok(["get", "priorityclasses"])
        #expect(classes.contains("VALUE") && classes.contains("PREEMPTIONPOLICY") && classes.contains("system-node-critical"), "\(classes)")
        #expect(try cluster.ok(["get", "pc", "system-cluster-critical", "-o", "jsonpath={.value}"]) == "2000000000")
        try cluster.ok(["create", "priorityclass", "high", "--value=1000", "--description=urgent"])
        let tooHigh = try cluster.kubectl(["create", "priorityclass", "huge", "--value=2000000000"])
        #expect(tooHigh.status != 0 && tooHigh.error.contains("maximum allowed value of a user defined priority is 1000000000"), "\(tooHigh.error)")
        let reserved = try cluster.kubectl(["create", "priorityclass", "system-mine", "--value=5"])
        #expect(reserved.status != 0 && reserved.error.contains("reserved for system use only"), "\(reserved.error)")
        try cluster.ok(["create", "priorityclass", "fallback", "--value=5", "--global-default"])
        let second = try cluster.kubectl(["create", "priorityclass", "other", "--value=6", "--global-default"])
        #expect(second.status != 0 && second.error.contains("PriorityClass fallback is already marked as default. Only one default can exist"), "\(second.error)")
        let changed = try cluster.kubectl(["patch", "priorityclass", "high", "-p", #"{"value":7}"#])
        #expect(changed.status != 0 && changed.error.contains("value: Forbidden: may not be changed in an update"), "\(changed.error)")
        let missing = try cluster.kubectl(["run", "lost", "--image=busybox", "--overrides", #"{"spec":{"priorityClassName":"nope"}}"#])
        #expect(missing.status != 0 && missing.error.contains(#"pods "lost" is forbidden: no PriorityClass with name nope was found"#), "\(missing.error)")
        let stated = try cluster.kubectl(["run", "liar", "--image=busybox", "--overrides", #"{"spec":{"priorityClassName":"high","priority":3}}"#])
        #expect(stated.status != 0 && stated.error.contains("the integer value of priority (3) must not be provided in pod spec"), "\(stated.error)")

        // Two low pods fill both 2-CPU nodes (they get the global default's 5); a high one preempts.
        let low = try write("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: low}
            spec:
              replicas: 2
              selector: {matchLabels: {app: low}}
              template:
                metadata: {labels: {app: low}}
                spec:
                  containers: [{name: c, image: busybox, resources: {requests: {cpu: "2"}}}]
            """, "low.yaml")
        try cluster.ok(["apply", "-f", low])
        #expect(try cluster.ok(["rollout", "status", "deployment/low", "--timeout=60s"]).contains("successfully rolled out"))
        #expect(try cluster.ok(["get", "pods", "-l", "app=low", "-o", "jsonpath={.items[*].spec.priority} {.items[0].spec.priorityClassName}"]) == "5 5 fallback")
        let vip = try write("""
            apiVersion: v1
            kind: Pod
            metadata: {name: vip}
            spec:
              priorityClassName: high
              containers: [{name: c, image: busybox, resources: {requests: {cpu: "2"}}}]
            """, "vip.yaml")
        try cluster.ok(["apply", "-f", vip])
        #expect(try cluster.ok(["get", "pod", "vip", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}"]) == "1000 PreemptLowerPriority")
        #expect(try eventually(60) { try cluster.ok(["get", "pod", "vip", "-o", "jsonpath={.status.phase}"]) == "Running" },
                "\((try? cluster.ok(["get", "pods", "-o", "wide"])) ?? "") \((try? cluster.ok(["get", "events"])) ?? "")")
        let node = try cluster.ok(["get", "pod", "vip", "-o", "jsonpath={.spec.nodeName}"])
        #expect(try cluster.ok(["get", "pod", "vip", "-o", "jsonpath={.status.nominatedNodeName}"]) == node, "nominated where the victim was")
        let preempted = try cluster.ok(["get", "events", "--field-selector", "reason=Preempted", "-o", "jsonpath={.items[*].message}"])
        #expect(preempted.contains("Preempted by pod") && preempted.contains("on node \(node)"), "\(preempted)")
        // The victim's replacement waits: nothing lower-priority may take the high pod's place.
        #expect(try eventually(30) { try cluster.ok(["get", "pods", "-l", "app=low", "--field-selector", "status.phase=Pending", "--no-headers"]).split(separator: "\n").count == 1 })
    }

    @Test("--scheduler-config: a second profile with StakeWeighted places pods by node stake (recorded by the master from the chain); pods name their profile by schedulerName")
    func schedulerProfiles() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let config = try write("""
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: default-scheduler
            - schedulerName: stake-scheduler
              plugins:
                multiPoint:
                  enabled:
                  - name: StakeWeighted
                    weight: 100
              pluginConfig:
              - name: StakeWeighted
                args: {minimumStakeMist: 1000}
            """, "scheduler.yaml")
        let cluster = try cluster(nodes: 3, masterArguments: ["--scheduler-config", config])
        defer { cluster.stop() }
        // The master records each node operator's stake from the chain (the simulated nodes share
        // one key, staked with 10 SUI)...
        #expect(try eventually(30) {
            try cluster.ok(["get", "node", "sim-0", "-o", #"jsonpath={.metadata.annotations.daas\.io/stake-mist}"#]) == "10000000000"
        })
        // ...and an operator may override it with a label (StakeWeighted reads the label first):
        // sim-2 has by far the most, sim-0 too little to count.
        try cluster.ok(["label", "node", "sim-0", "daas.io/stake-mist=999"])
        try cluster.ok(["label", "node", "sim-1", "daas.io/stake-mist=2000"])
        try cluster.ok(["label", "node", "sim-2", "daas.io/stake-mist=90000000000"])
        let staked = try write("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: staked}
            spec:
              replicas: 4
              selector: {matchLabels: {app: staked}}
              template:
                metadata: {labels: {app: staked}}
                spec:
                  schedulerName: stake-scheduler
                  containers: [{name: c, image: busybox}]
            """, "staked.yaml")
        try cluster.ok(["apply", "-f", staked])
        #expect(try cluster.ok(["rollout", "status", "deployment/staked", "--timeout=60s"]).contains("successfully rolled out"))
        let nodes = try cluster.ok(["get", "pods", "-l", "app=staked", "-o", "jsonpath={.items[*].spec.nodeName}"]).split(separator: " ")
        #expect(nodes == ["sim-2", "sim-2", "sim-2", "sim-2"], "\(nodes)")
        // Each profile reports under its own name, as upstream ("From" in kubectl describe).
        let pod = try cluster.ok(["get", "pods", "-l", "app=staked", "-o", "jsonpath={.items[0].metadata.name}"])
        #expect(try cluster.ok(["describe", "pod", pod]).contains("stake-scheduler  Successfully assigned default/\(pod) to sim-2"))
        // No profile of that name: the pod waits for a scheduler that does not exist, as upstream.
        try cluster.ok(["run", "orphan", "--image=busybox", "--overrides", #"{"spec":{"schedulerName":"nobody"}}"#])
        Thread.sleep(forTimeInterval: 2)
        #expect(try cluster.ok(["get", "pod", "orphan", "-o", "jsonpath={.status.phase}/{.spec.nodeName}"]) == "Pending/")
        // The default profile still spreads ordinary pods.
        try cluster.ok(["create", "deployment", "plain", "--image=busybox", "--replicas=3"])
        #expect(try cluster.ok(["rollout", "status", "deployment/plain", "--timeout=60s"]).contains("successfully rolled out"))
        #expect(Set(try cluster.ok(["get", "pods", "-l", "app=plain", "-o", "jsonpath={.items[*].spec.nodeName}"]).split(separator: " ")).count > 1)
    }

    @Test("rollout pause, resume and restart; a progress deadline; PodDisruptionBudget status; the controller and scheduler leases")
    func rolloutControlsAndBudgets() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster(nodes: 2)
        defer { cluster.stop() }
        try cluster.ok(["create", "deployment", "api", "--image=nginx:1.0", "--replicas=3"])
        #expect(try cluster.ok(["rollout", "status", "deployment/api", "--timeout=60s"]).contains("successfully rolled out"))
        func images() throws -> Set<Substring> {
            Set(try cluster.ok(["get", "pods", "-l", "app=api", "-o", "jsonpath={.items[*].spec.containers[0].image}"]).split(separator: " "))
        }

        // Paused: a template change waits; resumed: it rolls out.
        try cluster.ok(["rollout", "pause", "deployment/api"])
        try cluster.ok(["set", "image", "deployment/api", "nginx=nginx:2.0"])
        Thread.sleep(forTimeInterval: 2)
        #expect(try images() == ["nginx:1.0"])
        #expect(try cluster.ok(["get", "deployment", "api", "-o", "jsonpath={.status.conditions[?(@.type==\"Progressing\")].reason}"]) == "DeploymentPaused")
        try cluster.ok(["rollout", "resume", "deployment/api"])
        #expect(try cluster.ok(["rollout", "status", "deployment/api", "--timeout=60s"]).contains("successfully rolled out"))
        #expect(try eventually(30) { try images() == ["nginx:2.0"] })

        // Restart: a new ReplicaSet whose pods carry the restart annotation.
        try cluster.ok(["rollout", "restart", "deployment/api"])
        #expect(try cluster.ok(["rollout", "status", "deployment/api", "--timeout=60s"]).contains("successfully rolled out"))
        #expect(try cluster.ok(["get", "replicasets", "-l", "app=api", "--no-headers"]).split(separator: "\n").count == 3)
        #expect(try eventually(30) {
            let stamps = try cluster.ok(["get", "pods", "-l", "app=api", "-o", "jsonpath={.items[*].metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}"])
            return stamps.split(separator: " ").count == 3
        })

        // Budgets: an integer minimum counts the matching pods; a percentage the controller's scale.
        try cluster.ok(["create", "pdb", "api-min", "--selector=app=api", "--min-available=2"])
        try cluster.ok(["create", "pdb", "api-max", "--selector=app=api", "--max-unavailable=50%"])
        let budget = "jsonpath={.status.currentHealthy}/{.status.desiredHealthy}/{.status.expectedPods}/{.status.disruptionsAllowed}"
        #expect(try eventually(30) { try cluster.ok(["get", "pdb", "api-min", "-o", budget]) == "3/2/3/1" }, "\((try? cluster.ok(["get", "pdb", "-o", "yaml"])) ?? "")")
        #expect(try eventually(30) { try cluster.ok(["get", "pdb", "api-max", "-o", budget]) == "3/1/3/2" })
        let row = try cluster.ok(["get", "pdb", "api-min", "--no-headers"]).split(separator: " ", omittingEmptySubsequences: true)
        #expect(row.count >= 4 && row[1] == "2" && row[2] == "N/A" && row[3] == "1", "\(row)")
        try cluster.ok(["scale", "deployment/api", "--replicas=1"])
        #expect(try eventually(30) { try cluster.ok(["get", "pdb", "api-min", "-o", budget]) == "1/2/1/0" })
        #expect(try cluster.ok(["get", "pdb", "api-min", "-o", "jsonpath={.status.conditions[0].reason}"]) == "InsufficientPods")

        // A rollout that cannot progress (no node matches) reports ProgressDeadlineExceeded.
        let stuck = try write("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: stuck}
            spec:
              replicas: 1
              progressDeadlineSeconds: 2
              selector: {matchLabels: {app: stuck}}
              template:
                metadata: {labels: {app: stuck}}
                spec:
                  nodeSelector: {disk: none}
                  containers: [{name: c, image: nginx}]
            """, "stuck.yaml")
        try cluster.ok(["apply", "-f", stuck])
        let status = try cluster.kubectl(["rollout", "status", "deployment/stuck", "--timeout=60s"])
        #expect(status.status != 0 && status.error.contains("exceeded its progress deadline"), "\(status.output) \(status.error)")

        // The controllers and the scheduler run under their leases, as upstream's do.
        for lease in ["kube-controller-manager", "kube-scheduler"] {
            #expect(!(try cluster.ok(["get", "lease", lease, "-n", "kube-system", "-o", "jsonpath={.spec.holderIdentity}"]).isEmpty), "\(lease)")
        }
    }

    @Test("a node that stops heartbeating goes NotReady, is tainted unreachable, and its pods are evicted after their toleration")
    func nodeFailure() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster(nodes: 2, masterArguments: ["--node-monitor-grace-period", "4"])
        defer { cluster.stop() }
        let manifest = root + "/web.yaml"
        try """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 4
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: c, image: nginx}]
                  tolerations:
                  - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 3}
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        try cluster.ok(["apply", "-f", manifest])
        #expect(try cluster.ok(["rollout", "status", "deployment/web", "--timeout=60s"]).contains("successfully rolled out"))
        // Pin a pod without the short toleration to sim-0: it keeps the default 300 s.
        try cluster.ok(["run", "patient", "--image=nginx", "--overrides", #"{"spec":{"nodeName":"sim-0"}}"#])
        // A hostile toleration (Int64.max seconds) must neither trap the node controller nor evict.
        try cluster.ok(["run", "stubborn", "--image=nginx", "--overrides", #"""
            {"spec":{"nodeName":"sim-0","tolerations":[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":9223372036854775807}]}}
            """#])
        try "sim-0\n".write(toFile: cluster.stoppedFile, atomically: true, encoding: .utf8)
        #expect(try eventually(30) {
            try cluster.ok(["get", "node", "sim-0", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"]) == "Unknown"
        })
        #expect(try cluster.ok(["get", "node", "sim-0", "-o", "jsonpath={.spec.taints[*].key}"]).contains("node.kubernetes.io/unreachable"))
        #expect(try cluster.ok(["get", "nodes"]).contains("NotReady"))
        // The web pods on sim-0 are evicted after 3 s and replaced on sim-1.
        #expect(try eventually(60) {
            let lines = try cluster.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.nodeName},{.metadata.deletionTimestamp}{\"\\n\"}{end}"])
                .split(separator: "\n")
            let live = lines.filter { $0.hasSuffix(",") }
            return live.count == 4 && live.allSatisfy { $0.hasPrefix("sim-1,") } && lines.contains { $0.hasPrefix("sim-0,") && !$0.hasSuffix(",") }
        }, "\((try? cluster.ok(["get", "pods", "-o", "wide"])) ?? "")")
        #expect(try cluster.ok(["get", "pod", "patient", "-o", "jsonpath={.metadata.deletionTimestamp}"]).isEmpty, "the default 300 s toleration still holds")
        #expect(try cluster.ok(["get", "pod", "stubborn", "-o", "jsonpath={.metadata.deletionTimestamp}"]).isEmpty, "tolerated for Int64.max seconds")
        let events = try cluster.ok(["get", "events", "-o", "jsonpath={.items[*].reason}"])
        #expect(events.contains("NodeNotReady") && events.contains("TaintManagerEviction"), "\(events)")
    }

    @Test("kubectl drain evicts through pods/eviction and waits on the PodDisruptionBudget; a budget with no room refuses")
    func drain() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster(nodes: 2)
        defer { cluster.stop() }
        try cluster.ok(["create", "deployment", "web", "--image=nginx", "--replicas=4"])
        #expect(try cluster.ok(["rollout", "status", "deployment/web", "--timeout=60s"]).contains("successfully rolled out"))
        try cluster.ok(["create", "poddisruptionbudget", "web", "--selector=app=web", "--max-unavailable=1"])
        #expect(try eventually(20) { try cluster.ok(["get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}"]) == "1" })

        // Evictions beyond the budget get 429 and kubectl retries them as replacements come up on sim-1.
        let drained = try cluster.kubectl(["drain", "sim-0", "--ignore-daemonsets", "--timeout=90s"], timeout: 120)
        #expect(drained.status == 0, "\(drained.output) \(drained.error)")
        #expect(drained.output.contains("node/sim-0 drained"), "\(drained.output)")
        #expect(try cluster.ok(["get", "node", "sim-0", "-o", "jsonpath={.spec.unschedulable}"]) == "true")
        #expect(try eventually(30) {
            let nodes = try cluster.ok(["get", "pods", "-l", "app=web", "--field-selector", "status.phase=Running", "-o", "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}"])
                .split(separator: "\n")
            return nodes.count == 4 && nodes.allSatisfy { $0 == "sim-1" }
        })

        // A budget that allows no disruption: the eviction API refuses with kube's 429.
        try cluster.ok(["uncordon", "sim-0"])
        try cluster.ok(["create", "poddisruptionbudget", "strict", "--selector=app=solo", "--min-available=1"])
        try cluster.ok(["run", "solo", "--image=nginx", "--labels=app=solo"])
        #expect(try eventually(30) { try cluster.ok(["get", "pdb", "strict", "-o", "jsonpath={.status.currentHealthy}/{.status.disruptionsAllowed}"]) == "1/0" })
        let node = try cluster.ok(["get", "pod", "solo", "-o", "jsonpath={.spec.nodeName}"])
        let refused = try cluster.kubectl(["drain", node, "--pod-selector=app=solo", "--force", "--ignore-daemonsets", "--timeout=5s"], timeout: 60)
        #expect(refused.status != 0)
        #expect(refused.error.contains("Cannot evict pod as it would violate the pod's disruption budget."), "\(refused.error)")
        #expect(try cluster.ok(["get", "pod", "solo", "-o", "jsonpath={.metadata.deletionTimestamp}"]).isEmpty, "still there")
    }

    func write(_ text: String, _ name: String) throws -> String {
        let path = root + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a Job runs to Complete (parallel, Indexed); a CronJob creates Jobs on its schedule")
    func jobsAndCronJobs() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster(nodes: 2, extra: ["--simulate-run-seconds", "1"])
        defer { cluster.stop() }
        try cluster.ok(["create", "job", "once", "--image=busybox", "--", "echo", "hi"])
        #expect(try cluster.ok(["wait", "--for=condition=complete", "job/once", "--timeout=60s"]).contains("condition met"))
        #expect(try cluster.ok(["get", "job", "once", "-o", "jsonpath={.status.succeeded}"]) == "1")
        #expect(try cluster.ok(["get", "jobs", "once", "--no-headers"]).contains("Complete"))

        let indexed = try write("""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: indexed}
            spec:
              completions: 4
              parallelism: 2
              completionMode: Indexed
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: c, image: busybox}]
            """, "indexed.yaml")
        try cluster.ok(["apply", "-f", indexed])
        #expect(try cluster.ok(["wait", "--for=condition=complete", "job/indexed", "--timeout=90s"]).contains("condition met"))
        #expect(try cluster.ok(["get", "job", "indexed", "-o", "jsonpath={.status.succeeded},{.status.completedIndexes}"]) == "4,0-3")
        let indexes = try cluster.ok(["get", "pods", "-l", "job-name=indexed", "-o", "jsonpath={.items[*].metadata.annotations.batch\\.kubernetes\\.io/job-completion-index}"])
        #expect(Set(indexes.split(separator: " ")) == ["0", "1", "2", "3"], "\(indexes)")

        try cluster.ok(["create", "cronjob", "tick", "--image=busybox", "--schedule=*/1 * * * *", "--", "date"])
        try cluster.ok(["patch", "cronjob", "tick", "--type=merge", "-p", #"{"spec":{"successfulJobsHistoryLimit":1}}"#])
        // The next minute boundary is at most 60 s away; its Job runs and completes.
        #expect(try eventually(90) {
            try cluster.ok(["get", "jobs", "-o", "jsonpath={range .items[*]}{.metadata.ownerReferences[0].name}={.status.succeeded}{\"\\n\"}{end}"])
                .split(separator: "\n").contains("tick=1")
        }, "\((try? cluster.ok(["get", "jobs,cronjobs"])) ?? "")")
        #expect(!(try cluster.ok(["get", "cronjob", "tick", "-o", "jsonpath={.status.lastScheduleTime}"]).isEmpty))
        #expect(try cluster.ok(["get", "events", "--field-selector", "involvedObject.name=tick", "-o", "jsonpath={.items[*].reason}"]).contains("SuccessfulCreate"))
        // A Job made from the CronJob's template by hand.
        try cluster.ok(["create", "job", "manual", "--from=cronjob/tick"])
        #expect(try cluster.ok(["wait", "--for=condition=complete", "job/manual", "--timeout=60s"]).contains("condition met"))
    }

    @Test("a StatefulSet creates ordinal pods in order with their claims and scales down from the top")
    func statefulSet() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster(nodes: 2)
        defer { cluster.stop() }
        let manifest = try write("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              serviceName: db
              replicas: 3
              selector: {matchLabels: {app: db}}
              template:
                metadata: {labels: {app: db}}
                spec:
                  containers: [{name: c, image: postgres:16}]
              volumeClaimTemplates:
              - metadata: {name: data}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Gi}}
            """, "db.yaml")
        try cluster.ok(["apply", "-f", manifest])
        #expect(try cluster.ok(["rollout", "status", "statefulset/db", "--timeout=90s"]).contains("roll"))
        #expect(try cluster.ok(["get", "pods", "-l", "app=db", "-o", "jsonpath={.items[*].metadata.name}"]).split(separator: " ").sorted() == ["db-0", "db-1", "db-2"])
        #expect(try cluster.ok(["get", "pvc", "-o", "jsonpath={.items[*].metadata.name}"]).split(separator: " ").sorted() == ["data-db-0", "data-db-1", "data-db-2"])
        // Each claim was provisioned by local-path on its pod's node and bound before the pod was.
        #expect(try cluster.ok(["get", "pvc", "-o", "jsonpath={.items[*].status.phase}"]) == "Bound Bound Bound")
        #expect(try cluster.ok(["get", "pvc", "data-db-0", "-o", "jsonpath={.metadata.annotations.volume\\.kubernetes\\.io/selected-node}"])
            == cluster.ok(["get", "pod", "db-0", "-o", "jsonpath={.spec.nodeName}"]))
        let created = try cluster.ok(["get", "pods", "-l", "app=db", "--sort-by=.metadata.creationTimestamp", "-o", "jsonpath={.items[*].metadata.name}"])
        #expect(created == "db-0 db-1 db-2", "created in order: \(created)")
        #expect(try cluster.ok(["get", "pod", "db-1", "-o", "jsonpath={.spec.hostname}.{.spec.subdomain}"]) == "db-1.db")

        try cluster.ok(["scale", "statefulset", "db", "--replicas=1"])
        #expect(try eventually(60) { try cluster.ok(["get", "pods", "-l", "app=db", "-o", "jsonpath={.items[*].metadata.name}"]) == "db-0" })
        #expect(try cluster.ok(["get", "pvc", "--no-headers"]).split(separator: "\n").count == 3, "claims are kept")

        try cluster.ok(["set", "image", "statefulset/db", "c=postgres:17"])
        #expect(try cluster.ok(["rollout", "status", "statefulset/db", "--timeout=90s"]).contains("roll"))
        #expect(try cluster.ok(["get", "pod", "db-0", "-o", "jsonpath={.spec.containers[0].image}"]) == "postgres:17")

        // History is kept as ControllerRevisions; the pods' revision label names one.
        let revision = try cluster.ok(["get", "pod", "db-0", "-o", "jsonpath={.metadata.labels.controller-revision-hash}"])
        #expect(try cluster.ok(["get", "controllerrevisions", revision, "-o", "jsonpath={.revision}"]) == "2")
        #expect(try cluster.ok(["get", "statefulset", "db", "-o", "jsonpath={.status.updateRevision}"]) == revision)
        let history = try cluster.ok(["rollout", "history", "statefulset/db"])
        #expect(history.contains("REVISION") && history.split(separator: "\n").filter { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") }.count == 2, "\(history)")
        #expect(try cluster.ok(["rollout", "history", "statefulset/db", "--revision=1"]).contains("postgres:16"))
        try cluster.ok(["rollout", "undo", "statefulset/db"])
        #expect(try eventually(60) { try cluster.ok(["get", "pod", "db-0", "-o", "jsonpath={.spec.containers[0].image}"]) == "postgres:16" })
        // Going back reuses revision 1's object, renumbered as the newest.
        #expect(try eventually(30) {
            try cluster.ok(["get", "controllerrevisions", "-l", "app=db", "-o", "jsonpath={.items[*].revision}"]).split(separator: " ").sorted() == ["2", "3"]
        })
    }

    @Test("a DaemonSet runs one pod on every eligible node and rolls out an update")
    func daemonSet() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster(nodes: 3)
        defer { cluster.stop() }
        let manifest = try write("""
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: agent}
            spec:
              selector: {matchLabels: {app: agent}}
              template:
                metadata: {labels: {app: agent}}
                spec:
                  containers: [{name: c, image: fluentd:1}]
            """, "agent.yaml")
        try cluster.ok(["apply", "-f", manifest])
        #expect(try cluster.ok(["rollout", "status", "daemonset/agent", "--timeout=60s"]).contains("successfully rolled out"))
        #expect(try cluster.ok(["get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].spec.nodeName}"]).split(separator: " ").sorted() == ["sim-0", "sim-1", "sim-2"])
        #expect(try cluster.ok(["get", "daemonset", "agent", "-o", "jsonpath={.status.desiredNumberScheduled}/{.status.numberReady}"]) == "3/3")

        // A cordoned node keeps its daemon pod (DaemonSets tolerate unschedulable); an update replaces all three.
        try cluster.ok(["cordon", "sim-2"])
        try cluster.ok(["set", "image", "daemonset/agent", "c=fluentd:2"])
        #expect(try cluster.ok(["rollout", "status", "daemonset/agent", "--timeout=90s"]).contains("successfully rolled out"))
        #expect(try eventually(30) {
            try cluster.ok(["get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].spec.containers[0].image}"]).split(separator: " ") == ["fluentd:2", "fluentd:2", "fluentd:2"]
        })

        // rollout history and undo read and apply the DaemonSet's ControllerRevisions.
        let history = try cluster.ok(["rollout", "history", "daemonset/agent"])
        #expect(history.split(separator: "\n").filter { $0.hasPrefix("1 ") || $0.hasPrefix("2 ") }.count == 2, "\(history)")
        #expect(try cluster.ok(["rollout", "history", "daemonset/agent", "--revision=1"]).contains("fluentd:1"))
        #expect(try cluster.ok(["rollout", "undo", "daemonset/agent", "--to-revision=1"]).contains("rolled back"))
        #expect(try cluster.ok(["rollout", "status", "daemonset/agent", "--timeout=90s"]).contains("successfully rolled out"))
        #expect(try eventually(30) {
            try cluster.ok(["get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].spec.containers[0].image}"]).split(separator: " ") == ["fluentd:1", "fluentd:1", "fluentd:1"]
        })
        let missing = try cluster.kubectl(["rollout", "undo", "daemonset/agent", "--to-revision=9"])
        #expect(missing.status != 0 && missing.error.contains("unable to find specified revision 9 in history"), "\(missing.error)")
    }

    @Test("a Service gets Endpoints and EndpointSlices of its ready pods; deleting a namespace removes everything in it")
    func servicesAndNamespaces() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try cluster(nodes: 2)
        defer { cluster.stop() }
        try cluster.ok(["create", "namespace", "shop"])
        try cluster.ok(["create", "deployment", "web", "-n", "shop", "--image=nginx", "--replicas=3", "--port=8080"])
        #expect(try cluster.ok(["rollout", "status", "deployment/web", "-n", "shop", "--timeout=60s"]).contains("successfully rolled out"))
        try cluster.ok(["expose", "deployment", "web", "-n", "shop", "--port=80", "--target-port=8080"])
        #expect(try eventually(30) {
            try cluster.ok(["get", "endpoints", "web", "-n", "shop", "-o", "jsonpath={.subsets[*].addresses[*].ip}"]).split(separator: " ").count == 3
        })
        let podIPs = Set(try cluster.ok(["get", "pods", "-n", "shop", "-l", "app=web", "-o", "jsonpath={.items[*].status.podIP}"]).split(separator: " "))
        #expect(Set(try cluster.ok(["get", "endpoints", "web", "-n", "shop", "-o", "jsonpath={.subsets[*].addresses[*].ip}"]).split(separator: " ")) == podIPs)
        #expect(try cluster.ok(["get", "endpoints", "web", "-n", "shop", "-o", "jsonpath={.subsets[0].ports[0].port}"]) == "8080")
        let slice = try cluster.ok(["get", "endpointslices", "-n", "shop", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={.items[0].addressType} {.items[0].ports[0].port} {.items[0].endpoints[*].conditions.ready}"])
        #expect(slice == "IPv4 8080 true true true", "\(slice)")
        #expect(try cluster.ok(["get", "serviceaccount", "default", "-n", "shop", "-o", "name"]) == "serviceaccount/default\n")

        try cluster.ok(["scale", "deployment", "web", "-n", "shop", "--replicas=1"])
        #expect(try eventually(30) {
            try cluster.ok(["get", "endpoints", "web", "-n", "shop", "-o", "jsonpath={.subsets[*].addresses[*].ip}"]).split(separator: " ").count == 1
        })

        #expect(try cluster.ok(["delete", "namespace", "shop", "--timeout=90s"]).contains("deleted"))
        #expect(try cluster.kubectl(["get", "namespace", "shop"]).error.contains("NotFound"))
        #expect(try cluster.ok(["get", "pods,replicasets,deployments,services,endpoints,endpointslices,serviceaccounts", "-n", "shop", "--no-headers"]).isEmpty)
    }
}
