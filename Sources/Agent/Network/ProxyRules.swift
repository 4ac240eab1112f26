package import KubeTypes

/// kube-proxy's Service semantics as one nftables table (`ip daas-proxy`), rebuilt from the
/// Services and EndpointSlices the agent follows, in the shape of kube-proxy's nftables mode:
/// a verdict map from ClusterIP, protocol and port to a chain per Service port that picks a ready
/// endpoint at random (`numgen`), or the one a client used before for `sessionAffinity: ClientIP`
/// (a timed set per endpoint); NodePorts on every local address, masqueraded unless
/// `externalTrafficPolicy: Local` (then local endpoints only, the client address kept);
/// `internalTrafficPolicy: Local` keeps ClusterIP traffic on this node's endpoints; a Service with
/// no endpoints rejects new connections; hairpin traffic and pods' traffic leaving the cluster
/// network are masqueraded. Headless and ExternalName Services get no rules; the `kube-dns`
/// Service goes to this node's DNS server.
package struct ProxyRules: Sendable, Equatable {
    /// What the table is built from.
    package struct Input: Sendable {
        var services: [JSONValue]
        var slices: [JSONValue]
        var nodeName: String
        /// The pod network (pods' traffic to elsewhere is masqueraded). Default 10.42.0.0/16.
        var clusterCIDR = "10.42.0.0/16"
        /// The port of this node's DNS server. Default 10053.
        var dnsPort = 10053

        package init(services: [JSONValue], slices: [JSONValue], nodeName: String, clusterCIDR: String = "10.42.0.0/16", dnsPort: Int = 10053) {
            self.services = services
            self.slices = slices
            self.nodeName = nodeName
            self.clusterCIDR = clusterCIDR
            self.dnsPort = dnsPort
        }
    }

    /// One endpoint of a Service port.
    struct Endpoint: Sendable, Equatable, Hashable {
        var ip: String
        var port: Int
        var local: Bool
    }

    /// A Service port with its endpoints, as the rules see it.
    struct ServicePort: Sendable, Equatable {
        var namespace: String
        var name: String
        var portName: String
        var proto: String
        var clusterIP: String
        var port: Int
        var nodePort: Int?
        var endpoints: [Endpoint]
        var affinitySeconds: Int?
        var internalLocal: Bool
        var externalLocal: Bool
        var dns: Bool
        /// The chain name stem, stable for the Service port.
        var id: String { Self.hash("\(namespace)/\(name)/\(portName)/\(proto)") }

        /// FNV-1a of `text` as 16 hex digits.
        static func hash(_ text: String) -> String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
    }

    /// The Service ports, sorted.
    let ports: [ServicePort]
    let clusterCIDR: String
    let dnsPort: Int

    /// The rules for `input`.
    package init(_ input: Input) {
        clusterCIDR = input.clusterCIDR
        dnsPort = input.dnsPort
        var slicesByService: [String: [JSONValue]] = [:]
        for slice in input.slices {
            guard let service = slice[path: ["metadata", "labels", "kubernetes.io/service-name"]]?.stringValue else { continue }
            slicesByService[(slice[path: ["metadata", "namespace"]]?.stringValue ?? "") + "/" + service, default: []].append(slice)
        }
        var ports: [ServicePort] = []
        for service in input.services {
            let namespace = service[path: ["metadata", "namespace"]]?.stringValue ?? ""
            let name = service[path: ["metadata", "name"]]?.stringValue ?? ""
            let spec = service["spec"] ?? [:]
            guard let clusterIP = spec["clusterIP"]?.stringValue, IPv4CIDR.octets(clusterIP) != nil,
                spec["type"]?.stringValue != "ExternalName"
            else { continue }
            let affinity = spec["sessionAffinity"]?.stringValue == "ClientIP"
                ? Int(clamping: spec[path: ["sessionAffinityConfig", "clientIP", "timeoutSeconds"]]?.integerValue ?? 10_800) : nil
            let nodePorts = ["NodePort", "LoadBalancer"].contains(spec["type"]?.stringValue ?? "")
            for port in spec["ports"]?.arrayValue ?? [] {
                let portName = port["name"]?.stringValue ?? ""
                let proto = (port["protocol"]?.stringValue ?? "TCP").lowercased()
                guard ["tcp", "udp", "sctp"].contains(proto), let number = port["port"]?.integerValue, (1...65535).contains(number) else { continue }
                var endpoints: Set<Endpoint> = []
                for slice in slicesByService[namespace + "/" + name] ?? [] {
                    guard let target = (slice["ports"]?.arrayValue ?? []).first(where: {
                        ($0["name"]?.stringValue ?? "") == portName && ($0["protocol"]?.stringValue ?? "TCP").lowercased() == proto
                    })?["port"]?.integerValue, (1...65535).contains(target) else { continue }
                    for endpoint in slice["endpoints"]?.arrayValue ?? [] where endpoint[path: ["conditions", "ready"]]?.boolValue != false {
                        let local = endpoint["nodeName"]?.stringValue == input.nodeName
                        for address in endpoint["addresses"]?.arrayValue ?? [] {
                            guard let ip = address.stringValue, IPv4CIDR.octets(ip) != nil else { continue }
                            endpoints.insert(Endpoint(ip: ip, port: Int(target), local: local))
                        }
                    }
                }
                let nodePort = nodePorts ? port["nodePort"]?.integerValue.flatMap { (1...65535).contains($0) ? Int($0) : nil } : nil
                ports.append(ServicePort(
                    namespace: namespace, name: name, portName: portName, proto: proto, clusterIP: clusterIP, port: Int(number), nodePort: nodePort,
                    endpoints: endpoints.sorted { ($0.ip, $0.port) < ($1.ip, $1.port) }, affinitySeconds: affinity,
                    internalLocal: spec["internalTrafficPolicy"]?.stringValue == "Local", externalLocal: spec["externalTrafficPolicy"]?.stringValue == "Local",
                    dns: namespace == "kube-system" && name == "kube-dns" && number == 53))
            }
        }
        self.ports = ports.sorted { ($0.namespace, $0.name, $0.portName, $0.proto) < ($1.namespace, $1.name, $1.portName, $1.proto) }
        ruleset = Self.makeRuleset(self.ports)
    }

    /// The table's contents by name: what a full load writes and an update compares.
    struct Ruleset: Sendable, Equatable {
        /// Service chains (`svc-`, `ext-`, `ep-`) and their rules.
        var chains: [String: [String]] = [:]
        /// Affinity sets and their timeouts in seconds.
        var affinitySets: [String: Int] = [:]
        /// The verdict maps' elements: `cluster-ips` and `node-ports`, key to verdict.
        var maps: [String: [String: String]] = ["cluster-ips": [:], "node-ports": [:]]
        /// The reject sets' elements: `no-endpoints` and `no-endpoint-node-ports`.
        var sets: [String: Set<String>] = ["no-endpoints": [], "no-endpoint-node-ports": []]
    }

    /// The table's contents (built once: a full load writes them, an update compares two).
    let ruleset: Ruleset

    private static func makeRuleset(_ ports: [ServicePort]) -> Ruleset {
        var rules = Ruleset()
        for port in ports {
            let key = "\(port.clusterIP) . \(port.proto) . \(port.port)"
            let id = port.id
            if port.dns {
                rules.maps["cluster-ips", default: [:]][key] = "goto dns"
                continue
            }
            let inside = port.internalLocal ? port.endpoints.filter(\.local) : port.endpoints
            if port.endpoints.isEmpty {
                rules.sets["no-endpoints", default: []].insert(key)
            } else if inside.isEmpty {
                rules.maps["cluster-ips", default: [:]][key] = "drop"
            } else {
                rules.maps["cluster-ips", default: [:]][key] = "goto svc-\(id)"
                rules.chains["svc-\(id)"] = serviceChain(id: id, endpoints: inside, port: port)
            }
            if let nodePort = port.nodePort {
                let external = port.externalLocal ? port.endpoints.filter(\.local) : port.endpoints
                if port.endpoints.isEmpty {
                    rules.sets["no-endpoint-node-ports", default: []].insert("\(port.proto) . \(nodePort)")
                } else if external.isEmpty {
                    rules.maps["node-ports", default: [:]]["\(port.proto) . \(nodePort)"] = "drop"
                } else {
                    // Cluster policy: the reply must come back through this node (masquerade).
                    rules.maps["node-ports", default: [:]]["\(port.proto) . \(nodePort)"] = "goto ext-\(id)"
                    rules.chains["ext-\(id)"] = serviceChain(id: id, endpoints: external, port: port, masquerade: !port.externalLocal)
                }
            }
            for endpoint in port.endpoints {
                let name = Self.endpointChain(id, endpoint)
                var lines = ["ip saddr \(endpoint.ip) meta mark set meta mark | 0x4000"]
                if let seconds = port.affinitySeconds {
                    rules.affinitySets["aff" + name.dropFirst(2)] = seconds
                    lines.append("update @aff\(name.dropFirst(2)) { ip saddr }")
                }
                lines.append("meta l4proto \(port.proto) dnat to \(endpoint.ip):\(endpoint.port)")
                rules.chains[name] = lines
            }
        }
        return rules
    }

    /// The chains that hook the table in, which depend only on the configuration.
    var baseChains: String {
        """
          chain nat-prerouting {
            type nat hook prerouting priority dstnat; policy accept;
            jump services
          }
          chain nat-output {
            type nat hook output priority -100; policy accept;
            jump services
          }
          chain nat-postrouting {
            type nat hook postrouting priority srcnat; policy accept;
            meta mark & 0x4000 == 0x4000 meta mark set meta mark & 0xffffbfff masquerade
            ip saddr \(clusterCIDR) ip daddr != \(clusterCIDR) fib daddr type != local masquerade
          }
          chain services {
            ip daddr . meta l4proto . th dport vmap @cluster-ips
            fib daddr type local meta l4proto . th dport vmap @node-ports
          }
          chain dns {
            meta l4proto { tcp, udp } redirect to :\(dnsPort)
          }
          chain filter-forward {
            type filter hook forward priority -10; policy accept;
            ct state new ip daddr . meta l4proto . th dport @no-endpoints reject
          }
          chain filter-output {
            type filter hook output priority -10; policy accept;
            ct state new ip daddr . meta l4proto . th dport @no-endpoints reject
          }
          chain filter-input {
            type filter hook input priority -10; policy accept;
            ct state new fib daddr type local meta l4proto . th dport @no-endpoint-node-ports reject
          }

        """
    }

    /// The table as an `nft -f` script that replaces the previous one atomically.
    package var script: String {
        let rules = ruleset
        func elements(_ items: [String]) -> String { items.isEmpty ? "" : "\n    elements = { " + items.joined(separator: ",\n      ") + " }" }
        func mapElements(_ name: String) -> String { elements((rules.maps[name] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) : \($0.value)" }) }
        var script = "table ip daas-proxy\ndelete table ip daas-proxy\ntable ip daas-proxy {\n"
        script += "  map cluster-ips {\n    type ipv4_addr . inet_proto . inet_service : verdict" + mapElements("cluster-ips") + "\n  }\n"
        script += "  map node-ports {\n    type inet_proto . inet_service : verdict" + mapElements("node-ports") + "\n  }\n"
        script += "  set no-endpoints {\n    type ipv4_addr . inet_proto . inet_service" + elements((rules.sets["no-endpoints"] ?? []).sorted()) + "\n  }\n"
        script += "  set no-endpoint-node-ports {\n    type inet_proto . inet_service" + elements((rules.sets["no-endpoint-node-ports"] ?? []).sorted()) + "\n  }\n"
        for (name, timeout) in rules.affinitySets.sorted(by: { $0.key < $1.key }) {
            script += "  set \(name) {\n    type ipv4_addr\n    flags dynamic,timeout\n    timeout \(timeout)s\n  }\n"
        }
        script += baseChains
        // Endpoint chains first: service chains jump to them.
        for (name, lines) in rules.chains.sorted(by: { ($0.key.hasPrefix("ep-") ? 0 : 1, $0.key) < ($1.key.hasPrefix("ep-") ? 0 : 1, $1.key) }) {
            script += "  chain \(name) {\n" + lines.map { "    " + $0 + "\n" }.joined() + "  }\n"
        }
        return script + "}\n"
    }

    /// An `nft -f` transaction turning the table built from `old` into this one, touching only
    /// what changed (map and set elements, changed chains); the full script when the hooks differ.
    package func update(from old: ProxyRules) -> String {
        guard old.baseChains == baseChains else { return script }
        let before = old.ruleset
        let after = ruleset
        let table = "ip daas-proxy"
        var lines: [String] = []
        for (name, timeout) in after.affinitySets.sorted(by: { $0.key < $1.key }) where before.affinitySets[name] != timeout {
            lines.append("add set \(table) \(name) { type ipv4_addr; flags dynamic,timeout; timeout \(timeout)s; }")
        }
        for name in after.chains.keys.filter({ before.chains[$0] == nil }).sorted() { lines.append("add chain \(table) \(name)") }
        for (name, rules) in after.chains.sorted(by: { $0.key < $1.key }) where before.chains[name] != rules {
            if before.chains[name] != nil { lines.append("flush chain \(table) \(name)") }
            for rule in rules { lines.append("add rule \(table) \(name) \(rule)") }
        }
        for map in ["cluster-ips", "node-ports"] {
            let old = before.maps[map] ?? [:], new = after.maps[map] ?? [:]
            for (key, verdict) in old.sorted(by: { $0.key < $1.key }) where new[key] != verdict { lines.append("delete element \(table) \(map) { \(key) }") }
            for (key, verdict) in new.sorted(by: { $0.key < $1.key }) where old[key] != verdict { lines.append("add element \(table) \(map) { \(key) : \(verdict) }") }
        }
        for set in ["no-endpoints", "no-endpoint-node-ports"] {
            let old = before.sets[set] ?? [], new = after.sets[set] ?? []
            for key in old.subtracting(new).sorted() { lines.append("delete element \(table) \(set) { \(key) }") }
            for key in new.subtracting(old).sorted() { lines.append("add element \(table) \(set) { \(key) }") }
        }
        // Removed chains are emptied first, so none still jumps to another when it goes.
        let removed = before.chains.keys.filter { after.chains[$0] == nil }.sorted()
        for name in removed { lines.append("flush chain \(table) \(name)") }
        for name in removed { lines.append("delete chain \(table) \(name)") }
        for name in before.affinitySets.keys.sorted() where after.affinitySets[name] == nil { lines.append("delete set \(table) \(name)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The chain that picks one of `endpoints`: a client's previous endpoint first (affinity).
    private static func serviceChain(id: String, endpoints: [Endpoint], port: ServicePort, masquerade: Bool = false) -> [String] {
        var lines: [String] = masquerade ? ["meta mark set meta mark | 0x4000"] : []
        if port.affinitySeconds != nil {
            for endpoint in endpoints {
                let name = Self.endpointChain(id, endpoint)
                lines.append("ip saddr @aff\(name.dropFirst(2)) goto \(name)")
            }
        }
        if endpoints.count == 1 {
            lines.append("goto \(Self.endpointChain(id, endpoints[0]))")
        } else {
            let choices = endpoints.enumerated().map { "\($0.offset) : goto \(Self.endpointChain(id, $0.element))" }
            lines.append("numgen random mod \(endpoints.count) vmap { " + choices.joined(separator: ", ") + " }")
        }
        return lines
    }

    /// The chain of one endpoint of Service port `id`, named by the endpoint so that other
    /// endpoints coming and going leave it alone.
    static func endpointChain(_ id: String, _ endpoint: Endpoint) -> String {
        "ep-\(id)-" + String(ServicePort.hash("\(endpoint.ip):\(endpoint.port)").prefix(12))
    }

    /// The UDP connections to forget after a change from `old` to `self` (kube-proxy's
    /// conntrack clean-up): a removed endpoint's, and a Service's that had no endpoints.
    func staleUDP(since old: ProxyRules) -> [(serviceIP: String, endpointIP: String?)] {
        var stale: [(String, String?)] = []
        let before = Dictionary(old.ports.filter { $0.proto == "udp" }.map { ("\($0.clusterIP)/\($0.port)", $0) }, uniquingKeysWith: { a, _ in a })
        for port in ports where port.proto == "udp" {
            guard let previous = before["\(port.clusterIP)/\(port.port)"] else { continue }
            if previous.endpoints.isEmpty, !port.endpoints.isEmpty { stale.append((port.clusterIP, nil)) }
            for endpoint in previous.endpoints where !port.endpoints.contains(where: { $0.ip == endpoint.ip }) {
                stale.append((port.clusterIP, endpoint.ip))
            }
        }
        return stale
    }
}
