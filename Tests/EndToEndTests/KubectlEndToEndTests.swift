import DaaSTestSupport
import Foundation
import Testing

/// The real kubectl against a real daas-master: outputs and exit codes as with kube-apiserver.
@Suite("kubectl against daas-master", .blockingWaits)
struct KubectlEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-kubectl-\(UUID().uuidString)").path

    func withMaster(_ body: (MasterProcess) throws -> Void) throws {
        try DaaSTestSupport.withMaster(root: root, body)
    }

    /// Runs kubectl and expects success, returning standard output.
    @discardableResult
    func ok(_ master: MasterProcess, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try master.kubectl(arguments)
        #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")): \(result.error)", sourceLocation: sourceLocation)
        return result.output
    }

    @Test("version, namespaces at start, api-versions and api-resources")
    func discovery() throws {
        try withMaster { master in
            #expect(try ok(master, ["version"]).contains("Server Version: v1.32.0+k3s-daas"))
            #expect(try ok(master, ["get", "namespaces", "-o", "name"]) == "namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n")
            #expect(try ok(master, ["get", "ns", "default", "-o", "jsonpath={.metadata.labels.kubernetes\\.io/metadata\\.name}"]) == "default")
            let versions = try ok(master, ["api-versions"])
            for version in ["v1", "apps/v1", "batch/v1", "rbac.authorization.k8s.io/v1", "coordination.k8s.io/v1"] {
                #expect(versions.split(separator: "\n").contains(Substring(version)), "\(version)")
            }
            let verbose = try master.kubectl(["get", "deployments", "-A", "-v=6", "--cache-dir", root + "/cache"])
            let requests = verbose.error.split(separator: "\n").filter { $0.contains(" GET https://") }
            #expect(requests.count == 3, "aggregated discovery: /api, /apis, then the list (\(requests))")
            let resources = try ok(master, ["api-resources", "--no-headers"])
            #expect(resources.contains("configmaps") && resources.contains("deployments") && resources.contains("deploy"))
            #expect(try ok(master, ["get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"]) == "10.43.0.1")
        }
    }

    @Test("create with generators (kubectl sends protobuf), read back as yaml, json, jsonpath and name")
    func createAndGet() throws {
        try withMaster { master in
            #expect(try ok(master, ["create", "namespace", "shop"]) == "namespace/shop created\n")
            #expect(try ok(master, ["create", "configmap", "settings", "-n", "shop", "--from-literal=color=blue", "--from-literal=size=9"]) == "configmap/settings created\n")
            #expect(try ok(master, ["create", "secret", "generic", "db", "-n", "shop", "--from-literal=password=hunter2"]) == "secret/db created\n")
            #expect(try ok(master, ["create", "deployment", "web", "-n", "shop", "--image=nginx:1.27", "--replicas=2"]) == "deployment.apps/web created\n")
            #expect(try ok(master, ["create", "job", "once", "-n", "shop", "--image=busybox"]) == "job.batch/once created\n")
            #expect(try ok(master, ["create", "service", "clusterip", "api", "-n", "shop", "--tcp=80:8080"]) == "service/api created\n")
            #expect(try ok(master, ["create", "service", "nodeport", "edge", "-n", "shop", "--tcp=443:8443"]) == "service/edge created\n")
            let ip = try ok(master, ["get", "service", "api", "-n", "shop", "-o", "jsonpath={.spec.clusterIP}"])
            #expect(ip.hasPrefix("10.43.") && ip != "10.43.0.1")
            let nodePort = Int(try ok(master, ["get", "service", "edge", "-n", "shop", "-o", "jsonpath={.spec.ports[0].nodePort}"])) ?? 0
            #expect((30000...32767).contains(nodePort))
            let pod = try ok(master, ["get", "deployment", "web", "-n", "shop", "-o", "jsonpath={.spec.template.spec.containers[0].imagePullPolicy} {.spec.strategy.type}"])
            #expect(pod == "IfNotPresent RollingUpdate")
            #expect(try ok(master, ["get", "configmap", "settings", "-n", "shop", "-o", "jsonpath={.data.color}/{.data.size}"]) == "blue/9")
            #expect(try ok(master, ["get", "secret", "db", "-n", "shop", "-o", "jsonpath={.data.password}"]) == Data("hunter2".utf8).base64EncodedString())
            let yaml = try ok(master, ["get", "deployment", "web", "-n", "shop", "-o", "yaml"])
            #expect(yaml.contains("replicas: 2") && yaml.contains("image: nginx:1.27") && yaml.contains("generation: 1"))
            let json = try ok(master, ["get", "configmap", "settings", "-n", "shop", "-o", "json"])
            #expect(json.contains("\"uid\"") && json.contains("\"creationTimestamp\"") && json.contains("\"resourceVersion\""))
            #expect(try ok(master, ["get", "configmaps,secrets", "-n", "shop", "-o", "name"]).split(separator: "\n").filter { $0 != "configmap/kube-root-ca.crt" } == ["configmap/settings", "secret/db"])
            let all = try ok(master, ["get", "configmaps", "-A", "-o", "name"])
            #expect(all.contains("configmap/settings"))
        }
    }

    @Test("get prints kube-apiserver's columns, -o wide adds the wide ones")
    func tables() throws {
        try withMaster { master in
            try ok(master, ["create", "namespace", "tbl"])
            try ok(master, ["create", "deployment", "web", "-n", "tbl", "--image=nginx:1.27", "--replicas=3"])
            try ok(master, ["create", "configmap", "cfg", "-n", "tbl", "--from-literal=a=1", "--from-literal=b=2"])
            try ok(master, ["create", "secret", "generic", "sec", "-n", "tbl", "--from-literal=a=1"])
            let deployments = try ok(master, ["get", "deployments", "-n", "tbl"]).split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            #expect(deployments.first == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"])
            // The deployment controller has made the ReplicaSet (3 up to date); no node runs the pods.
            #expect(deployments.last?.prefix(4) == ["web", "0/3", "3", "0"] || deployments.last?.prefix(4) == ["web", "0/3", "0", "0"])
            let wide = try ok(master, ["get", "deployments", "-n", "tbl", "-o", "wide"]).split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            #expect(wide.first == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"])
            #expect(wide.last?.suffix(3) == ["nginx", "nginx:1.27", "app=web"])
            let configs = try ok(master, ["get", "configmaps,secrets", "-n", "tbl"])
            #expect(configs.contains("DATA") && configs.contains("configmap/cfg") && configs.contains("Opaque"))
            #expect(try ok(master, ["get", "namespaces", "tbl", "--no-headers"]).split(separator: " ", omittingEmptySubsequences: true).prefix(2) == ["tbl", "Active"])
            let services = try ok(master, ["get", "services", "-A"])
            #expect(services.contains("kubernetes   ClusterIP   10.43.0.1    <none>        443/TCP"))
        }
    }

    @Test("label, annotate, selectors, scale and paging")
    func mutateAndSelect() throws {
        try withMaster { master in
            try ok(master, ["create", "namespace", "sel"])
            for name in ["a", "b", "c", "d", "e"] {
                try ok(master, ["create", "configmap", name, "-n", "sel", "--from-literal=k=\(name)"])
            }
            #expect(try ok(master, ["label", "configmap", "a", "b", "-n", "sel", "tier=front"]) == "configmap/a labeled\nconfigmap/b labeled\n")
            #expect(try ok(master, ["annotate", "configmap", "c", "-n", "sel", "owner=ops"]) == "configmap/c annotated\n")
            #expect(try ok(master, ["get", "cm", "-n", "sel", "-l", "tier=front", "-o", "name"]) == "configmap/a\nconfigmap/b\n")
            #expect(try ok(master, ["get", "cm", "-n", "sel", "-l", "tier!=front", "--field-selector", "metadata.name!=kube-root-ca.crt", "-o", "name"]) == "configmap/c\nconfigmap/d\nconfigmap/e\n")
            #expect(try ok(master, ["get", "cm", "-n", "sel", "-l", "tier in (front,back)", "-o", "name"]) == "configmap/a\nconfigmap/b\n")
            #expect(try ok(master, ["get", "cm", "-n", "sel", "--field-selector", "metadata.name=d", "-o", "name"]) == "configmap/d\n")
            // kube-root-ca.crt is published by a controller, shortly after the namespace appears.
            #expect(try eventually(20) { try ok(master, ["get", "cm", "-n", "sel", "--field-selector", "metadata.name=kube-root-ca.crt", "-o", "name"]) == "configmap/kube-root-ca.crt\n" })
            #expect(try ok(master, ["get", "cm", "-n", "sel", "--chunk-size=2", "-o", "name"]) == "configmap/a\nconfigmap/b\nconfigmap/c\nconfigmap/d\nconfigmap/e\nconfigmap/kube-root-ca.crt\n")
            #expect(try ok(master, ["get", "cm", "c", "-n", "sel", "-o", "jsonpath={.metadata.annotations.owner}"]) == "ops")
            #expect(try ok(master, ["get", "cm", "a", "-n", "sel", "--show-labels"]).contains("tier=front"))

            // A list exactly at an earlier resourceVersion, through the raw API.
            let raw = try ok(master, ["get", "--raw", "/api/v1/namespaces/sel/configmaps"])
            let listRV = try #require((try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any]).flatMap { ($0["metadata"] as? [String: Any])?["resourceVersion"] as? String })
            try ok(master, ["delete", "configmap", "e", "-n", "sel"])
            let exact = try ok(master, ["get", "--raw", "/api/v1/namespaces/sel/configmaps?resourceVersion=\(listRV)&resourceVersionMatch=Exact"])
            #expect(exact.contains("\"name\":\"e\"") && exact.contains("\"resourceVersion\":\"\(listRV)\""))
            let future = try master.kubectl(["get", "--raw", "/api/v1/namespaces/sel/configmaps?resourceVersion=99999999&resourceVersionMatch=Exact"])
            #expect(future.status == 1 && future.error.contains("Too large resource version"), "\(future.error)")

            try ok(master, ["create", "deployment", "api", "-n", "sel", "--image=nginx"])
            #expect(try ok(master, ["scale", "deployment", "api", "-n", "sel", "--replicas=4"]) == "deployment.apps/api scaled\n")
            #expect(try ok(master, ["get", "deployment", "api", "-n", "sel", "-o", "jsonpath={.spec.replicas} {.metadata.generation}"]) == "4 2")
        }
    }

    @Test("secret tls, sort-by, describe of nodes, deployments and namespaces, delete --all, cluster-info, YAML bodies")
    func moreCommands() throws {
        try withMaster { master in
            let pki = master.dataDir + "/pki/"
            #expect(try ok(master, ["create", "secret", "tls", "web-tls", "--cert", pki + "server.crt", "--key", pki + "server.key"]) == "secret/web-tls created\n")
            #expect(try ok(master, ["get", "secret", "web-tls", "-o", "jsonpath={.type}"]) == "kubernetes.io/tls")
            for name in ["zeta", "alpha", "mid"] { try ok(master, ["create", "configmap", name]) }
            // kube-root-ca.crt is published into every namespace, as kube-controller-manager does.
            #expect(try eventually(20) {
                try ok(master, ["get", "configmaps", "--sort-by=.metadata.name", "-o", "name"]) == "configmap/alpha\nconfigmap/kube-root-ca.crt\nconfigmap/mid\nconfigmap/zeta\n"
            })
            let sorted = try ok(master, ["get", "configmaps", "--sort-by=.metadata.name", "--no-headers"]).split(separator: "\n").map { $0.split(separator: " ").first! }
            #expect(sorted == sorted.sorted())
            let node = root + "/node.yaml"
            try """
                apiVersion: v1
                kind: Node
                metadata: {name: worker-1, labels: {node-role.kubernetes.io/worker: ""}}
                """.write(toFile: node, atomically: true, encoding: .utf8)
            try ok(master, ["create", "-f", node])
            let nodes = try ok(master, ["get", "nodes"])
            #expect(nodes.contains("worker-1") && nodes.contains("Unknown") && nodes.contains("worker"))
            #expect(try ok(master, ["describe", "node", "worker-1"]).contains("Name:               worker-1"))
            try ok(master, ["create", "deployment", "web", "--image=nginx:1.27"])
            let deployment = try ok(master, ["describe", "deployment", "web"])
            #expect(deployment.contains("Replicas:") && deployment.contains("nginx:1.27") && deployment.contains("RollingUpdate"))
            #expect(try ok(master, ["describe", "namespace", "default"]).contains("Status:       Active"))
            #expect(try ok(master, ["delete", "configmaps", "--all"]).contains("configmap \"zeta\" deleted"))
            // Only the CA bundle the root-ca publisher puts back may be there.
            #expect(try ok(master, ["get", "configmaps", "-o", "name"]).split(separator: "\n").allSatisfy { $0 == "configmap/kube-root-ca.crt" })
            let event = root + "/event.yaml"
            try """
                apiVersion: events.k8s.io/v1
                kind: Event
                metadata: {name: web.1}
                eventTime: "2026-01-01T00:00:00.000000Z"
                reason: Scaled
                type: Normal
                note: scaled up to 3
                action: Scale
                reportingController: deployment-controller
                reportingInstance: master
                regarding: {kind: Deployment, name: web, namespace: default}
                """.write(toFile: event, atomically: true, encoding: .utf8)
            #expect(try ok(master, ["create", "-f", event]) == "event.events.k8s.io/web.1 created\n")
            #expect(try ok(master, ["get", "events.v1.events.k8s.io", "web.1", "-o", "jsonpath={.note}/{.regarding.name}"]) == "scaled up to 3/web")
            #expect(try ok(master, ["get", "events.v1.", "web.1", "-o", "jsonpath={.message}/{.involvedObject.name}"]) == "scaled up to 3/web")
            // The controllers write events about "web" too (ScalingReplicaSet); this one is among them.
            #expect(try ok(master, ["get", "events", "--field-selector", "involvedObject.name=web,reason=Scaled", "-o", "name"]) == "event/web.1\n")
            let info = try ok(master, ["cluster-info"])
            #expect(info.contains("Kubernetes control plane") && info.contains("is running at https://127.0.0.1:"))

            let server = String(info.split(separator: " ").first { $0.contains("https://") }!.filter { !"\u{1B}".contains($0) })
            let yaml = try run("/usr/bin/env", [
                "curl", "-s", "--cacert", pki + "ca.crt", "--cert", pki + "admin.crt", "--key", pki + "admin.key",
                "-H", "Content-Type: application/yaml", "--data-binary", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-yaml}\ndata: {k: v}\n",
                "https://127.0.0.1:" + String(server.split(separator: ":").last!.prefix { $0.isNumber }) + "/api/v1/namespaces/default/configmaps",
            ])
            #expect(yaml.output.contains("\"name\":\"from-yaml\""), "\(yaml.output) \(yaml.error)")
            let exact = try run("/usr/bin/env", [
                "curl", "-s", "--cacert", pki + "ca.crt", "--cert", pki + "admin.crt", "--key", pki + "admin.key",
                "https://127.0.0.1:" + String(server.split(separator: ":").last!.prefix { $0.isNumber }) + "/api/v1/namespaces/default/configmaps?resourceVersion=1&resourceVersionMatch=Exact",
            ])
            #expect(exact.output.contains("\"kind\":\"ConfigMapList\"") && exact.output.contains("\"resourceVersion\":\"1\"") && exact.output.contains("\"items\":[]"), "the store at revision 1 held no configmaps: \(exact.output)")
        }
    }

    @Test("errors read as they do against kube-apiserver")
    func errors() throws {
        try withMaster { master in
            let missing = try master.kubectl(["get", "configmap", "nope"])
            #expect(missing.status == 1)
            #expect(missing.error == "Error from server (NotFound): configmaps \"nope\" not found\n")
            try ok(master, ["create", "configmap", "twice"])
            let duplicate = try master.kubectl(["create", "configmap", "twice"])
            #expect(duplicate.status == 1)
            #expect(duplicate.error == "error: failed to create configmap: configmaps \"twice\" already exists\n")
            let invalid = try master.kubectl(["create", "configmap", "Bad_Name"])
            #expect(invalid.status == 1)
            #expect(invalid.error.contains("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"))
            let noNamespace = try master.kubectl(["create", "configmap", "x", "-n", "missing"])
            #expect(noNamespace.status == 1 && noNamespace.error.contains("namespaces \"missing\" not found"))
            let manifest = root + "/bad-pod.yaml"
            try """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: probe
                spec:
                  containers:
                  - name: c
                    image: nginx
                    livenessProbe:
                      periodSeconds: 10
                    volumeMounts:
                    - name: nope
                      mountPath: /data
                """.write(toFile: manifest, atomically: true, encoding: .utf8)
            let badPod = try master.kubectl(["create", "-f", manifest])
            #expect(badPod.status == 1)
            #expect(badPod.error.contains("The Pod \"probe\" is invalid: ") && badPod.error.contains("spec.containers[0].livenessProbe: Required value: must specify a handler type")
                && badPod.error.contains("spec.containers[0].volumeMounts[0].name: Not found: \"nope\""), "\(badPod.error)")
        }
    }

    @Test("delete waits for the object to go; deleting a namespace removes its contents")
    func deletes() throws {
        try withMaster { master in
            try ok(master, ["create", "namespace", "tmp"])
            try ok(master, ["create", "configmap", "one", "-n", "tmp"])
            try ok(master, ["create", "configmap", "two", "-n", "tmp"])
            try ok(master, ["label", "configmap", "two", "-n", "tmp", "drop=yes"])
            #expect(try ok(master, ["delete", "configmap", "-n", "tmp", "-l", "drop=yes"]) == "configmap \"two\" deleted\n")
            #expect(try ok(master, ["delete", "configmap", "one", "-n", "tmp", "--wait"]) == "configmap \"one\" deleted\n")
            try ok(master, ["create", "configmap", "three", "-n", "tmp"])
            #expect(try ok(master, ["delete", "namespace", "tmp", "--timeout=30s"]) == "namespace \"tmp\" deleted\n")
            let gone = try master.kubectl(["get", "namespace", "tmp"])
            #expect(gone.status == 1 && gone.error.contains("namespaces \"tmp\" not found"))
            #expect(try ok(master, ["get", "configmaps", "-A", "-o", "name"]).contains("three") == false)
        }
    }

    @Test("get -w sees a change made by another client")
    func watch() throws {
        try withMaster { master in
            try ok(master, ["create", "namespace", "live"])
            let watcher = try master.startKubectl(["get", "configmaps", "-n", "live", "-w", "-o", "name"])
            defer { watcher.kill() }
            usleep(500_000)
            try ok(master, ["create", "configmap", "fresh", "-n", "live"])
            #expect(eventually(10) { watcher.output.contains("configmap/fresh") }, "\(watcher.output)")
        }
    }
}

