import DaaSTestSupport
import Foundation
import Testing

/// Hostile input, shutdown, dry runs, write options and trust gaps, through the public surface:
/// curl and kubectl against a started daas-master.
@Suite("daas-master hardening", .blockingWaits)
struct HardeningEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-hardening-\(UUID().uuidString)").path

    /// An HTTP answer: status code and body.
    struct Answer {
        var status: Int
        var body: String
    }

    /// Sends one request with curl: as the admin (client certificate) unless `token` is given.
    func http(
        _ master: MasterProcess, _ method: String, _ path: String, body: String? = nil, token: String? = nil,
        contentType: String = "application/json"
    ) throws -> Answer {
        var arguments = ["curl", "-s", "--max-time", "30", "--cacert", master.dataDir + "/pki/ca.crt", "-X", method, "-w", "\n%{http_code}"]
        if let token {
            arguments += ["-H", "Authorization: Bearer \(token)"]
        } else {
            arguments += ["--cert", master.dataDir + "/pki/admin.crt", "--key", master.dataDir + "/pki/admin.key"]
        }
        if let body { arguments += ["-H", "Content-Type: \(contentType)", "--data-binary", body] }
        let result = try run("/usr/bin/env", arguments + [master.server + path], timeout: 60)
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        return Answer(status: Int(lines.last ?? "") ?? 0, body: lines.dropLast().joined(separator: "\n"))
    }

    static func base64url(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test("hostile bearer tokens (Int64 ends, combining marks, junk) get 401 and the master keeps serving")
    func hostileTokens() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let address = "0x" + String(repeating: "ab", count: 32)
        func payload(iss: String = address, iat: String = "1800000000", exp: String = "1800000600", nonce: String = "AAAAAAAAAAAAAAAAAAAAAA", extra: String = "") -> String {
            "{\"dom\":\"k3s-daas/seal/v1\",\"iss\":\"\(iss)\",\"sub\":\"user:x\",\"aud\":\"c\",\"iat\":\(iat),\"exp\":\(exp),\"nonce\":\"\(nonce)\"\(extra)}"
        }
        let payloads = [
            payload(iat: "-9223372036854775808", exp: "9223372036854775807"),
            payload(iat: "0", exp: "9223372036854775807"),
            payload(iat: "-9223372036854775808", exp: "-9223372036854775807"),
            payload(iat: "9223372036854775806", exp: "9223372036854775807"),
            payload(iss: "\u{301}0x" + String(repeating: "ab", count: 32).dropFirst()),
            payload(iss: "0x" + String(repeating: "ab", count: 31) + "a\u{301}"),
            payload(extra: ",\"stake\":[\"\u{301}0x5\"]"),
            payload(extra: ",\"stake\":[\"0x" + String(repeating: "\u{301}", count: 64) + "\"]"),
            payload(nonce: String(repeating: "\u{301}", count: 22)),
            payload(iat: "1e400", exp: "1"),
            "{\"dom\":" + String(repeating: "[", count: 5000) + "}",
            String(repeating: "[", count: 2900),
            "{\"dom\":" + String(repeating: "{\"a\":", count: 500) + "1" + String(repeating: "}", count: 501),
        ]
        var tokens = payloads.map { "seal.v1.\(Self.base64url($0)).AA" }
        tokens += ["seal.v1..", "seal.v1.\u{301}.AA", "seal.v1." + String(repeating: "A", count: 9000) + ".AA", "not-a-seal-token", "seal.v1.e30.AA"]
        for token in tokens {
            let answer = try http(master, "GET", "/api/v1/namespaces", token: token)
            #expect(answer.status == 401, "\(token.prefix(60)): \(answer.status) \(answer.body.prefix(200))")
        }
        // A continue token of deep nesting (Foundation's JSON decoder traps on those) is a 400.
        let nested = Data(String(repeating: "[", count: 3000).utf8).base64EncodedString()
        let list = try http(master, "GET", "/api/v1/namespaces/default/configmaps?limit=1&continue=\(nested)")
        #expect(list.status == 400 && list.body.contains("continue key is not valid"), "\(list.status) \(list.body.prefix(200))")
        #expect(master.child.isRunning, "the master survived: \(master.child.output.suffix(2000))")
        #expect(try master.kubectl(["get", "namespaces", "default", "-o", "name"]).output == "namespace/default\n")
        #expect(master.stop() == 0)
    }

    @Test("SIGTERM ends open watches (kubectl get -w, HTTP/1.1 and HTTP/2), drains, closes the store and exits 0")
    func shutdownWithWatches() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data", arguments: ["--shutdown-grace-period", "3"])
        let watcher = try master.startKubectl(["get", "namespaces", "-w"])
        defer { watcher.kill() }
        let ca = master.dataDir + "/pki/ca.crt", cert = master.dataDir + "/pki/admin.crt", key = master.dataDir + "/pki/admin.key"
        let url = master.server + "/api/v1/configmaps?watch=true"
        let http1 = try ChildProcess("/usr/bin/env", ["curl", "-sN", "--http1.1", "--cacert", ca, "--cert", cert, "--key", key, url])
        let http2 = try ChildProcess("/usr/bin/env", ["curl", "-sN", "--http2", "--cacert", ca, "--cert", cert, "--key", key, url])
        defer {
            http1.kill()
            http2.kill()
        }
        #expect(eventually(20) { watcher.output.contains("kube-system") }, "\(watcher.output)")
        #expect(try master.kubectl(["create", "configmap", "seen"]).status == 0)
        #expect(eventually(20) { http1.output.contains("\"seen\"") && http2.output.contains("\"seen\"") }, "\(http1.output) \(http2.output)")

        master.child.signal(SIGTERM)
        // The deadline is the grace period (3 s) plus slack for a loaded machine: a master that
        // waits on its watches never exits and is killed here.
        let status = master.child.wait(timeout: 13)
        #expect(status == 0, "exit \(String(describing: status)): \(master.child.output.suffix(3000))")
        #expect(master.child.output.contains("open watches ended"), "\(master.child.output.suffix(2000))")
        // The watch streams ended: over HTTP/1.1 cleanly (curl exits 0 on a complete chunked
        // response); over HTTP/2 the stream ends and the connection closes after GOAWAY (curl
        // exits 0, or 18 when the connection closes before it reads the stream's last frame).
        #expect(http1.wait(timeout: 10) == 0, "\(http1.output.suffix(500))")
        let http2Exit = http2.wait(timeout: 10)
        #expect(http2Exit == 0 || http2Exit == 18, "\(String(describing: http2Exit)) \(http2.output.suffix(500))")
        #expect(watcher.wait(timeout: 15) != nil, "kubectl get -w saw its watch end")
        #expect(try runProduct("daasctl", ["store", "status", "--data-dir", master.dataDir]).status == 0, "the store was closed and unlocked")
    }

    @Test("dryRun=All runs admission and validation and stores nothing: create, update, patch, scale, delete, deletecollection")
    func dryRun() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        try master.ok(["create", "configmap", "real", "--from-literal=a=b"])
        #expect(try master.ok(["delete", "configmap", "real", "--dry-run=server"]) == "configmap \"real\" deleted (server dry run)\n")
        #expect(try master.ok(["get", "configmap", "real", "-o", "jsonpath={.data.a}"]) == "b")

        let dry = try master.ok(["create", "configmap", "dry", "--from-literal=x=y", "--dry-run=server", "-o", "jsonpath={.metadata.name} {.metadata.uid} [{.metadata.resourceVersion}]"])
        #expect(dry.hasPrefix("dry ") && dry.hasSuffix(" []"), "a uid, no resourceVersion: \(dry)")
        #expect(try master.kubectl(["get", "configmap", "dry"]).error.contains("NotFound"))

        // A Service's dry run shows a ClusterIP it does not keep: a real Service can take it.
        let ip = try master.ok(["create", "service", "clusterip", "dry-svc", "--tcp=80", "--dry-run=server", "-o", "jsonpath={.spec.clusterIP}"])
        #expect(ip.hasPrefix("10.43."), "\(ip)")
        #expect(try master.kubectl(["get", "service", "dry-svc"]).error.contains("NotFound"))
        #expect(try master.ok(["create", "service", "clusterip", "taker", "--tcp=80", "--clusterip=\(ip)", "-o", "jsonpath={.spec.clusterIP}"]) == ip)

        // Validation and admission still run.
        let invalid = try master.kubectl(["create", "configmap", "Bad_Name", "--dry-run=server"])
        #expect(invalid.status == 1 && invalid.error.contains("Invalid value: \"Bad_Name\""), "\(invalid.error)")
        let taken = try master.kubectl(["create", "service", "clusterip", "second", "--tcp=80", "--clusterip=\(ip)", "--dry-run=server"])
        #expect(taken.status == 1 && taken.error.contains("already allocated"), "\(taken.error)")

        #expect(try master.ok(["label", "configmap", "real", "tier=web", "--dry-run=server", "-o", "jsonpath={.metadata.labels.tier}"]) == "web")
        #expect(try master.ok(["get", "configmap", "real", "-o", "jsonpath={.metadata.labels}"]).isEmpty)
        try master.ok(["create", "deployment", "web", "--image=nginx", "--replicas=1"])
        #expect(try master.ok(["scale", "deployment", "web", "--replicas=5", "--dry-run=server"]).contains("scaled (server dry run)"))
        #expect(try master.ok(["get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"]) == "1")
        let manifest = root + "/real.yaml"
        try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: real}\ndata: {a: replaced}\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try master.ok(["replace", "-f", manifest, "--dry-run=server"]).contains("replaced (server dry run)"))
        #expect(try master.ok(["apply", "-f", manifest, "--dry-run=server"]).contains("(server dry run)"))
        #expect(try master.ok(["get", "configmap", "real", "-o", "jsonpath={.data.a}"]) == "b")

        let collection = try http(master, "DELETE", "/api/v1/namespaces/default/configmaps?dryRun=All")
        #expect(collection.status == 200 && collection.body.contains("\"real\""), "\(collection.body)")
        #expect(try master.ok(["get", "configmap", "real", "-o", "name"]) == "configmap/real\n")

        let unknown = try http(master, "POST", "/api/v1/namespaces/default/configmaps?dryRun=Foo", body: #"{"metadata":{"name":"u"}}"#)
        #expect(unknown.status == 422, "\(unknown.body)")
        #expect(unknown.body.contains(#"CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"Foo\"}: supported values: \"All\""#), "\(unknown.body)")
        for (method, path, body) in [("PUT", "/api/v1/namespaces/default/configmaps/real?dryRun=Foo", #"{"metadata":{"name":"real"}}"#),
                                     ("DELETE", "/api/v1/namespaces/default/configmaps/real?dryRun=Foo", nil)] {
            let answer = try http(master, method, path, body: body)
            #expect(answer.status == 422 && answer.body.contains("dryRun: Unsupported value"), "\(method): \(answer.body)")
        }
        let patched = try http(master, "PATCH", "/api/v1/namespaces/default/configmaps/real?dryRun=Foo", body: "{}", contentType: "application/merge-patch+json")
        #expect(patched.status == 422 && patched.body.contains("PatchOptions.meta.k8s.io"), "\(patched.body)")
        #expect(try master.ok(["get", "configmaps", "-o", "name"]).split(separator: "\n").filter { $0 != "configmap/kube-root-ca.crt" } == ["configmap/real"])
    }

    @Test("delete options are honoured or refused: propagationPolicy, gracePeriodSeconds, preconditions; fieldManager is validated")
    func deleteAndWriteOptions() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        #expect(try master.kubectl(["create", "configmap", "keep"]).status == 0)
        // Foreground and Orphan hold the object with a finalizer the garbage collector removes.
        for cascade in ["foreground", "orphan"] {
            #expect(try master.kubectl(["create", "configmap", cascade]).status == 0)
            let deleted = try master.kubectl(["delete", "configmap", cascade, "--cascade=\(cascade)", "--timeout=30s"])
            #expect(deleted.status == 0, "\(deleted.error)")
            #expect(try master.kubectl(["get", "configmap", cascade]).error.contains("NotFound"))
        }
        let bogus = try http(master, "DELETE", "/api/v1/namespaces/default/configmaps/keep", body: #"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Bogus"}"#)
        #expect(bogus.status == 422, "\(bogus.body)")
        #expect(bogus.body.contains(#"propagationPolicy: Unsupported value: \"Bogus\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""#), "\(bogus.body)")
        let both = try http(master, "DELETE", "/api/v1/namespaces/default/configmaps/keep", body: #"{"orphanDependents":true,"propagationPolicy":"Background"}"#)
        #expect(both.status == 422 && both.body.contains("orphanDependents and deletionPropagation cannot be both set"), "\(both.body)")
        let badGrace = try http(master, "DELETE", "/api/v1/namespaces/default/configmaps/keep?gracePeriodSeconds=soon")
        #expect(badGrace.status == 400, "\(badGrace.body)")
        #expect(try master.kubectl(["get", "configmap", "keep", "-o", "name"]).output == "configmap/keep\n", "nothing was deleted")
        let gone = try http(master, "DELETE", "/api/v1/namespaces/default/configmaps/keep", body: #"{"propagationPolicy":"Background"}"#)
        #expect(gone.status == 200 && gone.body.contains(#""kind":"Status""#) && gone.body.contains(#""status":"Success""#), "\(gone.body)")

        // A pod bound to a node is deleted gracefully: Terminating until its node (or a force) removes it.
        let pod = root + "/pod.yaml"
        try """
            apiVersion: v1
            kind: Pod
            metadata: {name: bound}
            spec: {nodeName: worker-x, terminationGracePeriodSeconds: 45, containers: [{name: c, image: busybox}]}
            """.write(toFile: pod, atomically: true, encoding: .utf8)
        #expect(try master.kubectl(["create", "-f", pod]).status == 0)
        #expect(try master.kubectl(["delete", "pod", "bound", "--wait=false"]).status == 0)
        #expect(try master.kubectl(["get", "pod", "bound", "-o", "jsonpath={.metadata.deletionGracePeriodSeconds}"]).output == "45")
        #expect(try master.kubectl(["get", "pod", "bound"]).output.contains("Terminating"))
        #expect(try master.kubectl(["delete", "pod", "bound", "--grace-period=0", "--force"]).status == 0)
        #expect(try master.kubectl(["get", "pod", "bound"]).error.contains("NotFound"))

        let longManager = String(repeating: "m", count: 129)
        let tooLong = try http(master, "POST", "/api/v1/namespaces/default/configmaps?fieldManager=\(longManager)", body: #"{"metadata":{"name":"f"}}"#)
        #expect(tooLong.status == 422 && tooLong.body.contains("fieldManager: Too long: may not be more than 128 bytes"), "\(tooLong.body)")
        let control = try http(master, "POST", "/api/v1/namespaces/default/configmaps?fieldManager=a%09b", body: #"{"metadata":{"name":"f"}}"#)
        #expect(control.status == 422 && control.body.contains("invalid character U+0009 (at position 1)"), "\(control.body)")
        let force = try http(master, "PATCH", "/api/v1/namespaces/default/configmaps/f?force=true", body: "{}", contentType: "application/merge-patch+json")
        #expect(force.status == 422 && force.body.contains("force: Forbidden: may not be specified for non-apply patch"), "\(force.body)")
    }

    @Test("RBAC: roles and bindings need escalate/bind or every granted rule; pods/* matches nothing")
    func rbacEscalation() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let config = root + "/alice.kubeconfig"
        #expect(try runProduct("daasctl", ["pki", "user", "alice", "--group", "devs", "--data-dir", master.dataDir, "--server", master.server, "-o", config]).status == 0)
        func alice(_ arguments: [String]) throws -> CommandResult { try run("/usr/bin/env", ["kubectl", "--kubeconfig", config] + arguments) }
        func admin(_ arguments: [String]) throws {
            let result = try master.kubectl(arguments)
            #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")): \(result.error)")
        }
        try admin(["create", "clusterrole", "rbac-editor", "--verb=get,list,create,update,patch", "--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io"])
        try admin(["create", "clusterrole", "cm-reader", "--verb=get,list", "--resource=configmaps"])
        try admin(["create", "rolebinding", "alice-rbac", "--clusterrole=rbac-editor", "--user=alice"])
        try admin(["create", "rolebinding", "alice-cm", "--clusterrole=cm-reader", "--user=alice"])

        #expect(try alice(["create", "role", "cm-only", "--verb=get", "--resource=configmaps"]).status == 0, "covered by what alice holds")
        let escalate = try alice(["create", "role", "secrets", "--verb=get", "--resource=secrets"])
        #expect(escalate.status == 1)
        #expect(escalate.error.contains("""
            roles.rbac.authorization.k8s.io "secrets" is forbidden: user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
            {APIGroups:[""], Resources:["secrets"], Verbs:["get"]}
            """), "\(escalate.error)")
        let bind = try alice(["create", "rolebinding", "alice-edit", "--clusterrole=edit", "--user=alice"])
        #expect(bind.status == 1 && bind.error.contains("is attempting to grant RBAC permissions not currently held"), "\(bind.error)")
        #expect(try alice(["create", "rolebinding", "bob-cm", "--clusterrole=cm-reader", "--user=bob"]).status == 0, "binding a role alice covers")

        try admin(["create", "clusterrole", "bind-edit", "--verb=bind", "--resource=clusterroles.rbac.authorization.k8s.io", "--resource-name=edit"])
        try admin(["create", "rolebinding", "alice-bind", "--clusterrole=bind-edit", "--user=alice"])
        #expect(try alice(["create", "rolebinding", "alice-edit", "--clusterrole=edit", "--user=alice"]).status == 0, "bind on edit")
        try admin(["create", "clusterrole", "escalator", "--verb=escalate", "--resource=roles.rbac.authorization.k8s.io"])
        try admin(["create", "rolebinding", "alice-escalate", "--clusterrole=escalator", "--user=alice"])
        #expect(try alice(["create", "role", "secrets", "--verb=get", "--resource=secrets"]).status == 0, "escalate on roles")

        let manifest = root + "/subresources.yaml"
        try """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: pods-star}
            rules: [{apiGroups: [""], resources: ["pods/*"], verbs: ["*"]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: carol-pods-star}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pods-star}
            subjects: [{kind: User, name: carol}]
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        try admin(["apply", "-f", manifest])
        #expect(try master.kubectl(["auth", "can-i", "list", "pods", "--as", "carol"]).output == "no\n")
        #expect(try master.kubectl(["auth", "can-i", "get", "pods", "--subresource=log", "--as", "carol"]).output == "no\n")
    }

    @Test("a node reads only the secrets and configmaps its pods reference")
    func nodeReads() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let config = root + "/node.kubeconfig"
        #expect(try runProduct("daasctl", ["pki", "user", "system:node:n1", "--group", "system:nodes", "--data-dir", master.dataDir, "--server", master.server, "-o", config]).status == 0)
        func node(_ arguments: [String]) throws -> CommandResult { try run("/usr/bin/env", ["kubectl", "--kubeconfig", config] + arguments) }
        for name in ["used", "unused"] { #expect(try master.kubectl(["create", "secret", "generic", name, "--from-literal=k=v"]).status == 0) }
        #expect(try master.kubectl(["create", "configmap", "settings"]).status == 0)
        let pod = root + "/pod.yaml"
        try """
            apiVersion: v1
            kind: Pod
            metadata: {name: app}
            spec:
              nodeName: n1
              containers: [{name: c, image: busybox, envFrom: [{configMapRef: {name: settings}}]}]
              volumes: [{name: s, secret: {secretName: used}}]
            """.write(toFile: pod, atomically: true, encoding: .utf8)
        #expect(try master.kubectl(["create", "-f", pod]).status == 0)
        #expect(try node(["get", "secret", "used", "-o", "jsonpath={.data.k}"]).output == "dg==")
        #expect(try node(["get", "configmap", "settings", "-o", "name"]).output == "configmap/settings\n")
        #expect(try node(["get", "secrets", "--field-selector", "metadata.name=used", "-o", "name"]).output == "secret/used\n", "a single-object list")
        let other = try node(["get", "secret", "unused"])
        #expect(other.status == 1)
        #expect(other.error.contains(#"secrets "unused" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'n1' and this object"#), "\(other.error)")
        #expect(try node(["get", "secrets"]).status == 1, "no listing every secret")
    }

    @Test("a flood of fresh tokens from one client is bounded while the chain is slow; other clients are served")
    func tokenFlood() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let script = repositoryRoot().appendingPathComponent("Tests/Python/slow_sui_rpc.py").path
        let slow = try ChildProcess("/usr/bin/env", ["python3", script, "4"], outputPath: root + "/slow.out")
        defer { slow.kill() }
        var port = 0
        #expect(eventually(10) {
            port = Int(slow.output.split(separator: "\n").first ?? "") ?? 0
            return port > 0
        })
        let master = try MasterProcess.start(dataDir: root + "/data", arguments: ["--sui-rpc", "http://127.0.0.1:\(port)"])
        defer { master.stop() }
        let keystore = root + "/k.keystore"
        #expect(try runProduct("daasctl", ["key", "new", "--keystore", keystore]).status == 0)
        let clusterID = try String(contentsOfFile: master.dataDir + "/cluster-id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let tokensFile = root + "/tokens"
        var tokens: [String] = []
        for _ in 0..<24 {
            let minted = try runProduct("daasctl", ["token", "--audience", clusterID, "--raw", "--keystore", keystore])
            tokens.append(minted.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try tokens.joined(separator: "\n").write(toFile: tokensFile, atomically: true, encoding: .utf8)
        let flood = try ChildProcess(
            "/usr/bin/env", ["python3", repositoryRoot().appendingPathComponent("Tests/Python/token_flood.py").path, master.server, master.dataDir + "/pki/ca.crt", tokensFile],
            outputPath: root + "/flood.out")
        defer { flood.kill() }
        // While the flood's verifications wait on the slow chain (4 s), the admin is served.
        usleep(500_000)
        let admin = try master.kubectl(["get", "namespaces", "default", "-o", "name"], timeout: 60)
        #expect(admin.output == "namespace/default\n")
        #expect(flood.isRunning, "the admin was answered while the flood still waited on the chain")
        #expect(flood.wait(timeout: 60) == 0, "\(flood.output)")
        let counts = Dictionary(flood.output.split(separator: "\n").compactMap { line -> (String, Int)? in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), Int(parts[1]) ?? 0) : nil
        }, uniquingKeysWith: +)
        #expect(counts["429", default: 0] >= 24 - 16, "at most 16 verifications in flight per client: \(flood.output)")
        #expect(counts["401", default: 0] + counts["429", default: 0] == 24, "\(flood.output)")
    }
}
