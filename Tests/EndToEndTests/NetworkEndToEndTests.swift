import DaaSTestSupport
import Foundation
import Testing

/// A master on the host and two real workers, each in a network namespace of its own, joined
/// by a bridge in a third namespace that the host is attached to as well (link-local addresses;
/// no traffic leaves the machine, the host forwards nothing). The local registry reaches the
/// workers through a socat relay on the host's address on that bridge.
final class TwoNodeNetwork: Sendable {
    let root: String
    let master: MasterProcess
    let workers: [ChildProcess]
    let relay: ChildProcess
    let namespaces: [String]
    /// The host's address on the bridge, and each node's.
    let hostIP: String
    let nodeIPs: [String]
    static let nodes = ["net-a", "net-b"]

    init() throws {
        let tag = String(UUID().uuidString.prefix(4)).lowercased()
        let subnet = Int.random(in: 100...250)
        root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-network-\(tag)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        hostIP = "169.254.\(subnet).1"
        nodeIPs = ["169.254.\(subnet).11", "169.254.\(subnet).12"]
        let lan = "dl\(tag)"
        namespaces = [lan, "da\(tag)", "db\(tag)"]
        func ip(_ arguments: [String]) throws {
            let result = try run("/sbin/ip", arguments, timeout: 30)
            guard result.status == 0 else { throw CommandFailure(description: "ip \(arguments.joined(separator: " ")): \(result.error)") }
        }
        try ip(["netns", "add", lan])
        try ip(["-n", lan, "link", "add", "br0", "type", "bridge"])
        try ip(["-n", lan, "link", "set", "br0", "up"])
        try ip(["link", "add", "vh\(tag)", "type", "veth", "peer", "name", "vl\(tag)", "netns", lan])
        try ip(["-n", lan, "link", "set", "vl\(tag)", "master", "br0", "up"])
        try ip(["addr", "add", hostIP + "/24", "dev", "vh\(tag)"])
        try ip(["link", "set", "vh\(tag)", "up"])
        for (index, namespace) in namespaces.dropFirst().enumerated() {
            try ip(["netns", "add", namespace])
            try ip(["-n", namespace, "link", "set", "lo", "up"])
            try ip(["link", "add", "vn\(index)\(tag)", "type", "veth", "peer", "name", "vb\(index)\(tag)"])
            try ip(["link", "set", "vn\(index)\(tag)", "netns", namespace])
            try ip(["link", "set", "vb\(index)\(tag)", "netns", lan])
            try ip(["-n", lan, "link", "set", "vb\(index)\(tag)", "master", "br0", "up"])
            try ip(["-n", namespace, "addr", "add", nodeIPs[index] + "/24", "dev", "vn\(index)\(tag)"])
            try ip(["-n", namespace, "link", "set", "vn\(index)\(tag)", "up"])
        }
        let registry = try run("/bin/bash", [repositoryRoot().appendingPathComponent("scripts/local-registry.sh").path], timeout: 120)
        guard registry.status == 0 else { throw CommandFailure(description: "scripts/local-registry.sh: \(registry.output) \(registry.error)") }
        relay = try ChildProcess("/usr/bin/socat", ["TCP-LISTEN:5000,bind=\(hostIP),fork,reuseaddr", "TCP:127.0.0.1:5000"], outputPath: root + "/relay.log")
        master = try MasterProcess.start(dataDir: root + "/data", arguments: ["--listen", hostIP + ":0"])
        var started: [ChildProcess] = []
        for (index, node) in Self.nodes.enumerated() {
            let keystore = root + "/\(node).keystore"
            _ = try master.stakedKeystore(keystore)
            // nsenter enters only the network namespace (`ip netns exec` would also remount /sys,
            // hiding the cgroup hierarchy runc needs).
            started.append(try ChildProcess(
                "/usr/bin/nsenter",
                [
                    "--net=/run/netns/" + namespaces[index + 1], productsDirectory.appendingPathComponent("daas-worker").path,
                    "--master", master.server, "--root", master.dataDir + "/attest/root.pem", "--keystore", keystore, "--node-name", node,
                    "--node-ip", nodeIPs[index], "--heartbeat-interval", "1", "--manage-containerd", "--data-dir", root + "/\(node)",
                    "--registry-mirror", "docker.io=http://\(hostIP):5000", "--registry-mirror", "registry.k8s.io=http://\(hostIP):5000",
                ],
                outputPath: root + "/\(node).log"))
        }
        workers = started
        let ready = try eventually(90) {
            try master.kubectl(["get", "nodes", "--no-headers"]).output.split(separator: "\n").filter { $0.contains(" Ready ") }.count == 2
        }
        guard ready else {
            let logs = workers.map { String($0.output.suffix(2000)) }.joined(separator: "\n---\n")
            stop()
            throw CommandFailure(description: "the workers did not become Ready: \(logs)")
        }
    }

