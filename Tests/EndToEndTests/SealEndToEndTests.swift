import DaaSTestSupport
import Foundation
import Testing

/// The Seal token flow as a user and a worker meet it: key, stake on the dev ledger, an attested
/// kubeconfig, and the real kubectl with exactly the rights RBAC gives.
@Suite("Seal tokens with kubectl", .blockingWaits)
struct SealEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-seal-\(UUID().uuidString)").path

    /// A master with a short stake TTL, and what a client needs to reach it.
    struct Cluster {
        let master: MasterProcess
        let server: String
        let ledger: String
        let clusterID: String
        let devRoot: String
        let ca: String
    }

    func start(_ extra: [String] = []) throws -> Cluster {
        let master = try MasterProcess.start(dataDir: root + "/data", arguments: ["--stake-ttl", "2"] + extra)
        let server = master.server
        let ledger = try String(contentsOfFile: master.dataDir + "/sui-dev-ledger.url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let clusterID = try String(contentsOfFile: master.dataDir + "/cluster-id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return Cluster(master: master, server: String(server), ledger: ledger, clusterID: clusterID, devRoot: master.dataDir + "/attest/root.pem", ca: master.dataDir + "/pki/ca.crt")
    }

    /// Creates a keystore with one new key and returns its address.
    func newKey(_ keystore: String, scheme: String = "ed25519") throws -> String {
        let created = try runProduct("daasctl", ["key", "new", "--scheme", scheme, "--keystore", keystore])
        #expect(created.status == 0, "\(created.error)")
        let shown = try runProduct("daasctl", ["key", "show", "--keystore", keystore])
        let address = shown.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("0x") && $0.count == 66 }
        return String(try #require(address))
    }

    func stake(_ cluster: Cluster, _ address: String, _ mist: String) throws -> String {
        let added = try runProduct("daasctl", ["stake", "add", "--ledger", cluster.ledger, "--secret-file", cluster.master.dataDir + "/sui-dev-ledger.secret", "--address", address, "--amount", mist])
        #expect(added.status == 0, "\(added.error)")
        return String(try #require(added.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("0x") && $0.count == 66 }))
    }


    @Test("a staker gets an attested kubeconfig; kubectl has only what RBAC gives; unstaking and revocation lock it out")
    func user() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try start()
        defer { cluster.master.stop() }
        let keystore = root + "/alice.keystore"
        let address = try newKey(keystore)
        let kubeconfig = root + "/alice.kubeconfig"
        let written = try runProduct("daasctl", ["kubeconfig", "--master", cluster.server, "--root", cluster.devRoot, "--keystore", keystore, "--output", kubeconfig])
        #expect(written.status == 0, "\(written.error)")
        let mode = try FileManager.default.attributesOfItem(atPath: kubeconfig)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let config = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        #expect(config.contains("client.authentication.k8s.io/v1") && config.contains("certificate-authority-data") && !config.contains("insecure"))
        func alice(_ arguments: [String]) throws -> CommandResult { try run("/usr/bin/env", ["kubectl", "--kubeconfig", kubeconfig] + arguments) }

        let unstaked = try alice(["get", "pods"])
        #expect(unstaked.status == 1 && unstaked.error.contains("error: You must be logged in to the server"), "\(unstaked.error)")

        let stakeID = try stake(cluster, address, "2000000000")
        // The refusal's stake reading is remembered briefly (2 s by default), then the new stake counts.
        var whoami = try alice(["auth", "whoami"])
        #expect(try eventually(10) {
            whoami = try alice(["auth", "whoami"])
            return whoami.output.contains("sui:\(address)") && whoami.output.contains("[daas:stakers system:authenticated]")
        }, "\(whoami.output)\(whoami.error)")
        let denied = try alice(["get", "pods"])
        #expect(denied.status == 1)
        #expect(denied.error == "Error from server (Forbidden): pods is forbidden: User \"sui:\(address)\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n")

        #expect(try cluster.master.kubectl(["create", "rolebinding", "alice-edit", "--clusterrole=edit", "--user=sui:\(address)"]).status == 0)
        #expect(try alice(["create", "configmap", "hello", "--from-literal=a=b"]).status == 0)
        #expect(try alice(["get", "configmap", "hello", "-o", "jsonpath={.data.a}"]).output == "b")
        #expect(try alice(["get", "pods", "-n", "kube-system"]).status == 1, "the binding is namespaced")

        // Unstake: locked out within the 2 s stake TTL.
        let withdrawn = try runProduct("daasctl", ["stake", "withdraw", "--ledger", cluster.ledger, "--secret-file", cluster.master.dataDir + "/sui-dev-ledger.secret", "--id", stakeID])
        #expect(withdrawn.status == 0, "\(withdrawn.error)")
        #expect(try eventually(15) { try alice(["get", "configmaps"]).error.contains("You must be logged in to the server") })

        // Stake again, then revoke the address: refused at once, even with a cached verdict.
        _ = try stake(cluster, address, "2000000000")
        #expect(try eventually(15) { try alice(["get", "configmaps"]).status == 0 })
        let revoked = try runProduct("daasctl", ["seal", "revoke", "--kubeconfig", cluster.master.kubeconfig, "--address", address])
        #expect(revoked.status == 0, "\(revoked.error)")
        #expect(try eventually(10) { try alice(["get", "configmaps"]).error.contains("You must be logged in to the server") })
    }

    @Test("a node token registers its Node and renews its Lease, and cannot touch another node (403); the master reads stake over GraphQL")
    func node() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try start(["--sui-transport", "graphql"])
        defer { cluster.master.stop() }
        let keystore = root + "/worker.keystore"
        let address = try newKey(keystore, scheme: "secp256k1")
        _ = try stake(cluster, address, "10000000000")
        let minted = try runProduct("daasctl", ["token", "--node", "worker-1", "--audience", cluster.clusterID, "--keystore", keystore, "--raw"])
        #expect(minted.status == 0, "\(minted.error)")
        let token = minted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("seal.v1."))
        func node(_ arguments: [String], input: String? = nil) throws -> CommandResult {
            var arguments = ["kubectl", "--kubeconfig", "/dev/null", "--server", cluster.server, "--certificate-authority", cluster.ca, "--token", token] + arguments
            if let input {
                let file = root + "/input-\(UUID().uuidString).yaml"
                try input.write(toFile: file, atomically: true, encoding: .utf8)
                arguments += ["-f", file]
            }
            return try run("/usr/bin/env", arguments)
        }
        #expect(try node(["auth", "whoami"]).output.contains("system:node:worker-1"))
        let registered = try node(["create"], input: "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-1\n  labels:\n    kubernetes.io/hostname: worker-1\n")
        #expect(registered.status == 0, "\(registered.error)")
        let lease = """
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata:
              name: worker-1
              namespace: kube-node-lease
            spec:
              holderIdentity: worker-1
              leaseDurationSeconds: 40
              renewTime: "2026-01-01T00:00:00.000000Z"
            """
        #expect(try node(["create"], input: lease).status == 0)
        let renewed = try node(["patch", "lease", "worker-1", "-n", "kube-node-lease", "--type", "merge", "-p", "{\"spec\":{\"renewTime\":\"2026-01-01T00:00:10.000000Z\"}}"])
        #expect(renewed.status == 0, "\(renewed.error)")
        #expect(try cluster.master.kubectl(["get", "lease", "worker-1", "-n", "kube-node-lease", "-o", "jsonpath={.spec.renewTime}"]).output == "2026-01-01T00:00:10.000000Z")
        #expect(try node(["label", "node", "worker-1", "zone=a"]).status == 0)

        let other = root + "/other-node.yaml"
        try "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-2\n".write(toFile: other, atomically: true, encoding: .utf8)
        #expect(try cluster.master.kubectl(["create", "-f", other]).status == 0)
        let modify = try node(["label", "node", "worker-2", "zone=b"])
        #expect(modify.status == 1)
        #expect(modify.error.contains("Forbidden") && modify.error.contains("User \"system:node:worker-1\" cannot patch resource \"nodes\"") && modify.error.contains("cannot modify node 'worker-2'"), "\(modify.error)")
        let create = try node(["create"], input: "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-3\n")
        #expect(create.status == 1 && create.error.contains("Forbidden"), "\(create.error)")
        let deleteOther = try node(["delete", "node", "worker-2"])
        #expect(deleteOther.status == 1 && deleteOther.error.contains("Forbidden"))
        let otherLease = try node(["create"], input: lease.replacingOccurrences(of: "name: worker-1", with: "name: worker-2"))
        #expect(otherLease.status == 1 && otherLease.error.contains("Forbidden"))
    }

    @Test("daasctl refuses bad input with one line: a missing keystore, a bad audience, a non-ledger URL")
    func badInput() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let missing = try runProduct("daasctl", ["token", "--audience", "x", "--keystore", root + "/none.keystore"])
        #expect(missing.status != 0 && missing.error.split(separator: "\n").count == 1, "\(missing.error)")
        let revokeNothing = try runProduct("daasctl", ["seal", "revoke", "--kubeconfig", root + "/none"])
        #expect(revokeNothing.status != 0 && revokeNothing.error.contains("exactly one of"))
    }
}
