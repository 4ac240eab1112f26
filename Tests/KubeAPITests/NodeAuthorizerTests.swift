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
        func decide(_ attributes: AuthorizationAttributes) async throws -> NodeAuthorizer.Decision {
            try await authorizer.authorize(node: "n1", attributes)
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

    @Test("NodeRestriction refuses creating another node, another lease or a pod bound elsewhere")
    func creates() {
        let registry = ObjectStore(store: MVCCStore.inMemory()).registry
        let nodes = registry.lookup(group: "", version: "v1", plural: "nodes")!
        let leases = registry.lookup(group: "coordination.k8s.io", version: "v1", plural: "leases")!
        let pods = registry.lookup(group: "", version: "v1", plural: "pods")!
        #expect(NodeAuthorizer.admitCreate(node: "n1", type: nodes, body: ["metadata": ["name": "n1"]]) == nil)
        #expect(NodeAuthorizer.admitCreate(node: "n1", type: nodes, body: ["metadata": ["name": "n2"]]) != nil)
        #expect(NodeAuthorizer.admitCreate(node: "n1", type: leases, body: ["metadata": ["name": "n2"]]) != nil)
        #expect(NodeAuthorizer.admitCreate(node: "n1", type: pods, body: ["metadata": ["name": "p"], "spec": ["nodeName": "n2"]]) != nil)
        #expect(NodeAuthorizer.admitCreate(node: "n1", type: pods, body: ["metadata": ["name": "p"], "spec": ["nodeName": "n1"]]) == nil)
    }
}
