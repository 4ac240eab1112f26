import DaaSTestSupport
import Foundation
import Testing

/// Authentication and RBAC as kubectl users meet them.
@Suite("kubectl authentication and RBAC", .blockingWaits)
struct AuthEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-auth-\(UUID().uuidString)").path

    @Test("a user gets only what bindings give: whoami, can-i and kube-apiserver's 403 wording")
    func rbac() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let admin = try master.kubectl(["auth", "whoami"])
        #expect(admin.output.contains("system:admin") && admin.output.contains("[system:masters system:authenticated]"))
        #expect(try master.kubectl(["auth", "can-i", "delete", "nodes"]).output == "yes\n")

        let server = master.server
        let userConfig = root + "/alice.kubeconfig"
        let issued = try runProduct("daasctl", ["pki", "user", "alice", "--group", "devs", "--data-dir", master.dataDir, "--server", String(server), "-o", userConfig])
        #expect(issued.status == 0, "\(issued.error)")
        func alice(_ arguments: [String]) throws -> CommandResult { try run("/usr/bin/env", ["kubectl", "--kubeconfig", userConfig] + arguments) }

        #expect(try alice(["auth", "whoami"]).output.contains("[devs system:authenticated]"))
        let denied = try alice(["get", "pods"])
        #expect(denied.status == 1)
        #expect(denied.error == "Error from server (Forbidden): pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n")
        let cannot = try alice(["auth", "can-i", "list", "pods"])
        #expect(cannot.output == "no\n" && cannot.status == 1)

        #expect(try master.kubectl(["create", "rolebinding", "alice-view", "--clusterrole=view", "--group=devs"]).status == 0)
        #expect(try alice(["get", "pods"]).status == 0)
        #expect(try alice(["auth", "can-i", "list", "pods"]).output == "yes\n")
        #expect(try alice(["auth", "can-i", "create", "pods"]).output == "no\n")
        #expect(try alice(["get", "pods", "-n", "kube-system"]).status == 1, "the binding is namespaced")
        let secret = try alice(["get", "secrets"])
        #expect(secret.error.contains("cannot list resource \"secrets\""), "view does not read secrets")
        let mode = try FileManager.default.attributesOfItem(atPath: userConfig)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }

    @Test("requests without a client certificate are 401, except health and version")
    func anonymous() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        let server = master.server
        let ca = master.dataDir + "/pki/ca.crt"
        let health = try run("/usr/bin/env", ["curl", "-s", "--cacert", ca, "\(server)/healthz"])
        #expect(health.output == "ok")
        let list = try run("/usr/bin/env", ["curl", "-s", "--cacert", ca, "\(server)/api/v1/namespaces"])
        #expect(list.output.contains("\"code\":401") && list.output.contains("\"reason\":\"Unauthorized\""))
    }
}
