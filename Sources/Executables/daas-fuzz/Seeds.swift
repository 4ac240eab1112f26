import Foundation
import KubeAPI

/// Seed inputs built from the fixtures and from the formats' own shapes.
enum Seeds {
    /// JSON documents: Kubernetes manifests and slices of the Kubernetes and Sui specs.
    static func json() throws -> [[UInt8]] {
        var seeds = [
            #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"x":"y"}},"data":{"k":"v"}}"#,
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx","resources":{"limits":{"cpu":"500m","memory":"1Gi"}}}]}}}}"#,
            #"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background","gracePeriodSeconds":0,"dryRun":["All"],"preconditions":{"uid":"u"}}"#,
            #"[1,-2.5e3,"\u00e9\ud83d\ude00",true,false,null,{"":[]}]"#,
        ].map(\.bytes)
        // Definitions of the Kubernetes spec and examples of the Sui spec, each a document of its own.
        let parser = JSONParser(maxDepth: 200)
        if let definitions = try parser.parse(try FixtureFiles.read("Tests/KubeAPITests/Fixtures/swagger.json"))["definitions"]?.objectValue {
            for key in definitions.keys.sorted().prefix(60) { seeds.append(definitions[key]!.serialized()) }
        }
        if let methods = try parser.parse(try FixtureFiles.read("Tests/SuiClientTests/Fixtures/openrpc.json"))["methods"]?.arrayValue {
            for method in methods.prefix(60) {
                for example in method["examples"]?.arrayValue ?? [] { if let result = example["result"] { seeds.append(result.serialized()) } }
            }
        }
        return seeds.filter { $0.count <= 32 << 10 }
    }

    /// YAML manifests in block and flow style, with anchors and several documents.
    static func yaml() -> [[UInt8]] {
        [
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {x: y}\ndata:\n  k: v\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n        args: [\"-c\", 'x']\n",
            "base: &b {a: 1, b: [1, 2, 3]}\nuse: *b\nmerged:\n  <<: *b\n  c: 3\n",
            "---\nkind: A\n---\nkind: B\n...\n",
            "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\nbinary: !!binary aGVsbG8=\nnull: ~\n? complex key\n: value\n",
            "ints: [0x1f, 0o17, 0b101, 017, 1_000, -0, +12, 1:30:00, 190:20:30.15, .inf, -.Inf, .NaN, 9223372036854775807, 9223372036854775808]\n",
        ].map(\.bytes)
    }

    /// Kubernetes protobuf bodies: the `k8s\0` envelope around ConfigMap, Pod and Namespace messages.
    static func protobuf() -> [[UInt8]] {
        func varint(_ value: Int) -> [UInt8] {
            var value = UInt64(value)
            var out: [UInt8] = []
            while value >= 0x80 {
                out.append(UInt8(value & 0x7f) | 0x80)
                value >>= 7
            }
            return out + [UInt8(value)]
        }
        func field(_ number: Int, _ bytes: [UInt8]) -> [UInt8] { varint(number << 3 | 2) + varint(bytes.count) + bytes }
        func field(_ number: Int, _ text: String) -> [UInt8] { field(number, Array(text.utf8)) }
        func entry(_ key: String, _ value: String) -> [UInt8] { field(1, key) + field(2, value) }
        func envelope(_ apiVersion: String, _ kind: String, _ raw: [UInt8]) -> [UInt8] {
            [0x6b, 0x38, 0x73, 0x00] + field(1, field(1, apiVersion) + field(2, kind)) + field(2, raw)
        }
        let meta = field(1, "web") + field(3, "default") + field(11, entry("app", "web")) + field(12, entry("note", "x"))
        let configMap = field(1, meta) + field(2, entry("k", "v")) + field(3, field(1, "bin") + field(2, [0, 1, 2]))
        let container = field(1, "c") + field(2, "nginx") + field(3, "sh") + field(4, "-c")
            + field(8, varint(6 << 3 | 0) + varint(80) + field(1, "http"))
        let pod = field(1, meta) + field(2, field(2, container) + field(23, "n1"))
        let namespace = field(1, field(1, "team"))
        return [envelope("v1", "ConfigMap", configMap), envelope("v1", "Pod", pod), envelope("v1", "Namespace", namespace),
                envelope("meta.k8s.io/v1", "DeleteOptions", varint(1 << 3 | 0) + varint(30))]
    }

    /// A kubeconfig as daas-master writes one (the certificates are placeholders).
    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: daas
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
        contexts:
        - name: admin@daas
          context: {cluster: daas, user: admin}
        current-context: admin@daas
        users:
        - name: admin
          user:
            client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
            client-key-data: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCg==
            token: seal.v1.e30.AA
        """.bytes
}
