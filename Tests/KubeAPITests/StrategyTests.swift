import EncStore
import Testing

@testable import KubeAPI

@Suite("Per-kind defaulting, validation and allocation")
struct StrategyTests {
    let objects = ObjectStore(store: MVCCStore.inMemory())
    let registry = ResourceRegistry.builtIn

    func type(_ group: String, _ plural: String) -> ResourceType { registry.lookup(group: group, version: "v1", plural: plural)! }

    func setUp() async throws {
        _ = try await objects.create(type("", "namespaces"), namespace: nil, body: ["metadata": ["name": "default"]])
        _ = try await objects.create(type("", "serviceaccounts"), namespace: "default", body: ["metadata": ["name": "default"]])
    }

    func invalid(_ body: JSONValue, _ resource: ResourceType, sourceLocation: SourceLocation = #_sourceLocation) async -> String? {
        do {
            _ = try await objects.create(resource, namespace: "default", body: body)
            Issue.record("expected 422", sourceLocation: sourceLocation)
        } catch let error as APIError {
            #expect(error.code == 422, "\(error)", sourceLocation: sourceLocation)
            return error.message
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test("quantities parse exactly and print canonically", arguments: [
        ("500m", "500m"), ("0.5", "500m"), ("1000m", "1"), ("2000", "2k"), ("1500", "1500"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"),
        ("1.5Gi", "1536Mi"), ("1e3", "1e3"), ("0.1", "100m"), ("100M", "100M"), ("128974848", "128974848"), ("0", "0"), ("1n", "1n"), ("0.1n", "1n"),
    ])
    func quantities(_ input: String, _ canonical: String) throws {
        #expect(try #require(Quantity(input)).description == canonical)
    }

    @Test("malformed quantities are refused", arguments: ["", "1x", "abc", "1.2.3", "Gi", "--1", "1e-9223372036854775808", "1e9223372036854775807", "1e41"])
    func badQuantities(_ input: String) {
        #expect(Quantity(input) == nil)
    }

    @Test("huge and long quantities parse in linear time and print without overflow")
    func quantityZeros() throws {
        #expect(try #require(Quantity(String(repeating: "0", count: 1_000_000) + "1")).description == "1")
        #expect(try #require(Quantity("1" + String(repeating: "0", count: 17))).description == "100P")
        #expect(Quantity("1" + String(repeating: "0", count: 20) + "1") == nil, "more than 18 significant digits")
        let huge = Quantity("1" + String(repeating: "0", count: 500_000))
        #expect(huge?.milliValue == Int64.max, "saturates")
        #expect(huge?.description.isEmpty == false)
        // 18 significant digits with an exponent the suffixes cannot hold keep the exponent form.
        #expect(try Quantity(parsing: "999999999999999999e1").description == "999999999999999999e1")
        #expect(try Quantity(parsing: "123456789012345678000000000000000000000000").description == "123456789012345678e24")
    }

    @Test("pods get upstream's defaults, serviceAccountName default, Pending and a QoS class")
    func podDefaults() async throws {
        try await setUp()
        let pod = try await objects.create(type("", "pods"), namespace: "default", body: [
            "metadata": ["name": "p"],
            "spec": ["containers": [["name": "c", "image": "nginx", "ports": [["containerPort": 80]], "resources": ["requests": ["cpu": "0.5", "memory": "128974848"]]]]],
        ])
        #expect(pod[path: ["spec", "restartPolicy"]] == "Always" && pod[path: ["spec", "dnsPolicy"]] == "ClusterFirst")
        #expect(pod[path: ["spec", "terminationGracePeriodSeconds"]] == 30 && pod[path: ["spec", "schedulerName"]] == "default-scheduler")
        #expect(pod[path: ["spec", "serviceAccountName"]] == "default")
        let container = try #require(pod[path: ["spec", "containers"]]?.arrayValue?.first)
        #expect(container["imagePullPolicy"] == "Always" && container[path: ["resources", "requests", "cpu"]] == "500m")
        #expect(container["ports"] == [["containerPort": 80, "protocol": "TCP"]])
        #expect(pod[path: ["status", "phase"]] == "Pending" && pod[path: ["status", "qosClass"]] == "Burstable")
        #expect(PodTemplate.pullPolicy("nginx:1.27") == "IfNotPresent" && PodTemplate.pullPolicy("reg:5000/app") == "Always")

        var changed = pod
        changed[path: "spec.restartPolicy"] = "Never"
        do {
            _ = try await objects.update(type("", "pods"), namespace: "default", name: "p", body: changed)
            Issue.record("the pod spec is immutable")
        } catch let error as APIError {
            #expect(error.message.hasPrefix("Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields other than"))
        }
        var reimaged = pod
        reimaged[path: "spec.containers"] = [container.with("image", "nginx:1.28")]
        #expect(try await objects.update(type("", "pods"), namespace: "default", name: "p", body: reimaged)[path: ["spec", "containers"]]?.arrayValue?.first?["image"] == "nginx:1.28")
    }

    @Test("invalid pods and workloads are refused with kube-apiserver's field errors")
    func validation() async throws {
        try await setUp()
        let pods = type("", "pods")
        #expect(await invalid(["metadata": ["name": "p"], "spec": ["containers": [["name": "Bad_Name", "image": ""]]]], pods)?.contains("spec.containers[0].image: Required value") == true)
        #expect(await invalid(["metadata": ["name": "p"], "spec": [:]], pods) == "Pod \"p\" is invalid: spec.containers: Required value")
        #expect(await invalid(["metadata": ["name": "p"], "spec": ["containers": [["name": "c", "image": "i", "ports": [["containerPort": 70000]]]]]], pods)
            == "Pod \"p\" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive")
        let deployment: JSONValue = [
            "metadata": ["name": "d"],
            "spec": ["selector": ["matchLabels": ["app": "x"]], "template": ["metadata": ["labels": ["app": "y"]], "spec": ["containers": [["name": "c", "image": "i"]]]]],
        ]
        #expect(await invalid(deployment, type("apps", "deployments"))
            == "Deployment \"d\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"y\"}: `selector` does not match template `labels`")
        let job: JSONValue = ["metadata": ["name": "j"], "spec": ["template": ["spec": ["restartPolicy": "Always", "containers": [["name": "c", "image": "i"]]]]]]
        #expect(await invalid(job, type("batch", "jobs"))
            == "Job \"j\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"")
    }

    @Test("volumes, volume mounts, probes and affinity are validated as kube-apiserver does")
    func podSpecValidation() async throws {
        try await setUp()
        let pods = type("", "pods")
        func pod(_ spec: JSONValue) -> JSONValue { ["metadata": ["name": "p"], "spec": spec] }
        let container: JSONValue = ["name": "c", "image": "i"]
        var spec: JSONValue = ["containers": [container], "volumes": [["name": "data"], ["name": "cfg", "configMap": ["name": "x"], "secret": ["secretName": "y"]]]]
        var message = await invalid(pod(spec), pods) ?? ""
        #expect(message.contains("spec.volumes[0]: Required value: must specify a volume type"), "\(message)")
        #expect(message.contains("spec.volumes[1].configMap: Forbidden: may not specify more than 1 volume type"), "\(message)")

        var mounted = container
        mounted["volumeMounts"] = [["name": "missing", "mountPath": "/a"], ["name": "data", "mountPath": "/a"]]
        spec = ["containers": [mounted], "volumes": [["name": "data", "emptyDir": [:]]]]
        message = await invalid(pod(spec), pods) ?? ""
        #expect(message.contains("spec.containers[0].volumeMounts[0].name: Not found: \"missing\""), "\(message)")
        #expect(message.contains("spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/a\": must be unique"), "\(message)")

        var probed = container
        probed["livenessProbe"] = ["periodSeconds": -1, "successThreshold": 2]
        probed["readinessProbe"] = ["httpGet": ["port": 0]]
        message = await invalid(pod(["containers": [probed]]), pods) ?? ""
        #expect(message.contains("spec.containers[0].livenessProbe: Required value: must specify a handler type"), "\(message)")
        #expect(message.contains("spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"), "\(message)")
        #expect(message.contains("spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"), "\(message)")
        #expect(message.contains("spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive"), "\(message)")

        let affinity: JSONValue = [
            "nodeAffinity": [
                "requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [["matchExpressions": [
                    ["key": "zone", "operator": "In"], ["key": "gpu", "operator": "Exists", "values": ["x"]], ["key": "k", "operator": "Near"],
                ]]]],
                "preferredDuringSchedulingIgnoredDuringExecution": [["weight": 0, "preference": [:]]],
            ],
            "podAntiAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [["labelSelector": [:]]]],
        ]
        message = await invalid(pod(["containers": [container], "affinity": affinity]), pods) ?? ""
        let terms = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
        #expect(message.contains("\(terms).matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"), "\(message)")
        #expect(message.contains("\(terms).matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"), "\(message)")
        #expect(message.contains("\(terms).matchExpressions[2].operator: Unsupported value: \"Near\""), "\(message)")
        #expect(message.contains("spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"), "\(message)")
        #expect(message.contains("spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty"), "\(message)")

        var good = container
        good["volumeMounts"] = [["name": "data", "mountPath": "/data"]]
        good["livenessProbe"] = ["httpGet": ["port": "http", "path": "/healthz"], "periodSeconds": 10]
        good["readinessProbe"] = ["tcpSocket": ["port": 8080], "successThreshold": 3]
        let created = try await objects.create(pods, namespace: "default", body: pod([
            "containers": [good], "volumes": [["name": "data", "persistentVolumeClaim": ["claimName": "pvc"]]],
            "affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [
                ["matchExpressions": [["key": "zone", "operator": "In", "values": ["a"]]]]]]]],
        ]))
        #expect(created[path: ["metadata", "name"]] == "p", "a valid spec is accepted")
    }

    @Test("workload and job defaults")
    func workloadDefaults() async throws {
        try await setUp()
        let template: JSONValue = ["metadata": ["labels": ["app": "w"]], "spec": ["containers": [["name": "c", "image": "i:1"]]]]
        let deployment = try await objects.create(type("apps", "deployments"), namespace: "default", body: [
            "metadata": ["name": "w"], "spec": ["selector": ["matchLabels": ["app": "w"]], "template": template],
        ])
        #expect(deployment[path: ["spec", "replicas"]] == 1 && deployment[path: ["spec", "revisionHistoryLimit"]] == 10)
        #expect(deployment[path: ["spec", "strategy"]] == ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": "25%"]])
        #expect(deployment[path: ["spec", "progressDeadlineSeconds"]] == 600)
        let job = try await objects.create(type("batch", "jobs"), namespace: "default", body: [
            "metadata": ["name": "j"], "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "c", "image": "i"]]]]],
        ])
        let uid = try #require(job[path: ["metadata", "uid"]])
        #expect(job[path: ["spec", "selector", "matchLabels", "batch.kubernetes.io/controller-uid"]] == uid)
        #expect(job[path: ["spec", "template", "metadata", "labels", "job-name"]] == "j")
        #expect(job[path: ["spec", "backoffLimit"]] == 6 && job[path: ["spec", "completions"]] == 1 && job[path: ["spec", "parallelism"]] == 1)
        var moved = deployment
        moved[path: "spec.selector"] = ["matchLabels": ["app": "other"]]
        moved[path: "spec.template.metadata.labels"] = ["app": "other"]
        do {
            _ = try await objects.update(type("apps", "deployments"), namespace: "default", name: "w", body: moved)
            Issue.record("the selector is immutable")
        } catch let error as APIError {
            #expect(error.message.contains("spec.selector: Invalid value:") && error.message.hasSuffix("field is immutable"))
        }
    }

    @Test("services get unique cluster IPs and node ports, released on delete; a taken one is refused")
    func serviceAllocation() async throws {
        try await setUp()
        let services = type("", "services")
        var ips = Set<String>()
        var ports = Set<Int64>()
        for index in 0..<20 {
            let service = try await objects.create(services, namespace: "default", body: [
                "metadata": ["name": .string("s\(index)")], "spec": ["type": "NodePort", "ports": [["port": 80]]],
            ])
            let ip = try #require(service[path: ["spec", "clusterIP"]]?.stringValue)
            #expect(ServiceStrategy.inNetwork(ip) && ip != "10.43.0.1")
            ips.insert(ip)
            ports.insert(try #require(service[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"]?.integerValue))
            #expect(service[path: ["spec", "ports"]]?.arrayValue?.first?["targetPort"] == 80)
        }
        #expect(ips.count == 20 && ports.count == 20 && ports.allSatisfy { (30000...32767).contains($0) })

        let first = try await objects.get(services, namespace: "default", name: "s0")
        let takenIP = try #require(first[path: ["spec", "clusterIP"]]?.stringValue)
        let takenPort = try #require(first[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"]?.integerValue)
        #expect(await invalid(["metadata": ["name": "dup"], "spec": ["clusterIP": .string(takenIP), "ports": [["port": 80]]]], services)
            == "Service \"dup\" is invalid: spec.clusterIPs: Invalid value: []string{\"\(takenIP)\"}: failed to allocate IP \(takenIP): provided IP is already allocated")
        #expect(await invalid(["metadata": ["name": "dup"], "spec": ["type": "NodePort", "ports": [["port": 80, "nodePort": .integer(takenPort)]]]], services)
            == "Service \"dup\" is invalid: spec.ports[0].nodePort: Invalid value: \(takenPort): provided port is already allocated")
        #expect(await invalid(["metadata": ["name": "far"], "spec": ["clusterIP": "1.2.3.4", "ports": [["port": 80]]]], services)?.contains("is not in the valid range") == true)

        _ = try await objects.delete(services, namespace: "default", name: "s0")
        let reused = try await objects.create(services, namespace: "default", body: [
            "metadata": ["name": "reuse"], "spec": ["type": "NodePort", "clusterIP": .string(takenIP), "ports": [["port": 80, "nodePort": .integer(takenPort)]]],
        ])
        #expect(reused[path: ["spec", "clusterIP"]]?.stringValue == takenIP)

        var changed = reused
        changed[path: "spec.clusterIP"] = "10.43.9.9"
        changed[path: "spec.clusterIPs"] = ["10.43.9.9"]
        do {
            _ = try await objects.update(services, namespace: "default", name: "reuse", body: changed)
            Issue.record("the cluster IP is immutable")
        } catch let error as APIError {
            #expect(error.message == "Service \"reuse\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.43.9.9\"}: may not change once set")
        }
    }

    @Test("immutable ConfigMaps and Secrets keep their data; secret data must be base64")
    func immutableData() async throws {
        try await setUp()
        let configMaps = type("", "configmaps")
        let frozen = try await objects.create(configMaps, namespace: "default", body: ["metadata": ["name": "f"], "data": ["k": "v"], "immutable": true])
        var edited = frozen
        edited[path: "data.k"] = "w"
        do {
            _ = try await objects.update(configMaps, namespace: "default", name: "f", body: edited)
            Issue.record("immutable data changed")
        } catch let error as APIError {
            #expect(error.message == "ConfigMap \"f\" is invalid: data: Forbidden: field is immutable when `immutable` is set")
        }
        let secret = try await objects.create(type("", "secrets"), namespace: "default", body: ["metadata": ["name": "s"], "stringData": ["pw": "hunter2"]])
        #expect(secret["type"] == "Opaque" && secret[path: ["data", "pw"]] == "aHVudGVyMg==" && secret["stringData"] == nil)
        #expect(await invalid(["metadata": ["name": "b"], "data": ["pw": "not base64!"]], type("", "secrets")) == "Secret \"b\" is invalid: data[pw]: Invalid value: \"<hidden>\": illegal base64 data")
        #expect(await invalid(["metadata": ["name": "k"], "data": ["bad key": "v"]], configMaps)?.contains("a valid config key must consist of alphanumeric characters") == true)
    }
}

extension JSONValue {
    fileprivate func with(_ key: String, _ value: JSONValue) -> JSONValue {
        var copy = self
        copy[key] = value
        return copy
    }
}
