import DaaSTestSupport
import Foundation
import Testing

/// CustomResourceDefinitions and APIServices through the real kubectl and the Python client.
@Suite("CustomResourceDefinitions and API aggregation", .blockingWaits)
struct CustomResourceEndToEndTests {
    static let repository = repositoryRoot()
    static let fixtures = repository.appendingPathComponent("Tests/EndToEndTests/Fixtures/crds").path
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-crd-\(UUID().uuidString)").path

    func withMaster(_ body: (MasterProcess) throws -> Void) throws {
        try DaaSTestSupport.withMaster(root: root, body)
    }

    func write(_ text: String, _ name: String) throws -> String {
        try writeFile(text, in: root, named: name)
    }

    @Test("a CRD serves its kind: printer columns, defaults, validation, explain, status, scale, versions, categories; deleting it deletes its objects")
    func widgets() throws {
        try withMaster { master in
            // As created (before the establishing controller), the status is upstream's empty one.
            let created = try master.ok(["create", "-f", Self.fixtures + "/widgets.example.com.yaml", "-o", "jsonpath={.status}"])
            #expect(created == #"{"acceptedNames":{"kind":"","plural":""},"storedVersions":["v1"]}"#, "\(created)")
            #expect(try master.ok(["wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s"]) == "customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met\n")
            let resources = try master.ok(["api-resources", "--api-group=example.com"])
            #expect(resources.contains("widgets") && resources.contains("wd") && resources.contains("Widget"), "\(resources)")
            let widget = try write("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: small, color: blue, port: 80}\n", "w1.yaml")
            #expect(try master.ok(["create", "-f", widget]) == "widget.example.com/w1 created\n")
            let table = try master.ok(["get", "widgets"])
            #expect(table.hasPrefix("NAME   SIZE    REPLICAS   AGE\nw1     small   1          "), "\(table)")
            // Defaulted (replicas) and stored in the storage version, answered in the version asked for.
            #expect(try master.ok(["get", "wd", "w1", "-o", "jsonpath={.apiVersion} {.spec.replicas} {.spec.port}"]) == "example.com/v1 1 80")
            #expect(try master.ok(["get", "widgets.v1beta1.example.com", "w1", "-o", "jsonpath={.apiVersion}"]) == "example.com/v1beta1")
            let yaml = try master.ok(["get", "widget", "w1", "-o", "yaml"])
            #expect(yaml.contains("kind: Widget") && yaml.contains("size: small"))

            let bad = try write("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: bad}\nspec: {size: huge, color: Blue1, replicas: -1, port: [1]}\n", "bad.yaml")
            let invalid = try master.kubectl(["create", "-f", bad])
            #expect(invalid.status == 1)
            #expect(invalid.error == """
                The Widget "bad" is invalid: \n\
                * spec.color: Invalid value: "Blue1": spec.color in body should match '^[a-z]+$'
                * spec.port: Invalid value: "array": spec.port in body must be of type integer or string: "array"
                * spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0
                * spec.size: Unsupported value: "huge": supported values: "small", "large"

                """, "\(invalid.error)")
            let unknown = try master.kubectl(["create", "-f", try write("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: u}\nspec: {size: small, extra: 1}\n", "u.yaml")])
            #expect(unknown.error.contains("strict decoding error: unknown field \"spec.extra\""), "\(unknown.error)")
            #expect(try master.kubectl(["create", "-f", try write("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: r}\n", "r.yaml")]).error == "The Widget \"r\" is invalid: spec: Required value\n")

            let explained = try master.ok(["explain", "widget.spec.size"])
            #expect(explained.contains("FIELD: size <string>") && explained.contains("How big the widget is."), "\(explained)")

            // The status subresource: the main resource ignores status, /status writes only status.
            _ = try master.ok(["patch", "widget", "w1", "--type=merge", "-p", #"{"status":{"replicas":9}}"#])
            #expect(try master.ok(["get", "widget", "w1", "-o", "jsonpath={.status}"]) == "")
            _ = try master.ok(["patch", "widget", "w1", "--subresource=status", "--type=merge", "-p", #"{"status":{"replicas":2,"selector":"app=w"},"spec":{"size":"large"}}"#])
            #expect(try master.ok(["get", "widget", "w1", "-o", "jsonpath={.status.replicas} {.spec.size}"]) == "2 small")
            // The scale subresource, by the definition's paths.
            #expect(try master.ok(["scale", "widget", "w1", "--replicas=3"]) == "widget.example.com/w1 scaled\n")
            #expect(try master.ok(["get", "--raw", "/apis/example.com/v1/namespaces/default/widgets/w1/scale"]).contains(#""spec":{"replicas":3},"status":{"replicas":2,"selector":"app=w"}"#))
            // Categories, label selectors, server-side apply.
            #expect(try master.ok(["get", "toys", "-o", "name"]) == "widget.example.com/w1\n")
            _ = try master.ok(["label", "widget", "w1", "tier=front"])
            #expect(try master.ok(["get", "widgets", "-l", "tier=front", "-o", "name"]) == "widget.example.com/w1\n")
            #expect(try master.ok(["apply", "--server-side", "-f", widget]) == "widget.example.com/w1 serverside-applied\n")
            let strategic = try master.kubectl(["patch", "widget", "w1", "--type=strategic", "-p", #"{"spec":{"color":"red"}}"#])
            #expect(strategic.status == 1 && strategic.error.contains("UnsupportedMediaType") || strategic.error.contains("unknown format"), "\(strategic.error)")

            _ = try master.ok(["delete", "crd", "widgets.example.com"])
            #expect(try master.kubectl(["get", "widgets"]).status == 1)
            #expect(try master.ok(["get", "crd", "-o", "name"]) == "")
            _ = try master.ok(["apply", "-f", Self.fixtures + "/widgets.example.com.yaml"])
            _ = try master.ok(["wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s"])
            #expect(try master.ok(["get", "widgets", "-A", "-o", "name"]) == "", "objects of a deleted definition must not come back")
        }
    }

    @Test("real-world CRDs (cert-manager, Prometheus Operator, Gateway API) install and serve their examples")
    func realWorld() throws {
        try withMaster { master in
            for name in ["cert-manager.io_certificates", "monitoring.coreos.com_servicemonitors", "gateway.networking.k8s.io_gatewayclasses"] {
                let applied = try master.kubectl(["apply", "--server-side", "-f", Self.fixtures + "/\(name).yaml"])
                #expect(applied.status == 0, "\(name): \(applied.error)")
            }
            _ = try master.ok(["wait", "--for=condition=Established", "crd", "--all", "--timeout=30s"])
            for example in ["certificate", "servicemonitor", "gatewayclass"] {
                let created = try master.kubectl(["create", "-f", Self.fixtures + "/\(example)-example.yaml"])
                #expect(created.status == 0, "\(example): \(created.error)")
            }
            let certificates = try master.ok(["get", "certificates"])
            #expect(certificates.hasPrefix("NAME           READY   SECRET             AGE\nexample-cert           example-cert-tls   "), "\(certificates)")
            let classes = try master.ok(["get", "gatewayclasses", "-o", "wide"])
            #expect(classes.contains("example.com/gateway-controller") && classes.contains("Example GatewayClass for end-to-end tests"), "\(classes)")
            #expect(try master.ok(["get", "smon", "-o", "jsonpath={.items[0].spec.endpoints[0].interval}"]) == "30s")
            // GatewayClass declares a CEL rule this server cannot evaluate: the write says so.
            let gateway = try master.kubectl(["apply", "-f", Self.fixtures + "/gateway.networking.k8s.io_gatewayclasses.yaml"])
            #expect(gateway.error.contains("x-kubernetes-validations rule(s) are stored but not evaluated"), "\(gateway.error)")
            #expect(try master.ok(["get", "--raw", "/apis/cert-manager.io/v1"]).contains("\"certificates/status\""))
        }
    }

    @Test("APIServices: one per served group-version, local ones Available; a remote one says why it is not")
    func apiServices() throws {
        try withMaster { master in
            #expect(eventually(30) { ((try? master.ok(["get", "apiservices", "v1.", "v1.apps"])) ?? "").contains("v1.apps   Local     True") })
            let remote = try write("""
                apiVersion: apiregistration.k8s.io/v1
                kind: APIService
                metadata: {name: v1beta1.metrics.k8s.io}
                spec: {group: metrics.k8s.io, version: v1beta1, groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true, service: {name: metrics-server, namespace: kube-system}}
                """, "remote.yaml")
            _ = try master.ok(["apply", "-f", remote])
            #expect(eventually(30) {
                ((try? master.ok(["get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "jsonpath={.status.conditions[0].reason}"])) ?? "") == "ServiceNotFound"
            })
            let bad = try master.kubectl(["apply", "-f", try write("apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: wrong}\nspec: {group: a.io, version: v1, groupPriorityMinimum: 1, versionPriority: 1}\n", "bad.yaml")])
            #expect(bad.status == 1 && bad.error.contains("metadata.name: Invalid value: \"wrong\""), "\(bad.error)")
        }
    }

    @Test("a remote APIService: its group is proxied to the extension server with the front-proxy identity, and discovered")
    func aggregatedServer() throws {
        try withMaster { master in
            let certificate = root + "/ext.crt"
            let key = root + "/ext.key"
            let made = try run("/usr/bin/env", [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", certificate,
                "-days", "1", "-subj", "/CN=metrics-server", "-addext", "subjectAltName=DNS:metrics-server.kube-system.svc",
            ], timeout: 30)
            try #require(made.status == 0, "\(made.error)")
            let script = Self.repository.appendingPathComponent("Tests/Python/extension_apiserver.py").path
            let server = try ChildProcess("/usr/bin/env", ["python3", script, certificate, key, master.dataDir + "/pki/front-proxy-ca.crt"], outputPath: root + "/ext.log")
            defer { server.kill() }
            #expect(eventually(20) { Int(server.output.split(separator: "\n").first ?? "") != nil })
            let port = try #require(Int(server.output.split(separator: "\n").first ?? ""))
            let bundle = try Data(contentsOf: URL(fileURLWithPath: certificate)).base64EncodedString()
            let manifest = try write("""
                apiVersion: v1
                kind: Service
                metadata: {name: metrics-server, namespace: kube-system}
                spec: {ports: [{name: https, port: 443, targetPort: \(port)}]}
                ---
                apiVersion: v1
                kind: Endpoints
                metadata: {name: metrics-server, namespace: kube-system}
                subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{name: https, port: \(port)}]}]
                ---
                apiVersion: apiregistration.k8s.io/v1
                kind: APIService
                metadata: {name: v1beta1.metrics.k8s.io}
                spec: {group: metrics.k8s.io, version: v1beta1, groupPriorityMinimum: 100, versionPriority: 100, caBundle: \(bundle), service: {name: metrics-server, namespace: kube-system}}
                """, "aggregated.yaml")
            _ = try master.ok(["apply", "-f", manifest])
            #expect(eventually(30) {
                ((try? master.ok(["get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "jsonpath={.status.conditions[0].status} {.status.conditions[0].reason}"])) ?? "") == "True Passed"
            })
            let raw = try master.ok(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes"])
            // The extension server saw the user and groups, the front proxy's certificate, and no client credentials.
            #expect(raw.contains(#"\"authorization\": false, \"client\": \"front-proxy-client\", \"groups\": [\"system:masters\", \"system:authenticated\"], \"user\": \"system:admin\""#), "\(raw)")
            let resources = try master.ok(["api-resources", "--api-group=metrics.k8s.io"])
            #expect(resources.contains("NodeMetrics") && resources.contains("PodMetrics"), "\(resources)")
            #expect(try master.ok(["get", "configmap", "-n", "kube-system", "extension-apiserver-authentication", "-o", "jsonpath={.data.requestheader-allowed-names}"]) == #"["front-proxy-client"]"#)
            // A CA bundle the server's certificate does not chain to fails the discovery check.
            _ = try master.ok(["patch", "apiservice", "v1beta1.metrics.k8s.io", "--type=merge", "-p", #"{"spec":{"caBundle":null,"insecureSkipTLSVerify":false}}"#])
            #expect(eventually(30) {
                ((try? master.ok(["get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "jsonpath={.status.conditions[0].reason}"])) ?? "") == "FailedDiscoveryCheck"
            })
        }
    }
}
