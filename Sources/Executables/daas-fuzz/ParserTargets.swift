import Crypto
import DaaSTestSupport
import EncStore
import Foundation
import KubeAPI
import KubeTypes
import SuiClient

/// The JSON request-body parser.
struct JSONTarget: FuzzTarget {
    let name = "json"
    var dictionary: [[UInt8]] { ["{", "}", "[", "]", "\"", ":", ",", "null", "true", "false", "\\u0000", "\\ud83d", "1e999", "-0", "{\"a\":"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        try Seeds.json()
    }

    func run(_ input: [UInt8]) async {
        _ = try? JSONParser().parse(input)
    }
}

/// The YAML request-body decoder (bounded depth and alias expansion).
struct YAMLTarget: FuzzTarget {
    let name = "yaml"
    var dictionary: [[UInt8]] { ["&a ", "*a", "<<: ", "- ", ": ", "\n  ", "---\n", "!!binary ", "? ", "|\n", ">\n", "{", "[", "'", "\"", "#", ":0", ":59", "0x", "0o", "0b", "_", ".inf", "!!int ", "!!float "].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        Seeds.yaml() + (try Seeds.json().prefix(20))
    }

    func run(_ input: [UInt8]) async {
        _ = try? YAMLValueDecoder().decode(input)
    }
}

/// The Kubernetes protobuf body decoder.
struct ProtobufTarget: FuzzTarget {
    let name = "protobuf"
    var dictionary: [[UInt8]] { [[0x6b, 0x38, 0x73, 0x00], [0x0a], [0x12], [0x1a], [0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]] }

    func seeds() throws -> [[UInt8]] {
        Seeds.protobuf()
    }

    func run(_ input: [UInt8]) async {
        _ = try? ProtobufDecoder.kubernetes.decodeObject(input)
    }
}

/// Label and field selectors from query strings.
struct SelectorTarget: FuzzTarget {
    let name = "selectors"
    var dictionary: [[UInt8]] { ["=", "==", "!=", ",", " in ", " notin ", "(", ")", "!", "metadata.name", "spec.nodeName", "app.kubernetes.io/name"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        ["app=web", "tier in (a,b),env!=prod", "!canary,app", "x notin (1, 2 ,3)", "metadata.name=web,spec.nodeName!=", "status.phase==Running", ""].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        let text = String(decoding: input, as: UTF8.self)
        if let selector = try? LabelSelector(parsing: text) { _ = selector.matches(["app": "web", "tier": "a"]) }
        if let selector = try? FieldSelector(parsing: text) { _ = selector.matches(["metadata": ["name": "web"]]) }
        _ = QueryParameters(text)["labelSelector"]
    }
}

/// Continue tokens, through a real paged list on an in-memory registry.
struct ContinueTokenTarget: FuzzTarget {
    let name = "continue-token"
    let objects = ObjectStore(store: MVCCStore.inMemory())
    var dictionary: [[UInt8]] { ["eyJ", "==", "/registry/", "\"rv\":", "\"start\":", "meta.k8s.io/v1"].map(\.bytes) }

    func start() async throws {
        let configMaps = objects.registry.lookup(group: "", version: "v1", plural: "configmaps")!
        let namespaces = objects.registry.lookup(group: "", version: "v1", plural: "namespaces")!
        _ = try await objects.create(namespaces, namespace: nil, body: ["metadata": ["name": "default"]])
        for index in 0..<5 { _ = try await objects.create(configMaps, namespace: "default", body: ["metadata": ["name": .string("cm-\(index)")]]) }
    }

