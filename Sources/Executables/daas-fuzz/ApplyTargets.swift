import EncStore
import Foundation
import KubeAPI

/// Server-side apply and managed fields through the registry: each input is an applied
/// configuration for a Deployment (forced or not), and the `metadata.managedFields` of an update.
struct ServerSideApplyTarget: FuzzTarget {
    let name = "server-side-apply"
    let objects = ObjectStore(store: MVCCStore.inMemory())
    var dictionary: [[UInt8]] {
        ["\"apiVersion\":\"apps/v1\"", "\"kind\":\"Deployment\"", "\"metadata\":{\"name\":\"d\"}", "\"f:spec\":", "\"k:{\\\"name\\\":\\\"c\\\"}\":", "\"v:1\":",
         "\"i:0\":", "\".\":{}", "\"fieldsV1\":", "\"operation\":\"Apply\"", "\"containers\":[", "null", "\"ports\":[{\"containerPort\":80}]"].map(\.bytes)
    }

    func start() async throws {
        let namespaces = objects.registry.lookup(group: "", version: "v1", plural: "namespaces")!
        _ = try await objects.create(namespaces, namespace: nil, body: ["metadata": ["name": "default"]])
    }

    func seeds() throws -> [[UInt8]] {
        [
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"a":"b"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}]}]}}}}"#,
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":null}}"#,
            #"[{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:a":{}}}}]"#,
            #"[{}]"#,
        ].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        guard let value = try? JSONParser().parse(input) else { return }
        let deployments = objects.registry.lookup(group: "apps", version: "v1", plural: "deployments")!
        let configMaps = objects.registry.lookup(group: "", version: "v1", plural: "configmaps")!
        for (manager, force) in [("a", false), ("b", input.count % 2 == 0)] {
            _ = try? await objects.apply(deployments, namespace: "default", name: "d", config: value, force: force, options: .init(fieldManager: manager))
        }
        _ = try? await objects.create(configMaps, namespace: "default", body: ["metadata": ["name": "m"], "data": ["a": "1"]])
        _ = try? await objects.update(configMaps, namespace: "default", name: "m", body: ["metadata": ["name": "m", "managedFields": value], "data": ["a": "2"]])
    }
}

/// Custom resources against a CRD schema (pruning, defaulting, validation), and inputs taken as
/// a CRD's schema (the definition's validation, then objects checked against it).
struct CustomResourceTarget: FuzzTarget {
    let name = "custom-resource"
    let objects = ObjectStore(store: MVCCStore.inMemory())
    static let schema: JSONValue = [
        "type": "object",
        "properties": [
            "spec": [
                "type": "object", "required": ["size"],
                "properties": [
                    "size": ["type": "string", "enum": ["small", "large"]], "replicas": ["type": "integer", "minimum": 0, "default": 1, "format": "int32"],
                    "color": ["type": "string", "pattern": "^[a-z]+$", "maxLength": 10], "port": ["x-kubernetes-int-or-string": true],
                    "items": ["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "maxItems": 4,
                              "items": ["type": "object", "properties": ["name": ["type": "string"], "value": ["type": "number", "multipleOf": .double(0.5)]]]],
                    "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    "embedded": ["type": "object", "x-kubernetes-embedded-resource": true, "properties": ["spec": ["type": "object"]]],
                    "choice": ["type": "string", "anyOf": [["pattern": "^a"], ["pattern": "b$"]], "not": ["enum": ["ab"]]],
                ],
            ],
        ],
    ]
    var dictionary: [[UInt8]] {
        ["\"spec\":", "\"size\":\"small\"", "\"replicas\":", "\"port\":", "\"items\":[", "\"name\":", "\"free\":{", "\"embedded\":{\"apiVersion\":\"v1\",\"kind\":\"X\",\"metadata\":{}}",
         "\"type\":\"object\"", "\"properties\":", "\"pattern\":\"(a+)+$\"", "\"x-kubernetes-validations\":[{\"rule\":\"self\"}]", "1e308", "-1"].map(\.bytes)
    }

    var type: ResourceType {
        var type = ResourceType(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true, subresources: ["status"])
        type.custom = CustomResourceInfo(definition: "widgets.example.com", schema: Self.schema, storageVersion: "v1")
        return type
    }

    func start() async throws {
        let namespaces = objects.registry.lookup(group: "", version: "v1", plural: "namespaces")!
        _ = try await objects.create(namespaces, namespace: nil, body: ["metadata": ["name": "default"]])
    }

    func seeds() throws -> [[UInt8]] {
        [
            #"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":"small","port":"http","items":[{"name":"a","value":1.5}],"free":{"x":[1]}}}"#,
            #"{"spec":{"size":"huge","replicas":-1,"color":"Blue","items":[{"name":"a"},{"name":"a"}],"choice":"ab"}}"#,
            #"{"type":"object","properties":{"spec":{"type":"object","properties":{"n":{"type":"integer","maximum":3,"exclusiveMaximum":true}}}}}"#,
        ].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        guard let value = try? JSONParser().parse(input) else { return }
        var object = value
        object["apiVersion"] = "example.com/v1"
        object["kind"] = "Widget"
        object["metadata"] = ["name": "w"]
        _ = try? await objects.create(type, namespace: "default", body: object)
        _ = try? await objects.apply(type, namespace: "default", name: "w", config: object, force: true, options: .init(fieldManager: "fuzz"))
        _ = try? await objects.delete(type, namespace: "default", name: "w")
        // The input as a definition's schema, and the seeds' object against it.
        let definitions = objects.registry.lookup(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions")!
        let definition: JSONValue = [
            "metadata": ["name": "things.example.com"],
            "spec": ["group": "example.com", "scope": "Namespaced", "names": ["plural": "things", "kind": "Thing"],
                     "versions": [["name": "v1", "served": true, "storage": true, "schema": ["openAPIV3Schema": value]]]],
        ]
        _ = try? await objects.create(definitions, namespace: nil, body: definition, options: .init(dryRun: true))
        var schemaType = type
        schemaType.custom = CustomResourceInfo(definition: "things.example.com", schema: value, storageVersion: "v1")
        _ = try? await objects.create(schemaType, namespace: "default", body: [
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "s"], "spec": ["size": "small", "n": 3, "items": [["name": "a"]]],
        ], options: .init(dryRun: true))
    }
}
