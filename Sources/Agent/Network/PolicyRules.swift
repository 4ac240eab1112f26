import Foundation
import KubeTypes

/// NetworkPolicy (networking.k8s.io/v1) for the pods on this node, as k3s's embedded policy
/// controller enforces it, in one nftables table (`ip daas-policy`) on the forward hook (bridged
/// traffic included, through bridge netfilter): replies to allowed connections pass; a pod
/// selected by an Ingress policy accepts only what some rule of those policies allows (peers by
/// pod and namespace selector or ipBlock, ports by number, range or the pod's named ports); a pod
/// selected by an Egress policy sends only what some rule allows. Traffic from the node itself
/// (probes) is not forwarded and stays allowed, as upstream.
struct PolicyRules: Sendable, Equatable {
    /// What the table is built from.
    struct Input: Sendable {
        var policies: [JSONValue]
        var pods: [JSONValue]
        var namespaces: [JSONValue]
        var nodeName: String
    }

    /// The rules per local pod IP: ingress and egress rule lines (nil: not restricted).
    let ingress: [String: [String]]
    let egress: [String: [String]]

    init(_ input: Input) {
        var namespaceLabels: [String: [String: String]] = [:]
        for namespace in input.namespaces {
            let name = namespace[path: ["metadata", "name"]]?.stringValue ?? ""
            var labels = namespace[path: ["metadata", "labels"]]?.stringMap ?? [:]
            labels["kubernetes.io/metadata.name"] = name
            namespaceLabels[name] = labels
        }
        let running = input.pods.filter { pod in
            !(pod[path: ["status", "podIP"]]?.stringValue ?? "").isEmpty && pod[path: ["spec", "hostNetwork"]]?.boolValue != true
                && !["Succeeded", "Failed"].contains(pod[path: ["status", "phase"]]?.stringValue ?? "")
        }
        var ingress: [String: [String]] = [:]
        var egress: [String: [String]] = [:]
        for pod in running where pod[path: ["spec", "nodeName"]]?.stringValue == input.nodeName {
            guard let ip = pod[path: ["status", "podIP"]]?.stringValue, IPv4CIDR.octets(ip) != nil else { continue }
            let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
            let labels = pod[path: ["metadata", "labels"]]?.stringMap ?? [:]
            for policy in input.policies where policy[path: ["metadata", "namespace"]]?.stringValue == namespace {
                guard let selector = LabelSelector(structured: policy[path: ["spec", "podSelector"]] ?? [:]), selector.matches(labels) else { continue }
                let types = Self.policyTypes(policy)
                if types.contains("Ingress") {
                    var lines = ingress[ip] ?? []
                    for rule in policy[path: ["spec", "ingress"]]?.arrayValue ?? [] {
                        lines += Self.lines(rule, peersKey: "from", direction: "saddr", target: pod, namespace: namespace, pods: running, namespaceLabels: namespaceLabels)
                    }
                    ingress[ip] = lines
                }
                if types.contains("Egress") {
                    var lines = egress[ip] ?? []
                    for rule in policy[path: ["spec", "egress"]]?.arrayValue ?? [] {
                        lines += Self.lines(rule, peersKey: "to", direction: "daddr", target: nil, namespace: namespace, pods: running, namespaceLabels: namespaceLabels)
                    }
                    egress[ip] = lines
                }
            }
        }
        self.ingress = ingress
        self.egress = egress
    }

    /// `spec.policyTypes`, or its default: Ingress, plus Egress when egress rules are given.
    static func policyTypes(_ policy: JSONValue) -> Set<String> {
        if let given = policy[path: ["spec", "policyTypes"]]?.arrayValue, !given.isEmpty { return Set(given.compactMap(\.stringValue)) }
        return policy[path: ["spec", "egress"]] == nil ? ["Ingress"] : ["Ingress", "Egress"]
    }