    func seeds() throws -> [[UInt8]] {
        [#"{"v":"meta.k8s.io/v1","rv":3,"start":"/registry/configmaps/default/cm-1"}"#, #"{"v":"meta.k8s.io/v1","rv":1,"start":"/registry/configmaps/"}"#]
            .map { Array(Data($0.utf8).base64EncodedString().utf8) }
    }

    func run(_ input: [UInt8]) async {
        let configMaps = objects.registry.lookup(group: "", version: "v1", plural: "configmaps")!
        var options = ObjectStore.ListOptions()
        options.limit = 2
        options.continueToken = String(decoding: input, as: UTF8.self)
        _ = try? await objects.list(configMaps, namespace: "default", options: options)
    }
}

/// ServiceAccount tokens (compact JWS, ES256) through the authenticator the API server uses.
struct ServiceAccountTokenTarget: FuzzTarget {
    let name = "serviceaccount-token"
    let objects = ObjectStore(store: MVCCStore.inMemory())
    let key = P256.Signing.PrivateKey()
    var tokens: ServiceAccountTokens { ServiceAccountTokens(key: key, objects: objects) }
    var dictionary: [[UInt8]] { ["eyJ", ".", "-", "_", "eyJhbGciOiJFUzI1NiJ9", "\"exp\":", "\"aud\":", "kubernetes.io"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        let bound = ServiceAccountTokens.BoundObject(kind: "Pod", name: "p", uid: "u2")
        return [
            Array(try tokens.issue(namespace: "default", name: "fuzz", uid: "u1", audiences: ServiceAccountTokens.apiAudiences, expirationSeconds: 3600, bound: nil).token.utf8),
            Array(try tokens.issue(namespace: "default", name: "fuzz", uid: "u1", audiences: ["k3s"], expirationSeconds: 600, bound: bound).token.utf8),
        ]
    }

    func run(_ input: [UInt8]) async {
        _ = try? await tokens.authenticate(token: String(decoding: input, as: UTF8.self))
    }
}

/// The kubeconfig reader.
struct KubeconfigTarget: FuzzTarget {
    let name = "kubeconfig"
    var dictionary: [[UInt8]] { ["current-context: ", "contexts:\n", "- name: ", "server: ", "certificate-authority-data: ", "&x ", "*x"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        [Seeds.kubeconfig]
    }

    func run(_ input: [UInt8]) async {
        _ = try? Kubeconfig.parse(input)
    }
}

/// The etcd endpoint list of `daas-master --etcd-endpoints` (comma separated URLs).
struct EtcdEndpointsTarget: FuzzTarget {
    let name = "etcd-endpoints"
    var dictionary: [[UInt8]] { ["http://", "https://", ",", ":", "2379", "127.0.0.1", "/", "@", "\u{0}"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        ["http://127.0.0.1:2379", "https://10.0.0.1:2379,https://10.0.0.2:2379", "http://etcd.local:2379/"].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        let endpoints = String(decoding: input, as: UTF8.self).split(separator: ",").map(String.init)
        try? EtcdConfiguration(endpoints: endpoints, caFile: "ca.pem").validate()
        try? EtcdConfiguration(endpoints: endpoints).validate()
    }
}

/// The Sui CLI keystore reader.
struct KeystoreTarget: FuzzTarget {
    let name = "keystore"
    var dictionary: [[UInt8]] { ["[", "]", "\"", ",", "AA", "==", "AQ", "Ag"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        let keys = (0..<3).map { index in SuiKeyPair.generate(scheme: [.ed25519, .secp256k1, .secp256r1][index]) }
        return [SuiKeystore(keys: keys).json, SuiKeystore(keys: [keys[0]]).json, "[]".bytes]
    }

    func run(_ input: [UInt8]) async {
        _ = try? SuiKeystore(json: input)
    }
}

/// Resource quantities (`500m`, `1.5Gi`, `1e3`) as pod specs carry them.
struct QuantityTarget: FuzzTarget {
    let name = "quantity"
    var dictionary: [[UInt8]] { ["m", "Ki", "Gi", "Ei", "e", "E", ".", "+", "-", "000000"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        ["500m", "1.5Gi", "1e3", "0.000000001", "128974848", "129e6", "123Mi", "-1", "9223372036854775807", "100E"].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        if let quantity = Quantity(String(decoding: input, as: UTF8.self)) {
            _ = quantity.description
            _ = quantity.milliValue
        }
    }
}

/// JSON patches (RFC 6902) and merge patches (RFC 7386) applied to a pod, as PATCH bodies are.
struct PatchTarget: FuzzTarget {
    let name = "patch"
    let pod: JSONValue = [
        "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "labels": ["app": "web"], "annotations": ["a/b": "c"]],
        "spec": ["containers": [["name": "c", "image": "nginx", "env": [["name": "A", "value": "1"]]]]],
    ]
    var dictionary: [[UInt8]] {
        ["{\"op\":", "\"add\"", "\"remove\"", "\"replace\"", "\"move\"", "\"copy\"", "\"test\"", "\"path\":", "\"from\":", "\"value\":", "/-", "/0", "~0", "~1", "/spec/containers", "null"].map(\.bytes)
    }

