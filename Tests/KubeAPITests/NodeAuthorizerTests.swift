import Crypto
import Foundation
import SwiftASN1
import X509
import EncStore
import Testing

@testable import KubeAPI

@Suite("Node authorization")
struct NodeAuthorizerTests {
    private let node = UserInfo(name: "system:node:n1", groups: ["system:nodes"])

    @Test("only node identities get node authorization")
    func identities() {
        #expect(NodeAuthorizer.nodeName(of: node) == "n1")
        #expect(NodeAuthorizer.nodeName(of: UserInfo(name: "system:node:n1", groups: [])) == nil)
        #expect(NodeAuthorizer.nodeName(of: UserInfo(name: "alice", groups: ["system:nodes"])) == nil)
    }

    @Test("a node writes only its own Node, Lease and the status of pods bound to it")
    func writes() async throws {
        let objects = ObjectStore(store: MVCCStore.inMemory())
        try await Bootstrap.ensure(objects, apiServerHost: "127.0.0.1", port: 6443)
        let pods = objects.registry.lookup(group: "", version: "v1", plural: "pods")!
        for (name, nodeName) in [("mine", "n1"), ("theirs", "n2")] {
            _ = try await objects.create(pods, namespace: "default", body: [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
                "spec": ["nodeName": .string(nodeName), "containers": [["name": "c", "image": "busybox"]]],
            ])
        }
        let authorizer = NodeAuthorizer(objects: objects)
        func decide(_ attributes: AuthorizationAttributes) async throws -> AuthorizationDecision {
            try await authorizer.authorize(node: "n1", user: node, attributes)
        }
        #expect(try await decide(.init(verb: "patch", apiGroup: "", resource: "nodes", subresource: "status", name: "n1")) == .allow)
        #expect(try await decide(.init(verb: "patch", apiGroup: "", resource: "nodes", name: "n2")) == .deny("node 'n1' cannot modify node 'n2'"))
        #expect(try await decide(.init(verb: "update", apiGroup: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "n1")) == .allow)
        #expect(try await decide(.init(verb: "update", apiGroup: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "n2")) != .allow)
        #expect(try await decide(.init(verb: "update", apiGroup: "coordination.k8s.io", resource: "leases", namespace: "default", name: "n1")) != .allow)
        #expect(try await decide(.init(verb: "update", apiGroup: "", resource: "pods", subresource: "status", namespace: "default", name: "mine")) == .allow)
        #expect(try await decide(.init(verb: "update", apiGroup: "", resource: "pods", subresource: "status", namespace: "default", name: "theirs")) != .allow)
        #expect(try await decide(.init(verb: "delete", apiGroup: "", resource: "pods", namespace: "default", name: "theirs")) != .allow)
        #expect(try await decide(.init(verb: "update", apiGroup: "", resource: "pods", namespace: "default", name: "mine")) != .allow)
        #expect(try await decide(.init(verb: "list", apiGroup: "", resource: "pods")) == .allow)
        #expect(try await decide(.init(verb: "delete", apiGroup: "", resource: "secrets", namespace: "default", name: "s")) != .allow)
        #expect(try await decide(.init(verb: "list", apiGroup: "apps", resource: "deployments")) == .noOpinion)
    }

    @Test("NodeRestriction refuses creating another node, another lease, a pod bound elsewhere, or any but a self-contained mirror pod")
    func creates() async throws {
        let registry = ObjectStore(store: MVCCStore.inMemory()).registry
        let nodes = registry.lookup(group: "", version: "v1", plural: "nodes")!
        let leases = registry.lookup(group: "coordination.k8s.io", version: "v1", plural: "leases")!
        let pods = registry.lookup(group: "", version: "v1", plural: "pods")!
        func refused(_ type: ResourceType, _ name: String, _ body: JSONValue) async -> Bool {
            do {
                try await NodeRestriction().validate(AdmissionAttributes(operation: .create, type: type, namespace: "default", name: name, user: node, object: body))
                return false
            } catch let error as APIError {
                return error.code == 403
            } catch {
                return false
            }
        }
        #expect(await !refused(nodes, "n1", ["metadata": ["name": "n1"]]))
        #expect(await refused(nodes, "n2", ["metadata": ["name": "n2"]]))
        #expect(await refused(leases, "n2", ["metadata": ["name": "n2"]]))
        let mirror: JSONValue = ["name": "p", "annotations": ["kubernetes.io/config.mirror": "abc"]]
        #expect(await refused(pods, "p", ["metadata": mirror, "spec": ["nodeName": "n2"]]))
        #expect(await !refused(pods, "p", ["metadata": mirror, "spec": ["nodeName": "n1", "containers": [["name": "c", "image": "busybox"]]]]))
        // Only mirror pods, and they reference no other API object (kube's NodeRestriction).
        #expect(await refused(pods, "p", ["metadata": ["name": "p"], "spec": ["nodeName": "n1"]]))
        #expect(await refused(pods, "p", ["metadata": mirror, "spec": ["nodeName": "n1", "serviceAccountName": "default"]]))
        #expect(await refused(pods, "p", ["metadata": mirror, "spec": ["nodeName": "n1", "volumes": [["name": "s", "secret": ["secretName": "x"]]]]]))
        #expect(await refused(pods, "p", ["metadata": mirror, "spec": ["nodeName": "n1", "volumes": [["name": "c", "configMap": ["name": "x"]]]]]))
        #expect(await refused(pods, "p", ["metadata": mirror, "spec": ["nodeName": "n1", "volumes": [["name": "v", "persistentVolumeClaim": ["claimName": "x"]]]]]))
    }

