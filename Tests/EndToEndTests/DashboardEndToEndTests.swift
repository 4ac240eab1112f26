import DaaSTestSupport
import Foundation
import Testing

/// The web dashboard in a real browser (Debian's headless Chromium driven by Selenium) against a
/// master and a real worker: sign in with `daasctl dashboard`'s URL, the overview's numbers
/// against the API, nodes, workloads, a pod's followed logs, a new pod appearing without a
/// reload, events, sign-out; and the session rules through curl (single-use login, no cookie
/// without the dashboard's header, sign-out ends the session). Part of the serialized container
/// suite (one containerd at a time). Screenshots of each page are kept in
/// `.build/dashboard-screenshots/` (Docs/screenshots holds the README's copies).
extension ContainerEndToEndTests {
    @Test("the dashboard in headless Chromium: sign-in, overview matching the API, nodes, workloads, followed logs, a new pod live, events, sign-out")
    func dashboard() throws {
        let cluster = try RealCluster()
        defer { cluster.stop() }
        let master = cluster.master
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: talker}
            spec:
              containers:
              - {name: main, image: busybox:1.35, command: ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.5; done"]}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 1
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - {name: main, image: busybox:1.35, command: ["sleep", "3600"]}
            """)
        #expect(try eventually(120) {
            try master.kubectl(["get", "pods", "--no-headers"]).output.split(separator: "\n").filter { $0.contains(" Running ") }.count == 2
        })
        let signIn = try runProduct("daasctl", ["dashboard", "--kubeconfig", master.kubeconfig])
        #expect(signIn.status == 0, "\(signIn.error)")
        let url = String(signIn.output.split(separator: "\n").last ?? "")
        #expect(url.hasPrefix(master.server + "/daas/dashboard/#login="), "\(signIn.output)")

        let shots = repositoryRoot().appendingPathComponent(".build/dashboard-screenshots").path
        let handshake = cluster.root + "/new-pod"
        let script = repositoryRoot().appendingPathComponent("Tests/EndToEndTests/Dashboard/dashboard_check.py").path
        let browser = try ChildProcess(
            repositoryRoot().appendingPathComponent(".build-python/bin/python").path, [script, url, shots, "default/talker", handshake],
            outputPath: cluster.root + "/browser.log")
        // The page watches the pods: create one and it must appear there without a reload.
        #expect(eventually(180) { FileManager.default.fileExists(atPath: handshake) }, "\(browser.output.suffix(3000))")
        _ = try master.ok(["run", "fresh", "--image=busybox:1.35", "--restart=Never", "--", "sleep", "3600"])
        try "default/fresh\n".write(toFile: handshake + ".name", atomically: true, encoding: .utf8)
        let status = browser.wait(timeout: 240)
        if status == nil { browser.kill() }
        let output = browser.output
        #expect(status == 0, "\(output.suffix(4000))")
        var facts: [String: String] = [:]
        var lines: [String] = []
        for line in output.split(separator: "\n") {
            lines.append(String(line))
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2, facts[String(parts[0])] == nil { facts[String(parts[0])] = String(parts[1]) }
        }
        // The overview against the API.
        let nodes = try master.ok(["get", "nodes", "--no-headers"]).split(separator: "\n")
        #expect(facts["overview-nodes-total"] == String(nodes.count) && facts["overview-nodes-ready"] == String(nodes.filter { $0.contains(" Ready ") }.count), "\(facts)")
        #expect(facts["overview-pods-running"] == "2", "\(facts)")
        #expect(facts["user"] == "system:admin" && facts["location"] == "#/overview", "the login token leaves the address bar: \(facts)")
        #expect(facts["health-status"] == "Healthy" && facts["sui-status"] == "Reachable" && facts["attestation-mode"] == "dev", "\(facts)")
        let document = try master.ok(["get", "--raw", "/daas/v1/status"])
        let parsed = try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any]
        let pcr0 = (parsed?["attestation"] as? [String: Any])?["pcr0"] as? String ?? "missing"
        #expect(facts["attestation-pcr0"]?.hasPrefix(String(pcr0.prefix(16))) == true, "\(facts) \(pcr0)")
        // Nodes with their Sui address; the Deployment; the new pod; the followed logs.
        let address = try cluster.jsonpath("node", "real-1", ".metadata.annotations.daas\\.io/sui-address")
        #expect(lines.contains { $0.hasPrefix("node real-1 | Ready | \(address) |") }, "\(lines)")
        #expect(lines.contains("workload Deployment/default/web 1/1"), "\(lines)")
        #expect(facts["new-pod-seen"] == "default/fresh" && facts["no-reload"] == "True", "\(facts)")
        #expect(facts["logs-first-line"] == "line 0" && facts["logs-followed"] == "True" && facts["pod-status"] == "Running", "\(facts)")
        #expect((Int(facts["events"] ?? "") ?? 0) > 0)
        #expect(facts["signed-out"]?.contains("not signed in") == true, "\(facts)")
        #expect(facts["console-errors"] == "0", "\(facts)")
        for page in ["overview", "nodes", "workloads", "pods", "pod-logs", "events"] {
            #expect(FileManager.default.fileExists(atPath: shots + "/\(page).png"), "screenshot \(page)")
            // axe-core's WCAG 2 A/AA rules: no serious or critical violation on any page.
            #expect(lines.contains("a11y \(page) 0"), "\(lines.filter { $0.hasPrefix("a11y") })")
        }

        // The session rules, as curl sees them.
        let login = try runProduct("daasctl", ["dashboard", "--kubeconfig", master.kubeconfig]).output.split(separator: "\n").last ?? ""
        let token = String(login.split(separator: "=", maxSplits: 1).last ?? "")
        let ca = master.dataDir + "/pki/ca.crt"
        func curl(_ arguments: [String]) throws -> String {
            try run("/usr/bin/curl", ["-sS", "--max-time", "20", "--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}"] + arguments, timeout: 30).output
        }
        let jar = cluster.root + "/cookies"
        let exchange = ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", #"{"token":"\#(token)"}"#, master.server + "/daas/dashboard/session"]
        #expect(try curl(["-c", jar] + exchange) == "200")
        #expect(try curl(exchange) == "401", "a login token works once")
        let header = ["-H", "X-DaaS-Dashboard: 1"]
        #expect(try curl(["-b", jar] + header + [master.server + "/api/v1/nodes"]) == "200")
        #expect(try curl(["-b", jar, master.server + "/api/v1/nodes"]) == "401", "the cookie alone (a cross-site request) authenticates nothing")
        #expect(try curl(["-b", jar] + header + ["-X", "POST", master.server + "/daas/v1/dashboard/login-tokens"]) == "403", "a session cannot mint logins")
        #expect(try curl(["-b", jar] + header + ["-X", "DELETE", master.server + "/daas/dashboard/session"]) == "204")
        #expect(try curl(["-b", jar] + header + [master.server + "/api/v1/nodes"]) == "401", "signed out")
        // The static page carries a strict content security policy.
        let headers = try run("/usr/bin/curl", ["-sS", "-D", "-", "-o", "/dev/null", "--cacert", ca, master.server + "/daas/dashboard/"], timeout: 30).output
        #expect(headers.lowercased().contains("content-security-policy: default-src 'none'; script-src 'self'"), "\(headers)")
    }
}