    func seeds() throws -> [[UInt8]] {
        [
            #"[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:2"}]"#,
            #"[{"op":"add","path":"/metadata/labels/tier","value":"front"},{"op":"remove","path":"/metadata/annotations/a~1b"}]"#,
            #"[{"op":"move","from":"/spec/containers/0/env/0","path":"/spec/containers/0/env/-"},{"op":"test","path":"/kind","value":"Pod"}]"#,
            #"[{"op":"copy","from":"/metadata/labels","path":"/metadata/annotations"}]"#,
            #"{"metadata":{"labels":{"app":null,"x":"y"}},"spec":{"containers":[]}}"#,
        ].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        guard let patch = try? JSONParser().parse(input) else { return }
        _ = try? JSONPatch.apply(patch, to: pod)
        _ = MergePatch.apply(patch, to: pod)
    }
}

/// CronJob schedules, parsed and stepped forward in a few zones.
struct CronScheduleTarget: FuzzTarget {
    let name = "cron-schedule"
    let zones = ["UTC", "America/New_York", "Asia/Kathmandu"].compactMap { TimeZone(identifier: $0) }
    var dictionary: [[UInt8]] { ["*", "/", "-", ",", "?", " ", "@hourly", "@yearly", "JAN", "SUN", "59", "31", "0"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        ["*/1 * * * *", "0 0 29 2 *", "15 3 * JAN-MAR MON-FRI", "0 0 31 4 *", "@weekly", "5,10,15 */2 1-7 * 0,7", "0 0 * * ?"].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        guard let schedule = CronSchedule(String(decoding: input, as: UTF8.self)) else { return }
        var date = Date(timeIntervalSince1970: 1_800_000_000)
        for zone in zones {
            for _ in 0..<3 { date = schedule.next(after: date, in: zone) ?? date }
        }
    }
}

/// The stats summaries node agents send (`POST /daas/v1/stats/summary`), parsed and bounded as
/// the master does, and the usage store fed with what parses.
struct StatsSummaryTarget: FuzzTarget {
    let name = "stats-summary"
    var dictionary: [[UInt8]] {
        ["\"node\":", "\"nodeName\":", "\"cpu\":", "\"time\":", "\"usageCoreNanoSeconds\":", "\"workingSetBytes\":", "\"pods\":", "\"podRef\":",
         "\"containers\":", "2026-12-05T08:00:00.000Z", "-1", "9223372036854775807", "{", "}", "[", "]"].map(\.bytes)
    }

    func seeds() throws -> [[UInt8]] {
        let time = "2026-12-05T08:00:00.123Z"
        return [
            #"{"node":{"nodeName":"n1","cpu":{"time":"\#(time)","usageCoreNanoSeconds":1000},"memory":{"time":"\#(time)","workingSetBytes":2048}},"pods":[]}"#,
            #"{"node":{"nodeName":"n1","cpu":{"time":"\#(time)","usageCoreNanoSeconds":5},"memory":{"time":"\#(time)","workingSetBytes":1,"availableBytes":7},"network":{"time":"\#(time)","rxBytes":1,"txBytes":2},"fs":{"time":"\#(time)","capacityBytes":9,"availableBytes":3,"usedBytes":6}},"pods":[{"podRef":{"name":"p","namespace":"default","uid":"u"},"containers":[{"name":"c","cpu":{"time":"\#(time)","usageCoreNanoSeconds":3},"memory":{"time":"\#(time)","workingSetBytes":4}}]}]}"#,
        ].map(\.bytes)
    }

    let usage = ResourceUsageStore(maxNodes: 64)

    func run(_ input: [UInt8]) async {
        guard let json = try? JSONParser(maxDepth: 16).parse(input), let summary = try? StatsSummary(json: json) else { return }
        // What parses serializes, reparses to the same summary, and feeds the store.
        precondition((try? StatsSummary(json: summary.json)).map { $0.nodeName == summary.nodeName && $0.pods.count == summary.pods.count } == true)
        usage.record(summary)
        _ = usage.nodes()
        _ = usage.pods()
    }
}

/// The dashboard's sign-in: a `Cookie` header's session value, and whatever a browser sends as a
/// login or session token, verified as the master does (nothing forged may authenticate).
struct DashboardTokenTarget: FuzzTarget {
    let name = "dashboard-tokens"
    var dictionary: [[UInt8]] {
        ["daas-dashboard-session=", "; ", ".", "eyJ", "ey", "=", "-", "_"].map(\.bytes)
    }

    let sessions = DashboardSessions(key: P256.Signing.PrivateKey())
    /// The one genuine login token (a seed); it may be traded once.
    let login: String

    init() throws {
        login = try sessions.loginToken(for: UserInfo(name: "alice", groups: ["devs"])).token
    }

    func seeds() throws -> [[UInt8]] {
        [login, "daas-dashboard-session=" + login, "a=b; daas-dashboard-session=x.y.z", "eyJhbGciOiJFUzI1NiJ9.e30.AAAA"].map(\.bytes)
    }

    func run(_ input: [UInt8]) async {
        let text = String(decoding: input, as: UTF8.self)
        _ = DashboardSessions.cookie(in: text)
        // Random bytes are never a valid signature: nothing may authenticate.
        precondition(sessions.user(fromSession: text) == nil)
        precondition((try? sessions.session(fromLogin: text)) == nil || text == login)
    }
}
