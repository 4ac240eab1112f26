import Testing

@testable import KubeAPI

@Suite("Strategic merge patch")
struct StrategicMergePatchTests {
    let schemas = SchemaRegistry.kubernetes
    var deployment: JSONValue? { schemas.definitions["io.k8s.api.apps.v1.Deployment"] }

    func apply(_ patch: JSONValue, _ target: JSONValue) throws -> JSONValue {
        try StrategicMergePatch(schemas: schemas).apply(patch, to: target, schema: deployment)
    }

    let current: JSONValue = [
        "metadata": ["name": "d", "labels": ["a": "1", "b": "2"], "finalizers": ["x"]],
        "spec": ["replicas": 1, "template": ["spec": ["containers": [
            ["name": "web", "image": "nginx:1", "ports": [["containerPort": 80]], "args": ["-a"]],
            ["name": "side", "image": "busybox"],
        ]]]],
    ]

    @Test("lists with a merge key merge element by element; $patch delete removes one")
    func mergeByKey() throws {
        let patch: JSONValue = ["spec": ["template": ["spec": ["containers": [
            ["name": "web", "image": "nginx:2"],
            ["name": "side", "$patch": "delete"],
            ["name": "new", "image": "alpine"],
        ]]]]]
        let result = try apply(patch, current)
        let containers = try #require(result[path: ["spec", "template", "spec", "containers"]]?.arrayValue)
        #expect(containers.map { $0["name"] } == ["web", "new"])
        #expect(containers[0] == ["name": "web", "image": "nginx:2", "ports": [["containerPort": 80]], "args": ["-a"]])
    }

    @Test("maps merge, null deletes, unkeyed lists are replaced, merge-strategy primitive lists are unioned")
    func maps() throws {
        let patch: JSONValue = [
            "metadata": ["labels": ["a": nil, "c": "3"], "finalizers": ["y"]],
            "spec": ["template": ["spec": ["containers": [["name": "web", "args": ["-b"]]]]]],
        ]
        let result = try apply(patch, current)
        #expect(result[path: ["metadata", "labels"]] == ["b": "2", "c": "3"])
        #expect(result[path: ["metadata", "finalizers"]] == ["x", "y"])
        #expect(result[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["args"] == ["-b"])
    }

    @Test("directives: $retainKeys, $deleteFromPrimitiveList, $patch replace, $setElementOrder")
    func directives() throws {
        let patch: JSONValue = [
            "metadata": ["$deleteFromPrimitiveList/finalizers": ["x"], "labels": ["$patch": "replace", "only": "this"]],
            "spec": ["$retainKeys": ["template"], "$setElementOrder/containers": [["name": "side"], ["name": "web"]]],
        ]
        let result = try apply(patch, current)
        #expect(result[path: ["metadata", "finalizers"]] == [])
        #expect(result[path: ["metadata", "labels"]] == ["only": "this"])
        #expect(result[path: ["spec", "replicas"]] == nil && result[path: ["spec", "template"]] != nil)
        #expect(result[path: ["spec", "$setElementOrder/containers"]] == nil)
    }

    @Test("$setElementOrder puts merged elements in the order given, alone or with a list patch")
    func elementOrder() throws {
        let reordered = try apply(["spec": ["template": ["spec": ["$setElementOrder/containers": [["name": "side"], ["name": "web"]]]]]], current)
        #expect(reordered[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.map { $0["name"] } == ["side", "web"])
        let patch: JSONValue = ["spec": ["template": ["spec": [
            "$setElementOrder/containers": [["name": "new"], ["name": "web"]],
            "containers": [["name": "new", "image": "alpine"]],
        ]]]]
        let merged = try apply(patch, current)
        #expect(merged[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.map { $0["name"] } == ["new", "web", "side"])
        let finalizers = try apply(["metadata": ["$setElementOrder/finalizers": ["y", "x"], "finalizers": ["y"]]], current)
        #expect(finalizers[path: ["metadata", "finalizers"]] == ["y", "x"])
    }

    @Test("an element without its merge key is a 400")
    func missingKey() {
        #expect(throws: APIError.self) {
            try apply(["spec": ["template": ["spec": ["containers": [["image": "x"]]]]]], current)
        }
    }
}
