/// kube-apiserver's bootstrap roles and bindings that the API server reconciles at start.
///
/// The rule sets follow upstream's `bootstrappolicy` (the aggregated admin/edit/view roles are
/// written out flat); node rules arrive with the node agent.
enum BootstrapPolicy {
    static let readVerbs: JSONValue = ["get", "list", "watch"]
    static let writeVerbs: JSONValue = ["create", "delete", "deletecollection", "patch", "update"]

    static func rule(_ groups: [String], _ resources: [String], _ verbs: JSONValue) -> JSONValue {
        ["apiGroups": .array(groups.map { .string($0) }), "resources": .array(resources.map { .string($0) }), "verbs": verbs]
    }

    static func nonResource(_ urls: [String], _ verbs: JSONValue = ["get"]) -> JSONValue {
        ["nonResourceURLs": .array(urls.map { .string($0) }), "verbs": verbs]
    }

    static let viewRules: [JSONValue] = [
        rule([""], ["pods", "pods/status", "pods/log", "services", "services/status", "endpoints", "configmaps", "serviceaccounts",
                    "persistentvolumeclaims", "persistentvolumeclaims/status", "replicationcontrollers", "replicationcontrollers/scale",
                    "replicationcontrollers/status", "events", "limitranges", "resourcequotas", "namespaces", "namespaces/status", "bindings"], readVerbs),
        rule(["apps"], ["deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status",
                        "statefulsets", "statefulsets/scale", "statefulsets/status", "daemonsets", "daemonsets/status", "controllerrevisions"], readVerbs),
        rule(["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"], readVerbs),
        rule(["batch"], ["jobs", "jobs/status", "cronjobs", "cronjobs/status"], readVerbs),
        rule(["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"], readVerbs),
        rule(["discovery.k8s.io"], ["endpointslices"], readVerbs),
        rule(["events.k8s.io"], ["events"], readVerbs),
        rule(["metrics.k8s.io"], ["pods", "nodes"], readVerbs),
    ]

    static let editRules: [JSONValue] = [
        rule([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "pods/eviction", "services", "services/proxy", "endpoints",
                    "configmaps", "secrets", "serviceaccounts", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale", "events"], writeVerbs),
        rule([""], ["secrets"], readVerbs),
        rule(["apps"], ["deployments", "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale", "statefulsets",
                        "statefulsets/scale", "daemonsets"], writeVerbs),
        rule(["autoscaling"], ["horizontalpodautoscalers"], writeVerbs),
        rule(["batch"], ["jobs", "cronjobs"], writeVerbs),
        rule(["policy"], ["poddisruptionbudgets"], writeVerbs),
        rule(["discovery.k8s.io"], ["endpointslices"], writeVerbs),
        rule(["coordination.k8s.io"], ["leases"], ["get", "list", "watch", "create", "delete", "deletecollection", "patch", "update"]),
    ]

    static let adminRules: [JSONValue] = [
        rule(["rbac.authorization.k8s.io"], ["roles", "rolebindings"], ["get", "list", "watch", "create", "delete", "deletecollection", "patch", "update"]),
        rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
    ]

    static var clusterRoles: [(String, [JSONValue])] {
        [
            ("cluster-admin", [rule(["*"], ["*"], ["*"]), nonResource(["*"], ["*"])]),
            ("admin", viewRules + editRules + adminRules),
            ("edit", viewRules + editRules),
            ("view", viewRules),
            // metrics-server's role (aggregated into view, edit and admin, written out flat there).
            ("system:aggregated-metrics-reader", [rule(["metrics.k8s.io"], ["pods", "nodes"], readVerbs)]),
            ("system:discovery", [nonResource(["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", "/version", "/version/", "/healthz", "/livez", "/readyz"])]),
            ("system:basic-user", [
                rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"]),
                rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
            ]),
            ("system:public-info-viewer", [nonResource(["/healthz", "/livez", "/readyz", "/version", "/version/"])]),
            ("system:monitoring", [nonResource(["/metrics", "/metrics/slis", "/daas/v1/status", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*"])]),
            // Upstream's system:node rules. As upstream, nothing binds them: nodes get their rights
            // from node authorization (with NodeRestriction), which arrives with node authentication.
            ("system:node", [
                rule([""], ["nodes"], ["create", "get", "list", "watch", "patch", "update", "delete"]),
                rule([""], ["nodes/status"], ["patch", "update"]),
                rule([""], ["pods"], ["get", "list", "watch", "create", "delete"]),
                rule([""], ["pods/status"], ["patch", "update"]),
                rule([""], ["pods/eviction"], ["create"]),
                rule([""], ["services", "endpoints", "configmaps", "secrets", "persistentvolumeclaims", "persistentvolumes"], ["get", "list", "watch"]),
                rule([""], ["events"], ["create", "patch", "update"]),
                rule(["events.k8s.io"], ["events"], ["create", "patch", "update"]),
                rule(["coordination.k8s.io"], ["leases"], ["create", "delete", "get", "patch", "update"]),
                rule(["discovery.k8s.io"], ["endpointslices"], ["get", "list", "watch"]),
                rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
                rule(["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"], ["create"]),
            ]),
        ]
    }

    static let clusterRoleBindings: [(String, String, [JSONValue])] = [
        ("cluster-admin", "cluster-admin", [["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:masters"]]),
        ("system:discovery", "system:discovery", [["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"]]),
        ("system:basic-user", "system:basic-user", [["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"]]),
        ("system:monitoring", "system:monitoring", [["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:monitoring"]]),
        ("system:public-info-viewer", "system:public-info-viewer", [
            ["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"],
            ["kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:unauthenticated"],
        ]),
    ]

    /// Creates the bootstrap roles and bindings that are missing (existing ones are left as they are).
    static func ensure(_ objects: ObjectStore) async throws {
        let rbac = "rbac.authorization.k8s.io"
        let roles = objects.registry.lookup(group: rbac, version: "v1", plural: "clusterroles")!
        let bindings = objects.registry.lookup(group: rbac, version: "v1", plural: "clusterrolebindings")!
        let labels: JSONValue = ["kubernetes.io/bootstrapping": "rbac-defaults"]
        for (name, rules) in clusterRoles {
            _ = try? await objects.create(roles, namespace: nil, body: ["metadata": ["name": .string(name), "labels": labels], "rules": .array(rules)])
        }
        for (name, role, subjects) in clusterRoleBindings {
            _ = try? await objects.create(
                bindings, namespace: nil,
                body: [
                    "metadata": ["name": .string(name), "labels": labels],
                    "roleRef": ["apiGroup": .string(rbac), "kind": "ClusterRole", "name": .string(role)], "subjects": .array(subjects),
                ])
        }
    }
}