    @Test("a node reads only the secrets, configmaps and claims its pods reference, one at a time")
    func narrowedReads() async throws {
        let objects = ObjectStore(store: MVCCStore.inMemory())
        try await Bootstrap.ensure(objects, apiServerHost: "127.0.0.1", port: 6443)
        let pods = objects.registry.lookup(group: "", version: "v1", plural: "pods")!
        _ = try await objects.create(pods, namespace: "default", body: [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "mine"],
            "spec": [
                "nodeName": "n1", "imagePullSecrets": [["name": "pull"]],
                "containers": [[
                    "name": "c", "image": "busybox", "envFrom": [["configMapRef": ["name": "env-cm"]]],
                    "env": [["name": "X", "valueFrom": ["secretKeyRef": ["name": "env-secret", "key": "k"]]]],
                ]],
                "volumes": [["name": "v", "secret": ["secretName": "vol-secret"]], ["name": "p", "projected": ["sources": [["configMap": ["name": "proj-cm"]]]]],
                            ["name": "d", "persistentVolumeClaim": ["claimName": "data"]]],
            ],
        ])
        _ = try await objects.create(pods, namespace: "default", body: [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "theirs"],
            "spec": ["nodeName": "n2", "containers": [["name": "c", "image": "busybox", "envFrom": [["secretRef": ["name": "other"]]]]]],
        ])
        let authorizer = NodeAuthorizer(objects: objects)
        func decide(_ verb: String, _ resource: String, _ name: String?) async throws -> AuthorizationDecision {
            try await authorizer.authorize(node: "n1", user: node, .init(verb: verb, apiGroup: "", resource: resource, namespace: "default", name: name))
        }
        for secret in ["pull", "env-secret", "vol-secret"] { #expect(try await decide("get", "secrets", secret) == .allow, "\(secret)") }
        for configMap in ["env-cm", "proj-cm"] { #expect(try await decide("watch", "configmaps", configMap) == .allow, "\(configMap)") }
        #expect(try await decide("get", "persistentvolumeclaims", "data") == .allow)
        #expect(try await decide("get", "secrets", "other") == .deny("no relationship found between node 'n1' and this object"))
        #expect(try await decide("list", "secrets", nil) == .deny("No Object name found"))
        #expect(try await decide("update", "secrets", "pull") != .allow)
        #expect(try await decide("get", "configmaps", "unrelated") != .allow)
    }

    @Test("a node name is bound to the address that registered it; another address's token is refused everything")
    func addressBinding() async throws {
        let objects = ObjectStore(store: MVCCStore.inMemory())
        let nodes = objects.registry.lookup(group: "", version: "v1", plural: "nodes")!
        let owner = UserInfo(name: "system:node:n1", groups: ["system:nodes"], extra: [UserInfo.suiAddressKey: ["0xaaa"]])
        let thief = UserInfo(name: "system:node:n1", groups: ["system:nodes"], extra: [UserInfo.suiAddressKey: ["0xbbb"]])
        let admission = Admission(user: owner)
        let created = try await objects.create(nodes, namespace: nil, body: ["metadata": ["name": "n1", "annotations": ["daas.io/sui-address": "0xbbb"]]], options: .init(admission: admission))
        #expect(created[path: ["metadata", "annotations", "daas.io/sui-address"]] == "0xaaa", "the registering address, whatever the body says")
        let authorizer = NodeAuthorizer(objects: objects)
        let read = AuthorizationAttributes(verb: "get", apiGroup: "", resource: "nodes", name: "n1")
        #expect(try await authorizer.authorize(node: "n1", user: owner, read) == .allow)
        #expect(try await authorizer.authorize(node: "n1", user: thief, read) != .allow)
        // The node cannot drop or change its binding; an admin can.
        let patched = try await objects.mergePatch(nodes, namespace: nil, name: "n1", patch: ["metadata": ["annotations": ["daas.io/sui-address": nil]]], options: .init(admission: admission))
        #expect(patched[path: ["metadata", "annotations", "daas.io/sui-address"]] == "0xaaa")
        let admin = Admission(user: UserInfo(name: "admin", groups: ["system:masters"]))
        _ = try await objects.mergePatch(nodes, namespace: nil, name: "n1", patch: ["metadata": ["annotations": ["daas.io/sui-address": nil]]], options: .init(admission: admin))
        #expect(try await authorizer.authorize(node: "n1", user: thief, read) == .allow, "released by the admin")

        // The stake the master records cannot be set or changed by the node, as label or annotation.
        _ = try await objects.mergePatch(nodes, namespace: nil, name: "n1", patch: ["metadata": ["annotations": [NodeKeys.stake: "5"]]], options: .init(admission: admin))
        let bragging = try await objects.mergePatch(
            nodes, namespace: nil, name: "n1", patch: ["metadata": ["annotations": [NodeKeys.stake: "999999999999"], "labels": [NodeKeys.stake: "999999999999"]]],
            options: .init(admission: admission))
        #expect(bragging[path: ["metadata", "annotations", NodeKeys.stake]] == "5")
        #expect(bragging[path: ["metadata", "labels", NodeKeys.stake]] == nil)

        // Nor its pod network: the master allocates it.
        let grabbing = try await objects.mergePatch(nodes, namespace: nil, name: "n1", patch: ["spec": ["podCIDR": "10.42.7.0/24"]], options: .init(admission: admission))
        #expect(grabbing[path: ["spec", "podCIDR"]] == nil)
        let created2 = try await objects.create(
            nodes, namespace: nil, body: ["metadata": ["name": "n2"], "spec": ["podCIDR": "10.42.0.0/24", "podCIDRs": ["10.42.0.0/24"]]],
            options: .init(admission: Admission(user: UserInfo(name: "system:node:n2", groups: ["system:nodes"]))))
        #expect(created2[path: ["spec", "podCIDR"]] == nil && created2[path: ["spec", "podCIDRs"]] == nil)
        let allocated = try await objects.mergePatch(nodes, namespace: nil, name: "n1", patch: ["spec": ["podCIDR": "10.42.7.0/24"]], options: .init(admission: admin))
        #expect(allocated[path: ["spec", "podCIDR"]] == "10.42.7.0/24", "the master (or an admin) may")
    }
}