    func stop() {
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers where worker.wait(timeout: 60) == nil { worker.kill() }
        _ = master.stop()
        relay.kill()
        _ = relay.wait(timeout: 10)
        for namespace in namespaces { _ = try? run("/sbin/ip", ["netns", "del", namespace], timeout: 30) }
        try? FileManager.default.removeItem(atPath: root)
    }

    func ok(_ arguments: [String], timeout: Double = 120) throws -> String { try master.ok(arguments, timeout: timeout) }

    /// Runs `script` in the client pod; its output, or nil when it failed.
    func inClient(_ script: String) -> String? {
        guard let result = try? master.kubectl(["exec", "client", "--", "sh", "-c", script], timeout: 60), result.status == 0 else { return nil }
        return result.output
    }

    func apply(_ manifest: String) throws {
        let file = root + "/manifest-\(UUID().uuidString).yaml"
        try manifest.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try master.ok(["apply", "-f", file])
    }
}

@Suite("Cluster network: pods across nodes, Services, DNS and NetworkPolicy", .serialized, .blockingWaits)
struct NetworkEndToEndTests {
    @Test("two workers in their own network namespaces: pod-to-pod across nodes, a Service by DNS name, ClusterIP and NodePort, headless DNS, scaling, NetworkPolicy")
    func servicesAcrossNodes() throws {
        let cluster = try TwoNodeNetwork()
        defer { cluster.stop() }
        let cidrs = try cluster.ok(["get", "nodes", "-o", "jsonpath={.items[*].spec.podCIDR}"]).split(separator: " ").sorted()
        #expect(cidrs == ["10.42.0.0/24", "10.42.1.0/24"], "each node has its own podCIDR: \(cidrs)")

        // Web servers on net-b, a client on net-a. (Debian's busybox wget crashes with -T; timeout bounds it.)
        try cluster.apply("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  nodeSelector: {kubernetes.io/hostname: net-b}
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: web
                    image: busybox:1.35
                    command: [sh, -c, 'mkdir -p /www && hostname > /www/index.html && httpd -f -p 8080 -h /www']
                    ports: [{name: http, containerPort: 8080}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              type: NodePort
              selector: {app: web}
              ports: [{name: http, port: 80, targetPort: http}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web-headless}
            spec:
              clusterIP: None
              selector: {app: web}
              ports: [{name: http, port: 8080}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: client, labels: {role: client}}
            spec:
              nodeSelector: {kubernetes.io/hostname: net-a}
              terminationGracePeriodSeconds: 1
              containers: [{name: c, image: busybox:1.35, command: [sleep, "3600"]}]
            """)
        #expect(try cluster.ok(["rollout", "status", "deployment/web", "--timeout=120s"], timeout: 150).contains("successfully rolled out"))
        #expect(try eventually(60) { try cluster.ok(["get", "pod", "client", "-o", "jsonpath={.status.phase}"]) == "Running" })
        let webPods = Set(try cluster.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"]).split(separator: " ").map(String.init))
        let webIPs = try cluster.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.podIP}"]).split(separator: " ").map(String.init)
        let clientIP = try cluster.ok(["get", "pod", "client", "-o", "jsonpath={.status.podIP}"])
        let webCIDR = try cluster.ok(["get", "node", "net-b", "-o", "jsonpath={.spec.podCIDR}"]).replacingOccurrences(of: "0/24", with: "")
        #expect(webIPs.allSatisfy { $0.hasPrefix(webCIDR) } && !clientIP.hasPrefix(webCIDR), "\(webIPs) \(clientIP)")

        func fetch(_ url: String) -> String? { cluster.inClient("timeout 5 wget -qO- \(url)").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } }
        // Pod to pod across nodes, by the routes between the nodes' podCIDRs.
        #expect(try eventually(30) { fetch("http://\(webIPs[0]):8080").map(webPods.contains) == true }, "\(cluster.workers[0].output.suffix(1500))")
        // The Service by name (search path), full name, ClusterIP, and NodePort on both nodes.
        let clusterIP = try cluster.ok(["get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}"])
        let nodePort = try cluster.ok(["get", "svc", "web", "-o", "jsonpath={.spec.ports[0].nodePort}"])
        for url in ["http://web", "http://web.default.svc.cluster.local", "http://\(clusterIP)", "http://\(cluster.nodeIPs[1]):\(nodePort)", "http://\(cluster.nodeIPs[0]):\(nodePort)"] {
            #expect(try eventually(30) { fetch(url).map(webPods.contains) == true }, "\(url)")
        }
        // Both endpoints answer through the ClusterIP.
        var seen: Set<String> = []
        for _ in 0..<40 where seen.count < 2 { if let name = fetch("http://\(clusterIP)") { seen.insert(name) } }
        #expect(seen == webPods, "random endpoint choice: \(seen)")
        // The NodePort from the host, through net-a.
        let fromHost = try run("/usr/bin/curl", ["-s", "-m", "5", "http://\(cluster.nodeIPs[0]):\(nodePort)/"], timeout: 20)
        #expect(webPods.contains(fromHost.output.trimmingCharacters(in: .whitespacesAndNewlines)), "\(fromHost)")

        // sessionAffinity: ClientIP keeps a client on one endpoint.
        try cluster.apply("""
            apiVersion: v1
            kind: Service
            metadata: {name: sticky}
            spec:
              selector: {app: web}
              sessionAffinity: ClientIP
              ports: [{name: http, port: 80, targetPort: http}]
            """)
        #expect(try eventually(30) { fetch("http://sticky").map(webPods.contains) == true })
        let stuck = Set((0..<8).compactMap { _ in fetch("http://sticky") })
        #expect(stuck.count == 1, "one endpoint for one client: \(stuck)")

        // Traffic policies: Local keeps traffic on nodes with endpoints (all are on net-b).
        try cluster.apply("""
            apiVersion: v1
            kind: Service
            metadata: {name: web-local}
            spec:
              type: NodePort
              selector: {app: web}
              externalTrafficPolicy: Local
              internalTrafficPolicy: Local
              ports: [{name: http, port: 80, targetPort: http}]
            """)
        let localPort = try cluster.ok(["get", "svc", "web-local", "-o", "jsonpath={.spec.ports[0].nodePort}"])
        #expect(try eventually(30) { fetch("http://\(cluster.nodeIPs[1]):\(localPort)").map(webPods.contains) == true }, "net-b has endpoints")
        #expect(fetch("http://\(cluster.nodeIPs[0]):\(localPort)") == nil, "net-a has none: externalTrafficPolicy Local drops")
        #expect(fetch("http://web-local") == nil, "internalTrafficPolicy Local: no endpoint on the client's node")

        // DNS: a headless Service returns the pod addresses; SRV; PTR; NXDOMAIN.
        let headless = cluster.inClient("nslookup web-headless.default.svc.cluster.local") ?? ""
        #expect(webIPs.allSatisfy { headless.contains($0) }, "\(headless)")
        #expect((cluster.inClient("nslookup -type=srv _http._tcp.web.default.svc.cluster.local") ?? "").contains("web.default.svc.cluster.local"))
        #expect((cluster.inClient("nslookup \(clusterIP)") ?? "").contains("web.default.svc.cluster.local"))
        #expect(cluster.inClient("nslookup nothere.default.svc.cluster.local") == nil)
        #expect((cluster.inClient("cat /etc/resolv.conf") ?? "").contains("nameserver 10.43.0.10"))

        // Scaling changes the endpoints.
        _ = try cluster.ok(["scale", "deployment", "web", "--replicas=3"])
        #expect(try eventually(60) {
            let addresses = (cluster.inClient("nslookup web-headless.default.svc.cluster.local") ?? "").split(separator: "\n").filter { $0.contains(webCIDR) }
            return addresses.count == 3
        })

        // NetworkPolicy: only pods labelled role=client may reach app=web; another pod may not.
        try cluster.apply("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web-from-clients}
            spec:
              podSelector: {matchLabels: {app: web}}
              policyTypes: [Ingress]
              ingress:
              - from: [{podSelector: {matchLabels: {role: client}}}]
                ports: [{port: http}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: stranger}
            spec:
              nodeSelector: {kubernetes.io/hostname: net-a}
              terminationGracePeriodSeconds: 1
              containers: [{name: c, image: busybox:1.35, command: [sleep, "3600"]}]
            """)
        #expect(try cluster.ok(["get", "netpol"]).contains("app=web"))
        #expect(try eventually(60) { try cluster.ok(["get", "pod", "stranger", "-o", "jsonpath={.status.phase}"]) == "Running" })
        func strangerFetch() -> Bool {
            (try? cluster.master.kubectl(["exec", "stranger", "--", "sh", "-c", "timeout 5 wget -qO- http://web"], timeout: 60).status) == 0
        }
        #expect(try eventually(30) { !strangerFetch() }, "the policy blocks pods it does not allow")
        let scaled = Set(try cluster.ok(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"]).split(separator: " ").map(String.init))
        #expect(fetch("http://web").map(scaled.contains) == true, "allowed pods still get through")
        _ = try cluster.ok(["delete", "netpol", "web-from-clients"])
        #expect(try eventually(30) { strangerFetch() }, "without the policy everyone gets through again")

        // An Egress policy with no rules: the stranger sends nothing (its DNS stays node-local).
        try cluster.apply("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: stranger-quiet}
            spec:
              podSelector: {matchExpressions: [{key: role, operator: DoesNotExist}, {key: app, operator: DoesNotExist}]}
              policyTypes: [Egress]
            """)
        #expect(try eventually(30) { !strangerFetch() }, "egress denied")
        #expect(fetch("http://web").map(scaled.contains) == true, "the client is not selected and still gets through")
    }
}
