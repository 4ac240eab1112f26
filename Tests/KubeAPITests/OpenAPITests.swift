import EncStore
import Foundation
import Testing

@testable import KubeAPI

@Suite("OpenAPI and schema registry")
struct OpenAPITests {
    let schemas = SchemaRegistry.kubernetes
    let registry = ResourceRegistry.builtIn

    @Test("every served kind has a definition")
    func coverage() {
        for type in registry.types where !type.isVirtual {
            #expect(schemas.definitionName(for: type) != nil, "\(type.apiVersion) \(type.kind)")
        }
        #expect(schemas.definitionName(for: registry.lookup(group: "apps", version: "v1", plural: "deployments")!) == "io.k8s.api.apps.v1.Deployment")
    }

    @Test("pruning removes exactly the fields the schema does not define, at any depth")
    func prune() throws {
        let deployments = try #require(registry.lookup(group: "apps", version: "v1", plural: "deployments"))
        let object: JSONValue = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "d", "labels": ["free": "form"], "bogus": 1],
            "spec": ["replicas": 1, "template": ["spec": ["containers": [["name": "c", "image": "i", "imagex": "j", "resources": ["limits": ["cpu": "1"]]]]]]],
        ]
        let (pruned, unknown) = schemas.prune(object, type: deployments)
        #expect(unknown == ["metadata.bogus", "spec.template.spec.containers[0].imagex"])
        #expect(pruned[path: ["metadata", "bogus"]] == nil && pruned[path: ["metadata", "labels", "free"]] == "form")
        #expect(pruned[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["imagex"] == nil)
        #expect(pruned[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?[path: ["resources", "limits", "cpu"]] == "1")
    }

    @Test("v3 documents carry paths, group-version-kinds, fieldValidation and the schemas they reference")
    func v3() throws {
        let openapi = OpenAPIV3.builtIn
        let index = try JSONParser().parse(openapi.index)
        let url = try #require(index[path: ["paths", "apis/apps/v1", "serverRelativeURL"]]?.stringValue)
        #expect(url.hasPrefix("/openapi/v3/apis/apps/v1?hash="))
        let document = try JSONParser(maxDepth: 200).parse(try #require(openapi.documents["apis/apps/v1"]))
        let patch = try #require(document[path: ["paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch"]])
        #expect(patch["x-kubernetes-group-version-kind"] == ["group": "apps", "version": "v1", "kind": "Deployment"])
        #expect(patch["parameters"]?.arrayValue?.contains { $0["name"] == "fieldValidation" } == true)
        let schemas = try #require(document[path: ["components", "schemas"]]?.objectValue)
        #expect(schemas["io.k8s.api.apps.v1.Deployment"] != nil && schemas["io.k8s.api.core.v1.PodSpec"] != nil)
        #expect(schemas["io.k8s.api.core.v1.Pod"] == nil, "only what apps/v1 references")
        #expect(document.jsonString.contains("#/definitions/") == false)
    }

    @Test("the v2 protobuf document names every stored kind's PATCH with fieldValidation")
    func v2() {
        let bytes = OpenAPIV2.document(registry)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}") && text.contains("fieldValidation"))
        #expect(text.contains("kind: Deployment\nversion: v1"))
    }

    @Test("aggregated discovery lists every group, version, resource and subresource")
    func aggregatedDiscovery() {
        #expect(Discovery.wantsAggregated("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"))
        #expect(!Discovery.wantsAggregated("application/json"))
        let apis = Discovery.aggregated(registry, core: false)
        let apps = apis["items"]?.arrayValue?.first { $0[path: ["metadata", "name"]] == "apps" }
        let deployments = apps?[path: ["versions"]]?.arrayValue?.first?["resources"]?.arrayValue?.first { $0["resource"] == "deployments" }
        #expect(deployments?["scope"] == "Namespaced" && deployments?["shortNames"] == ["deploy"])
        #expect(deployments?["subresources"]?.arrayValue?.contains { $0["subresource"] == "scale" && $0[path: ["responseKind", "kind"]] == "Scale" } == true)
        let core = Discovery.aggregated(registry, core: true)
        #expect(core["items"]?.arrayValue?.count == 1 && core[path: ["kind"]] == "APIGroupDiscoveryList")
    }
}

@Suite("OpenAPI v2 definitions")
struct OpenAPIV2SchemaTests {
    @Test("a schema becomes gnostic's Schema message: $ref, type, properties, items, additionalProperties, extensions")
    func encoding() {
        let schema: JSONValue = [
            "description": "d", "type": "object", "required": ["a"],
            "properties": ["a": ["$ref": "#/definitions/x"], "b": ["type": "array", "items": ["type": "string"]]],
            "additionalProperties": false, "x-kubernetes-map-type": "atomic",
        ]
        let bytes = OpenAPIV2Schema.encode(schema, depth: 0)
        func message(_ build: (inout ProtobufWriter) -> Void) -> [UInt8] { ProtobufWriter.message(build) }
        let expected = message { w in
            w.field(4, "d")
            w.field(19, "a")
            w.field(21, message { $0.field(2, int: 0) })
            w.field(22, message { $0.field(1, "object") })
            w.field(25, message { list in
                list.field(1, message { $0.field(1, "a"); $0.field(2, message { $0.field(1, "#/definitions/x") }) })
                list.field(1, message { named in
                    named.field(1, "b")
                    named.field(2, message { b in
                        b.field(22, message { $0.field(1, "array") })
                        b.field(23, message { $0.field(1, message { $0.field(22, message { $0.field(1, "string") }) }) })
                    })
                })
            })
            w.field(31, message { $0.field(1, "x-kubernetes-map-type"); $0.field(2, message { $0.field(2, "\"atomic\"\n") }) })
        }
        #expect(bytes == expected)
    }

    @Test("the served document carries every definition of the Kubernetes spec")
    func document() {
        #expect(OpenAPIV2.definitions.count > 500_000)
        let document = OpenAPIV2.document(ObjectStore(store: MVCCStore.inMemory()).registry)
        #expect(document.count > OpenAPIV2.definitions.count)
    }
}