@Suite("Node serving certificates")
struct NodeServingCertificateTests {
    @Test("a node's certificate names only the node, for server authentication, signed by the cluster CA; bad requests are 400")
    func issue() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("daas-pki-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pki = try ClusterPKI.loadOrCreate(directory: directory, hosts: ["127.0.0.1"])
        #expect(pki.kubeletClientCertificatePEM.contains("BEGIN CERTIFICATE"))
        let issuer = try NodeServingCertificates(directory: directory)
        let key = P256.Signing.PrivateKey()
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("system:node:other") }, privateKey: .init(key), attributes: .init(),
            signatureAlgorithm: .ecdsaWithSHA256)
        let certificate = try Certificate(pemEncoded: try issuer.issue(node: "n1", requestPEM: try request.serializeAsPEM().pemString))
        #expect(ClientCertificateIdentity.user(of: certificate) == UserInfo(name: "system:node:n1", groups: ["system:nodes"]))
        #expect(try certificate.extensions.subjectAlternativeNames == SubjectAlternativeNames([.dnsName("n1")]))
        #expect(certificate.publicKey == Certificate.PublicKey(key.publicKey))
        let ca = try Certificate(pemEncoded: pki.caCertificatePEM)
        #expect(ca.publicKey.isValidSignature(certificate.signature, for: certificate))
        for bad in ["", "not pem", String(repeating: "A", count: 20_000)] {
            #expect(throws: APIError.self) { try issuer.issue(node: "n1", requestPEM: bad) }
        }
    }

    @Test("a node may request tokens only for the service accounts of pods bound to it")
    func tokens() async throws {
        let objects = ObjectStore(store: MVCCStore.inMemory())
        try await Bootstrap.ensure(objects, apiServerHost: "127.0.0.1", port: 6443)
        let pods = objects.registry.lookup(group: "", version: "v1", plural: "pods")!
        let accounts = objects.registry.lookup(group: "", version: "v1", plural: "serviceaccounts")!
        _ = try await objects.create(accounts, namespace: "default", body: ["metadata": ["name": "builder"]])
        _ = try await objects.create(pods, namespace: "default", body: [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
            "spec": ["nodeName": "n1", "serviceAccountName": "builder", "containers": [["name": "c", "image": "busybox"]]],
        ])
        let authorizer = NodeAuthorizer(objects: objects)
        func decide(_ name: String, node nodeName: String = "n1") async throws -> AuthorizationDecision {
            try await authorizer.authorize(
                node: nodeName, user: UserInfo(name: "system:node:\(nodeName)", groups: ["system:nodes"]),
                .init(verb: "create", apiGroup: "", resource: "serviceaccounts", subresource: "token", namespace: "default", name: name))
        }
        #expect(try await decide("builder") == .allow)
        #expect(try await decide("default") != .allow)
        #expect(try await decide("builder", node: "n2") != .allow)
    }
}