    /// The nft match lines one rule allows (no line: it allows nothing).
    static func lines(
        _ rule: JSONValue, peersKey: String, direction: String, target: JSONValue?, namespace: String, pods: [JSONValue], namespaceLabels: [String: [String: String]]
    ) -> [String] {
        // Peers: nil = anyone.
        var peers: [String]?
        if let list = rule[peersKey]?.arrayValue, !list.isEmpty {
            var matches: [String] = []
            for peer in list {
                if let block = peer["ipBlock"], let cidr = block["cidr"]?.stringValue.flatMap(IPv4CIDR.init)?.description {
                    let except = (block["except"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(IPv4CIDR.init)?.description }
                    matches.append("ip \(direction) \(cidr)" + (except.isEmpty ? "" : " ip \(direction) != { \(except.joined(separator: ", ")) }"))
                    continue
                }
                let podSelector = peer["podSelector"].flatMap { LabelSelector(structured: $0) }
                let namespaceSelector = peer["namespaceSelector"].flatMap { LabelSelector(structured: $0) }
                guard peer["podSelector"] != nil || peer["namespaceSelector"] != nil else { continue }
                let ips = pods.filter { pod in
                    let podNamespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
                    let inNamespace = namespaceSelector.map { $0.matches(namespaceLabels[podNamespace] ?? [:]) } ?? (podNamespace == namespace)
                    let selected = podSelector.map { $0.matches(pod[path: ["metadata", "labels"]]?.stringMap ?? [:]) } ?? true
                    return inNamespace && selected
                }.compactMap { $0[path: ["status", "podIP"]]?.stringValue }.filter { IPv4CIDR.octets($0) != nil }.sorted()
                if !ips.isEmpty { matches.append("ip \(direction) { \(Set(ips).sorted().joined(separator: ", ")) }") }
            }
            peers = matches
            if matches.isEmpty { return [] }
        }
        // Ports: nil = every port.
        var ports: [String]?
        if let list = rule["ports"]?.arrayValue, !list.isEmpty {
            var matches: [String] = []
            for port in list {
                let proto = (port["protocol"]?.stringValue ?? "TCP").lowercased()
                guard ["tcp", "udp", "sctp"].contains(proto) else { continue }
                switch port["port"] {
                case nil, .null?:
                    matches.append("meta l4proto \(proto)")
                case .integer(let number)?:
                    let end = port["endPort"]?.integerValue.map { "-\($0)" } ?? ""
                    matches.append("\(proto) dport \(number)\(end)")
                case .string(let name)?:
                    let numbers = namedPorts(name, proto: proto, in: target.map { [$0] } ?? pods)
                    if !numbers.isEmpty { matches.append("\(proto) dport { \(numbers.map(String.init).joined(separator: ", ")) }") }
                default:
                    continue
                }
            }
            ports = matches
            if matches.isEmpty { return [] }
        }
        var lines: [String] = []
        for peer in peers ?? [""] {
            for port in ports ?? [""] {
                lines.append([peer, port].filter { !$0.isEmpty }.joined(separator: " "))
            }
        }
        return lines
    }

    /// The numbers of container ports named `name` with protocol `proto` in `pods`.
    static func namedPorts(_ name: String, proto: String, in pods: [JSONValue]) -> [Int64] {
        var numbers: Set<Int64> = []
        for pod in pods {
            for container in pod[path: ["spec", "containers"]]?.arrayValue ?? [] {
                for port in container["ports"]?.arrayValue ?? []
                where port["name"]?.stringValue == name && (port["protocol"]?.stringValue ?? "TCP").lowercased() == proto {
                    if let number = port["containerPort"]?.integerValue { numbers.insert(number) }
                }
            }
        }
        return numbers.sorted()
    }

    /// The table as an `nft -f` script replacing the previous one.
    var script: String {
        var chains: [String] = []
        var ingressMap: [String] = []
        var egressMap: [String] = []
        for (ip, lines) in ingress.sorted(by: { $0.key < $1.key }) {
            let name = "in-" + ip.replacingOccurrences(of: ".", with: "-")
            ingressMap.append("\(ip) : goto \(name)")
            chains.append("  chain \(name) {\n" + lines.map { "    \($0) accept\n" }.joined() + "    drop\n  }")
        }
        for (ip, lines) in egress.sorted(by: { $0.key < $1.key }) {
            let name = "out-" + ip.replacingOccurrences(of: ".", with: "-")
            egressMap.append("\(ip) : goto \(name)")
            chains.append("  chain \(name) {\n" + lines.map { "    \($0) return\n" }.joined() + "    drop\n  }")
        }
        func elements(_ items: [String]) -> String { items.isEmpty ? "" : "\n    elements = { " + items.joined(separator: ", ") + " }" }
        var script = "table ip daas-policy\ndelete table ip daas-policy\ntable ip daas-policy {\n"
        script += "  map ingress-pods {\n    type ipv4_addr : verdict" + elements(ingressMap) + "\n  }\n"
        script += "  map egress-pods {\n    type ipv4_addr : verdict" + elements(egressMap) + "\n  }\n"
        script += """
              chain forward {
                type filter hook forward priority 0; policy accept;
                ct state established,related accept
                jump egress
                ip daddr vmap @ingress-pods
              }
              chain egress {
                ip saddr vmap @egress-pods
              }

            """
        for chain in chains { script += chain + "\n" }
        return script + "}\n"
    }
}
