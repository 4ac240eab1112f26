import DaaSTestSupport
import Foundation
import Testing

/// `kubectl create token`: ServiceAccount tokens signed by the master, authenticated as the
/// account, authorized by RBAC, and dead once the account or the bound object is gone.
@Suite("ServiceAccount tokens", .blockingWaits)
struct ServiceAccountTokenEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-satoken-\(UUID().uuidString)").path

    @Test("create token, whoami, RBAC, validation, and invalidation when the account or bound pod goes")
    func tokens() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        // kubectl with only the token: no client certificate to fall back on.
        let empty = root + "/empty.kubeconfig"
        FileManager.default.createFile(atPath: empty, contents: Data())
        func asToken(_ token: String, _ arguments: [String]) throws -> CommandResult {
            try run("/usr/bin/env", ["kubectl", "--kubeconfig", empty, "--server", master.server, "--certificate-authority", master.dataDir + "/pki/ca.crt", "--token", token] + arguments)
        }

        try master.ok(["create", "namespace", "team"])
        try master.ok(["create", "serviceaccount", "robot", "-n", "team"])
        let token = try master.ok(["create", "token", "robot", "-n", "team"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.split(separator: ".").count == 3, "a compact JWS")
        #expect(try FileManager.default.attributesOfItem(atPath: master.dataDir + "/pki/service-account.key")[.posixPermissions] as? Int == 0o600)

        let whoami = try asToken(token, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"])
        #expect(whoami.status == 0, "\(whoami.error)")
        #expect(whoami.output.hasPrefix("system:serviceaccount:team:robot "))
        #expect(whoami.output.contains("system:serviceaccounts:team") && whoami.output.contains("system:authenticated"))

        // RBAC decides: nothing until a binding names the account.
        let denied = try asToken(token, ["get", "pods", "-n", "team"])
        #expect(denied.status != 0)
        #expect(denied.error.contains("User \"system:serviceaccount:team:robot\" cannot list resource \"pods\""), "\(denied.error)")
        try master.ok(["create", "rolebinding", "robot-view", "-n", "team", "--clusterrole=view", "--serviceaccount=team:robot"])
        #expect(try eventually(10) { try asToken(token, ["get", "pods", "-n", "team"]).status == 0 })

        // Bad requests get kube's errors; a tampered or foreign token is 401.
        let short = try master.kubectl(["create", "token", "robot", "-n", "team", "--duration=1m"])
        #expect(short.status != 0 && short.error.contains("may not specify a duration less than 10 minutes"), "\(short.error)")
        let missing = try master.kubectl(["create", "token", "ghost", "-n", "team"])
        #expect(missing.status != 0 && missing.error.contains("serviceaccounts \"ghost\" not found"), "\(missing.error)")
        var tampered = Array(token.utf8)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let forged = try asToken(String(decoding: tampered, as: UTF8.self), ["get", "pods", "-n", "team"])
        #expect(forged.status != 0 && forged.error.contains("Unauthorized"), "\(forged.error)")
        let other = try asToken(token, ["get", "pods", "-n", "team", "--token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.AAAA"])
        #expect(other.status != 0)

        // Bound to a pod: the token dies with the pod.
        try master.ok(["run", "worker", "-n", "team", "--image=busybox"])
        // ServiceAccount admission: the projected token, CA and namespace, mounted where clients look.
        let volume = try master.ok(["get", "pod", "worker", "-n", "team", "-o", "jsonpath={.spec.volumes[0].name} {.spec.volumes[0].projected.sources[*].serviceAccountToken.path} {.spec.volumes[0].projected.sources[*].configMap.name}"])
        #expect(volume.hasPrefix("kube-api-access-") && volume.hasSuffix(" token kube-root-ca.crt"), "\(volume)")
        #expect(try master.ok(["get", "pod", "worker", "-n", "team", "-o", "jsonpath={.spec.containers[0].volumeMounts[0].mountPath} {.spec.containers[0].volumeMounts[0].readOnly}"])
            == "/var/run/secrets/kubernetes.io/serviceaccount true")
        try master.ok(["run", "quiet", "-n", "team", "--image=busybox", "--overrides", #"{"spec":{"automountServiceAccountToken":false}}"#])
        #expect(try master.ok(["get", "pod", "quiet", "-n", "team", "-o", "jsonpath={.spec.volumes}"]).isEmpty, "opted out")
        let bound = try master.ok(["create", "token", "robot", "-n", "team", "--bound-object-kind=Pod", "--bound-object-name=worker"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try asToken(bound, ["get", "pods", "-n", "team"]).status == 0)
        try master.ok(["delete", "pod", "worker", "-n", "team", "--grace-period=0", "--force"])
        #expect(try eventually(10) { try asToken(bound, ["get", "pods", "-n", "team"]).error.contains("Unauthorized") })

        // Deleting the account ends every token it had, even one re-created with the same name.
        try master.ok(["delete", "serviceaccount", "robot", "-n", "team"])
        try master.ok(["create", "serviceaccount", "robot", "-n", "team"])
        let gone = try asToken(token, ["get", "pods", "-n", "team"])
        #expect(gone.status != 0 && gone.error.contains("Unauthorized"), "\(gone.error)")
    }

    @Test("ServiceAccount admission: a missing account is refused, the account's automount is honoured, controllers' pods are admitted too")
    func admission() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let master = try MasterProcess.start(dataDir: root + "/data")
        defer { master.stop() }
        // A brand-new namespace: its `default` account comes from a controller, and a pod created
        // at once still gets in (admission waits a little for that account, as upstream).
        try master.ok(["create", "namespace", "fresh"])
        try master.ok(["run", "first", "-n", "fresh", "--image=busybox"])
        #expect(try master.ok(["get", "pod", "first", "-n", "fresh", "-o", "jsonpath={.spec.serviceAccountName}"]) == "default")

        let missing = try master.kubectl(["run", "lost", "-n", "fresh", "--image=busybox", "--overrides", #"{"spec":{"serviceAccountName":"ghost"}}"#])
        #expect(missing.status != 0)
        #expect(missing.error.contains(#"pods "lost" is forbidden: error looking up service account fresh/ghost: serviceaccount "ghost" not found"#), "\(missing.error)")
        #expect(try master.kubectl(["get", "pod", "lost", "-n", "fresh"]).status != 0, "nothing stored")
        let dryRun = try master.kubectl(["run", "lost", "-n", "fresh", "--image=busybox", "--dry-run=server", "--overrides", #"{"spec":{"serviceAccountName":"ghost"}}"#])
        #expect(dryRun.status != 0 && dryRun.error.contains("forbidden"), "a dry run is admitted the same way: \(dryRun.error)")

        // The account opts out; a pod may opt back in.
        let manifest = root + "/sealed.yaml"
        try "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sealed\n  namespace: fresh\nautomountServiceAccountToken: false\n"
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        try master.ok(["apply", "-f", manifest])
        try master.ok(["run", "closed", "-n", "fresh", "--image=busybox", "--overrides", #"{"spec":{"serviceAccountName":"sealed"}}"#])
        #expect(try master.ok(["get", "pod", "closed", "-n", "fresh", "-o", "jsonpath={.spec.volumes}"]).isEmpty, "the account opted out")
        try master.ok(["run", "open", "-n", "fresh", "--image=busybox", "--overrides", #"{"spec":{"serviceAccountName":"sealed","automountServiceAccountToken":true}}"#])
        #expect(try master.ok(["get", "pod", "open", "-n", "fresh", "-o", "jsonpath={.spec.volumes[0].name}"]).hasPrefix("kube-api-access-"), "the pod's own field wins")

        // Pods the ReplicaSet controller creates run the same admission as kubectl's.
        try master.ok(["create", "deployment", "web", "-n", "fresh", "--image=nginx", "--replicas=1"])
        #expect(try eventually(30) {
            try master.ok(["get", "pods", "-n", "fresh", "-l", "app=web", "-o", "jsonpath={.items[*].spec.volumes[0].name}"]).hasPrefix("kube-api-access-")
        })
    }
}