@Suite("kubectl manifests against daas-master", .blockingWaits)
struct KubectlManifestTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-manifest-\(UUID().uuidString)").path

    @Test("create -f and a first apply -f of a manifest, then describe")
    func manifests() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let manifest = root + "/pod.yaml"
        try """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels: {app: web}
            spec:
              containers:
              - name: nginx
                image: nginx:1.27
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: applied
            data:
              k: v
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let created = try master.kubectl(["create", "-f", manifest])
        #expect(created.status == 0 && created.output == "pod/web created\nconfigmap/applied created\n", "\(created.error)")
        let applied = try master.kubectl(["apply", "-f", root + "/pod.yaml", "-n", "kube-public"])
        #expect(applied.status == 0 && applied.output == "pod/web created\nconfigmap/applied created\n", "\(applied.error)")
        let annotation = try master.kubectl(["get", "cm", "applied", "-n", "kube-public", "-o", "jsonpath={.metadata.annotations}"])
        #expect(annotation.output.contains("kubectl.kubernetes.io/last-applied-configuration"))
        // A second apply sends a strategic merge patch: changed fields update, removed ones go.
        let app = root + "/app.yaml"
        let deploymentManifest = { (replicas: Int, image: String, labels: String, sidecar: Bool) -> String in
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: app, labels: {\(labels)}}
            spec:
              replicas: \(replicas)
              selector: {matchLabels: {app: app}}
              template:
                metadata: {labels: {app: app}}
                spec:
                  containers:
                  - {name: web, image: "\(image)", ports: [{containerPort: 80}]}
            \(sidecar ? "      - {name: side, image: busybox}" : "")
            """
        }
        try deploymentManifest(2, "nginx:1.27", "team: a, keep: \"yes\"", true).write(toFile: app, atomically: true, encoding: .utf8)
        #expect(try master.kubectl(["apply", "-f", app]).output == "deployment.apps/app created\n")
        try deploymentManifest(4, "nginx:1.28", "team: b", false).write(toFile: app, atomically: true, encoding: .utf8)
        let configured = try master.kubectl(["apply", "-f", app])
        #expect(configured.output == "deployment.apps/app configured\n", "\(configured.error)")
        let state = try master.kubectl(["get", "deployment", "app", "-o", "jsonpath={.spec.replicas} {.metadata.labels} {.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].image}"])
        #expect(state.output == "4 {\"team\":\"b\"} web nginx:1.28")
        #expect(try master.kubectl(["apply", "-f", app]).output == "deployment.apps/app unchanged\n")

        // kubectl leaves field validation to the server, which knows the schema.
        let typo = root + "/typo.yaml"
        try """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: typo}
            spec:
              replica: 2
              selector: {matchLabels: {app: t}}
              template:
                metadata: {labels: {app: t}}
                spec: {containers: [{name: c, image: nginx, imagex: nginx}]}
            """.write(toFile: typo, atomically: true, encoding: .utf8)
        let strict = try master.kubectl(["create", "-f", typo])
        #expect(strict.status == 1)
        #expect(strict.error == "Error from server (BadRequest): error when creating \"\(typo)\": Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.replica\", unknown field \"spec.template.spec.containers[0].imagex\"\n")
        let warned = try master.kubectl(["create", "-f", typo, "--validate=warn"])
        #expect(warned.status == 0 && warned.error == "Warning: unknown field \"spec.replica\"\nWarning: unknown field \"spec.template.spec.containers[0].imagex\"\n", "\(warned.error)")
        let explained = try master.kubectl(["explain", "deployment.spec.replicas"])
        #expect(explained.status == 0 && explained.output.contains("FIELD: replicas <integer>") && explained.output.contains("Defaults to 1."))
        // The same from /openapi/v2's definitions, which kubectl reads for its v2 output.
        let v2 = try master.kubectl(["explain", "deployment.spec.strategy", "--output=plaintext-openapiv2"])
        #expect(v2.status == 0 && v2.output.contains("RESOURCE: strategy <Object>") && v2.output.contains("rollingUpdate\t<Object>"), "\(v2.output)\(v2.error)")
        let map = try master.kubectl(["explain", "configmap.data", "--output=plaintext-openapiv2"])
        #expect(map.output.contains("FIELD:    data <map[string]string>"), "\(map.output)\(map.error)")

        let described = try master.kubectl(["describe", "pod", "web"])
        #expect(described.status == 0 && described.output.contains("nginx:1.27") && described.output.contains("app=web"), "\(described.output)")
    }
}
