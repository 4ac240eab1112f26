import EncStore
import Testing

@testable import KubeAPI

@Suite("RBAC")
struct RBACTests {
    @Test("rules match verbs, groups, resources, subresources, names and paths")
    func rules() {
        let rules: JSONValue = [
            ["apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]],
            ["apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["web"], "verbs": ["update"]],
            ["nonResourceURLs": ["/healthz", "/apis/*"], "verbs": ["get"]],
        ]
        func allows(_ attributes: AuthorizationAttributes) -> Bool { (rules.arrayValue ?? []).contains { RBACAuthorizer.allows($0, attributes) } }
        #expect(allows(.init(verb: "list", apiGroup: "", resource: "pods", namespace: "a")))
        #expect(allows(.init(verb: "get", apiGroup: "", resource: "pods", subresource: "log", namespace: "a", name: "p")))
        #expect(!allows(.init(verb: "get", apiGroup: "", resource: "pods", subresource: "exec", namespace: "a", name: "p")))
        #expect(!allows(.init(verb: "delete", apiGroup: "", resource: "pods", namespace: "a", name: "p")))
        #expect(allows(.init(verb: "update", apiGroup: "apps", resource: "deployments", namespace: "a", name: "web")))
        #expect(!allows(.init(verb: "update", apiGroup: "apps", resource: "deployments", namespace: "a", name: "api")))
        #expect(allows(.init(verb: "get", path: "/apis/apps/v1")) && !allows(.init(verb: "get", path: "/metrics")))
    }

    @Test("pods/* is not a wildcard: it matches neither pods nor pods/log; */status matches any status")
    func subresourceWildcards() {
        let podsStar: JSONValue = ["apiGroups": [""], "resources": ["pods/*"], "verbs": ["*"]]
        #expect(!RBACAuthorizer.allows(podsStar, .init(verb: "get", apiGroup: "", resource: "pods", namespace: "a", name: "p")))
        #expect(!RBACAuthorizer.allows(podsStar, .init(verb: "get", apiGroup: "", resource: "pods", subresource: "log", namespace: "a", name: "p")))
        let anyStatus: JSONValue = ["apiGroups": ["*"], "resources": ["*/status"], "verbs": ["update"]]
        #expect(RBACAuthorizer.allows(anyStatus, .init(verb: "update", apiGroup: "apps", resource: "deployments", subresource: "status", namespace: "a", name: "d")))
        #expect(!RBACAuthorizer.allows(anyStatus, .init(verb: "update", apiGroup: "apps", resource: "deployments", namespace: "a", name: "d")))
    }

    @Test("rule coverage: every grant of the servant must be held; a servant's * only by an owner's *")
    func coverage() {
        let owner: [JSONValue] = [
            ["apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]],
            ["apiGroups": ["apps"], "resources": ["*"], "verbs": ["*"]],
            ["nonResourceURLs": ["/healthz/*"], "verbs": ["get"]],
        ]
        #expect(RuleCoverage.missing(owner: owner, servant: [["apiGroups": [""], "resources": ["pods"], "verbs": ["get"]]]).isEmpty)
        #expect(RuleCoverage.missing(owner: owner, servant: [["apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["patch"], "resourceNames": ["w"]]]).isEmpty)
        #expect(RuleCoverage.missing(owner: owner, servant: [["nonResourceURLs": ["/healthz/etcd"], "verbs": ["get"]]]).isEmpty)
        let missing = RuleCoverage.missing(owner: owner, servant: [
            ["apiGroups": [""], "resources": ["pods"], "verbs": ["get", "delete", "*"]],
            ["apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["s"]],
        ])
        #expect(RuleCoverage.describe(missing) == """
            {APIGroups:[""], Resources:["pods"], Verbs:["delete" "*"]}
            {APIGroups:[""], Resources:["secrets"], ResourceNames:["s"], Verbs:["get"]}
            """)
    }

    @Test("bindings name users, groups and service accounts")
    func subjects() {
        let binding: JSONValue = ["metadata": ["namespace": "ns"], "subjects": [["kind": "ServiceAccount", "name": "bot"], ["kind": "Group", "name": "devs"]]]
        #expect(RBACAuthorizer.binds(binding, UserInfo(name: "system:serviceaccount:ns:bot", groups: [])))
        #expect(RBACAuthorizer.binds(binding, UserInfo(name: "x", groups: ["devs"])))
        #expect(!RBACAuthorizer.binds(binding, UserInfo(name: "bot", groups: [])))
    }

    @Test("bootstrap policy: system:masters may do anything, authenticated users may discover and review themselves")
    func bootstrap() async throws {
        let objects = ObjectStore(store: MVCCStore.inMemory())
        try await BootstrapPolicy.ensure(objects)
        let authorizer = RBACAuthorizer(objects: objects)
        let nobody = UserInfo(name: "bob", groups: [])
        #expect(try await authorizer.authorize(UserInfo(name: "root", groups: ["system:masters"]), .init(verb: "delete", apiGroup: "", resource: "nodes", name: "n")))
        #expect(try await authorizer.authorize(nobody, .init(verb: "get", path: "/api")))
        #expect(try await authorizer.authorize(nobody, .init(verb: "create", apiGroup: "authorization.k8s.io", resource: "selfsubjectaccessreviews")))
        #expect(try await !authorizer.authorize(nobody, .init(verb: "list", apiGroup: "", resource: "secrets", namespace: "default")))
    }

    @Test("403 messages read as kube-apiserver's")
    func messages() {
        #expect(AuthorizationAttributes(verb: "get", apiGroup: "apps", resource: "deployments", namespace: "a", name: "w").forbiddenMessage(user: "u")
            == "deployments.apps \"w\" is forbidden: User \"u\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"a\"")
        #expect(AuthorizationAttributes(verb: "list", apiGroup: "", resource: "nodes").forbiddenMessage(user: "u")
            == "nodes is forbidden: User \"u\" cannot list resource \"nodes\" in API group \"\" at the cluster scope")
        #expect(AuthorizationAttributes(verb: "get", path: "/metrics").forbiddenMessage(user: "u") == "forbidden: User \"u\" cannot get path \"/metrics\"")
    }
}
