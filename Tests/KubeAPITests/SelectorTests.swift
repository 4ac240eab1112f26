import Testing

@testable import KubeAPI

@Suite("Selectors and request paths")
struct SelectorTests {
    @Test("label selectors", arguments: [
        ("", ["a": "1"], true), ("a=1", ["a": "1"], true), ("a==1", ["a": "2"], false), ("a!=1", [:], true),
        ("a in (1,2)", ["a": "2"], true), ("a notin (1,2)", ["a": "3"], true), ("a notin (1,2)", [:], true),
        ("a", ["a": ""], true), ("!a", ["a": "x"], false), ("a=1,b", ["a": "1"], false), ("app.kubernetes.io/name=web", ["app.kubernetes.io/name": "web"], true),
    ])
    func labels(_ selector: String, _ labels: [String: String], _ matches: Bool) throws {
        #expect(try LabelSelector(parsing: selector).matches(labels) == matches)
    }

    @Test("malformed label selectors are 400s", arguments: ["a=(b", "a in b", "a in (b", "=x", "a=b c", "a=" + String(repeating: "v", count: 64)])
    func badLabels(_ selector: String) {
        #expect(throws: APIError.self) { try LabelSelector.parsingRequest(selector) }
    }

    @Test("field selectors on dotted paths")
    func fields() throws {
        let pod: JSONValue = ["metadata": ["name": "p", "namespace": "n"], "spec": ["nodeName": "n1"], "status": ["phase": "Running"]]
        #expect(try FieldSelector(parsing: "metadata.name=p,spec.nodeName==n1").matches(pod))
        #expect(try FieldSelector(parsing: "status.phase!=Running").matches(pod) == false)
        #expect(try FieldSelector(parsing: "spec.missing=").matches(pod))
        #expect(throws: APIError.self) { try FieldSelector(parsing: "nonsense") }
    }

    @Test("paths resolve to verbs and resources as kube-apiserver resolves them")
    func requestInfo() {
        let cases: [(String, String, [String: String], String, String, String?, String, String?, String?)] = [
            ("GET", "/api/v1/namespaces/default/pods", [:], "list", "", "default", "pods", nil, nil),
            ("GET", "/api/v1/namespaces/default/pods/web", [:], "get", "", "default", "pods", "web", nil),
            ("PUT", "/api/v1/namespaces/default/pods/web/status", [:], "update", "", "default", "pods", "web", "status"),
            ("GET", "/api/v1/namespaces/default", [:], "get", "", nil, "namespaces", "default", nil),
            ("PUT", "/api/v1/namespaces/default/finalize", [:], "update", "", nil, "namespaces", "default", "finalize"),
            ("GET", "/apis/apps/v1/deployments", ["watch": "true"], "watch", "apps", nil, "deployments", nil, nil),
            ("DELETE", "/apis/apps/v1/namespaces/x/deployments", [:], "deletecollection", "apps", "x", "deployments", nil, nil),
            ("PATCH", "/apis/apps/v1/namespaces/x/deployments/d/scale", [:], "patch", "apps", "x", "deployments", "d", "scale"),
        ]
        for (method, path, query, verb, group, namespace, resource, name, subresource) in cases {
            let info = RequestInfo(method: method, path: path, query: QueryParameters(query.map { ($0.key, $0.value) }))
            #expect(info?.verb == verb && info?.group == group && info?.namespace == namespace, "\(path)")
            #expect(info?.resource == resource && info?.name == name && info?.subresource == subresource, "\(path)")
        }
        #expect(RequestInfo(method: "GET", path: "/healthz", query: QueryParameters("")) == nil)
    }

    @Test("query strings decode + as space and percent escapes")
    func query() {
        let query = QueryParameters("labelSelector=tier+in+%28a%2Cb%29&limit=5&x&dryRun=All&dryRun=Foo")
        #expect(query["labelSelector"] == "tier in (a,b)" && query["limit"] == "5" && query["x"] == "" && query["missing"] == nil)
        #expect(query.all("dryRun") == ["All", "Foo"])
        #expect(QueryParameters(String(repeating: "a=1&", count: 10_000)).all("a").count == QueryParameters.maxParameters)
    }
}

@Suite("YAML bodies")
struct YAMLBodyTests {
    @Test("YAML decodes to the same value as its JSON form")
    func decode() throws {
        let value = try YAMLValueDecoder().decode(Array("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: y, labels: {a: "1"}}
            data:
              n: "7"
            replicas: 3
            ratio: 0.5
            on: true
            none: null
            list: [x, y]
            """.utf8))
        #expect(value == ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "y", "labels": ["a": "1"]], "data": ["n": "7"],
                          "replicas": 3, "ratio": .double(0.5), "on": true, "none": .null, "list": ["x", "y"]])
    }

    @Test("YAML integers: radix forms and underscores; sexagesimal and out-of-range values stay strings, never trap")
    func integers() throws {
        let value = try YAMLValueDecoder().decode(Array("""
            a: 0x1f
            b: 0o17
            c: 017
            d: 1_000
            e: -12
            f: 1:0:0:0:0:0:0:0:0:0:0:0:0:0
            g: 99999999999999999999
            h: 1:30
            """.utf8))
        #expect(value == ["a": 31, "b": 15, "c": 15, "d": 1000, "e": -12, "f": "1:0:0:0:0:0:0:0:0:0:0:0:0:0", "g": "99999999999999999999", "h": "1:30"])
    }

    @Test("alias bombs, deep nesting and malformed YAML are 400s")
    func limits() {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<8 { bomb += "\(Character(UnicodeScalar(97 + level)!)): &\(Character(UnicodeScalar(97 + level)!)) [" + Array(repeating: "*\(Character(UnicodeScalar(96 + level)!))", count: 10).joined(separator: ", ") + "]\n" }
        #expect(throws: KubeTypeError.self) { try YAMLValueDecoder().decode(Array(bomb.utf8)) }
        #expect(throws: KubeTypeError.self) { try YAMLValueDecoder().decode(Array((String(repeating: "[", count: 150) + String(repeating: "]", count: 150)).utf8)) }
        #expect(throws: KubeTypeError.self) { try YAMLValueDecoder().decode(Array("a: [unclosed".utf8)) }
    }
}
