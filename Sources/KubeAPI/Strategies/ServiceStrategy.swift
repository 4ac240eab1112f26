/// Services: upstream's defaults, a cluster IP from the service CIDR and node ports from the
/// node-port range, each unique across services and released on delete.
struct ServiceStrategy: ResourceStrategy {
    /// The service CIDR, as k3s: 10.43.0.0/16. Its first address is the `kubernetes` service's.
    static let network: (base: UInt32, prefix: Int) = (0x0A2B_0000, 16)
    static let nodePorts = 30000...32767

    func prepareForCreate(_ object: inout JSONValue, allocator: any Allocator) async throws {
        var spec = object["spec"] ?? [:]
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        spec["type"] = .string(type)
        if type != "ExternalName" {
            if spec["sessionAffinity"] == nil { spec["sessionAffinity"] = "None" }
            if spec["internalTrafficPolicy"] == nil { spec["internalTrafficPolicy"] = "Cluster" }
            if spec["ipFamilies"] == nil { spec["ipFamilies"] = ["IPv4"] }
            if spec["ipFamilyPolicy"] == nil { spec["ipFamilyPolicy"] = "SingleStack" }
            if (type == "NodePort" || type == "LoadBalancer"), spec["externalTrafficPolicy"] == nil { spec["externalTrafficPolicy"] = "Cluster" }
            if spec["clusterIP"]?.stringValue?.isEmpty ?? true, let requested = spec["clusterIPs"]?.arrayValue?.first?.stringValue {
                spec["clusterIP"] = .string(requested)
            }
            if spec["clusterIP"]?.stringValue?.isEmpty ?? true {
                spec["clusterIP"] = .string(try await Self.freeClusterIP(allocator))
            }
            spec["clusterIPs"] = [spec["clusterIP"]!]
        }
        var ports = spec["ports"]?.arrayValue ?? []
        var claimed = Set(ports.compactMap { $0["nodePort"]?.integerValue })
        for index in ports.indices {
            if ports[index]["protocol"] == nil { ports[index]["protocol"] = "TCP" }
            if ports[index]["targetPort"] == nil { ports[index]["targetPort"] = ports[index]["port"] }
            if (type == "NodePort" || type == "LoadBalancer"), ports[index]["nodePort"] == nil {
                let port = try await Self.freeNodePort(allocator, excluding: claimed)
                claimed.insert(port)
                ports[index]["nodePort"] = .integer(port)
            }
        }
        if !ports.isEmpty { spec["ports"] = .array(ports) }
        object["spec"] = spec
        if object["status"] == nil { object["status"] = ["loadBalancer": [:]] }
    }

    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue) {
        for key in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "sessionAffinity", "internalTrafficPolicy", "type"] where new[path: ["spec", key]] == nil {
            new[path: "spec.\(key)"] = old[path: ["spec", key]]
        }
        let oldPorts = old[path: ["spec", "ports"]]?.arrayValue ?? []
        if var ports = new[path: ["spec", "ports"]]?.arrayValue {
            for index in ports.indices {
                if ports[index]["protocol"] == nil { ports[index]["protocol"] = "TCP" }
                if ports[index]["targetPort"] == nil { ports[index]["targetPort"] = ports[index]["port"] }
                if ports[index]["nodePort"] == nil, let match = oldPorts.first(where: { $0["port"] == ports[index]["port"] && $0["protocol"] == ports[index]["protocol"] }) {
                    ports[index]["nodePort"] = match["nodePort"]
                }
            }
            new[path: "spec.ports"] = .array(ports)
        }
    }

    func validate(_ object: JSONValue) -> [APIError.Cause] {
        let spec = object["spec"] ?? [:]
        var causes: [APIError.Cause] = []
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        guard ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"].contains(type) else {
            return [APIError.Cause(field: "spec.type", type: "FieldValueNotSupported", message: "Unsupported value: \"\(type)\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"")]
        }
        let ports = spec["ports"]?.arrayValue ?? []
        if ports.isEmpty, type != "ExternalName", spec["clusterIP"] != "None" {
            causes.append(APIError.Cause(field: "spec.ports", type: "FieldValueRequired", message: "Required value"))
        }
        var seen = Set<String>()
        for (index, port) in ports.enumerated() {
            let number = port["port"]?.integerValue ?? 0
            if !(1...65535).contains(number) {
                causes.append(APIError.Cause(field: "spec.ports[\(index)].port", message: "Invalid value: \(number): must be between 1 and 65535, inclusive"))
            }
            if ports.count > 1, (port["name"]?.stringValue ?? "").isEmpty {
                causes.append(APIError.Cause(field: "spec.ports[\(index)].name", type: "FieldValueRequired", message: "Required value"))
            }
            let key = "\(number)/\(port["protocol"]?.stringValue ?? "TCP")"
            if !seen.insert(key).inserted {
                causes.append(APIError.Cause(field: "spec.ports[\(index)]", type: "FieldValueDuplicate", message: "Duplicate value: \"\(key)\""))
            }
            if let nodePort = port["nodePort"]?.integerValue {
                if type == "ClusterIP" {
                    causes.append(APIError.Cause(field: "spec.ports[\(index)].nodePort", type: "FieldValueForbidden", message: "Forbidden: may not be used when `type` is 'ClusterIP'"))
                } else if !Self.nodePorts.contains(Int(nodePort)) {
                    causes.append(APIError.Cause(field: "spec.ports[\(index)].nodePort", message: "Invalid value: \(nodePort): provided port is not in the valid range. The range of valid ports is 30000-32767"))
                }
            }
        }
        if let ip = spec["clusterIP"]?.stringValue, ip != "None", !ip.isEmpty, !Self.inNetwork(ip) {
            causes.append(APIError.Cause(field: "spec.clusterIPs", message: "Invalid value: []string{\"\(ip)\"}: failed to allocate IP \(ip): the provided IP (\(ip)) is not in the valid range. The range of valid IPs is 10.43.0.0/16"))
        }
        return causes
    }

    func validateUpdate(_ new: JSONValue, old: JSONValue) -> [APIError.Cause] {
        var causes = validate(new)
        if let oldIP = old[path: ["spec", "clusterIP"]]?.stringValue, !oldIP.isEmpty, new[path: ["spec", "clusterIP"]]?.stringValue != oldIP,
            new[path: ["spec", "type"]] != "ExternalName"
        {
            causes.append(APIError.Cause(field: "spec.clusterIPs[0]", message: "Invalid value: []string{\"\(new[path: ["spec", "clusterIP"]]?.stringValue ?? "")\"}: may not change once set"))
        }
        return causes
    }

    func allocations(_ object: JSONValue) -> [String] {
        var keys: [String] = []
        if let ip = object[path: ["spec", "clusterIP"]]?.stringValue, !ip.isEmpty, ip != "None" { keys.append(Self.clusterIPKey(ip)) }
        var ports = Set<Int64>()
        for port in object[path: ["spec", "ports"]]?.arrayValue ?? [] {
            if let nodePort = port["nodePort"]?.integerValue, ports.insert(nodePort).inserted { keys.append(Self.nodePortKey(nodePort)) }
        }
        return keys
    }

    /// The message for an allocation key another service holds.
    static func conflict(_ key: String, in object: JSONValue) -> APIError.Cause {
        if key.hasPrefix(clusterIPPrefix) {
            let ip = String(key.dropFirst(clusterIPPrefix.count))
            return APIError.Cause(field: "spec.clusterIPs", message: "Invalid value: []string{\"\(ip)\"}: failed to allocate IP \(ip): provided IP is already allocated")
        }
        let port = Int64(key.dropFirst(nodePortPrefix.count)) ?? 0
        let index = (object[path: ["spec", "ports"]]?.arrayValue ?? []).firstIndex { $0["nodePort"]?.integerValue == port } ?? 0
        return APIError.Cause(field: "spec.ports[\(index)].nodePort", message: "Invalid value: \(port): provided port is already allocated")
    }

    static let clusterIPPrefix = "/registry/_allocations/clusterips/"
    static let nodePortPrefix = "/registry/_allocations/nodeports/"
    static func clusterIPKey(_ ip: String) -> String { clusterIPPrefix + ip }
    static func nodePortKey(_ port: Int64) -> String { nodePortPrefix + String(port) }

    static func inNetwork(_ ip: String) -> Bool {
        guard let octets = ClusterPKI.ipv4Octets(ip) else { return false }
        let value = octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let mask = UInt32.max << (32 - network.prefix)
        return value & mask == network.base
    }

    /// A random free address of the CIDR, skipping the network, broadcast and `kubernetes` addresses.
    static func freeClusterIP(_ allocator: any Allocator) async throws -> String {
        let size = UInt32(1) << (32 - network.prefix)
        for _ in 0..<64 {
            let value = network.base + UInt32.random(in: 2..<(size - 1))
            let ip = "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
            if try await !allocator.isAllocated(clusterIPKey(ip)) { return ip }
        }
        throw APIError.internalError("failed to allocate a cluster IP: the range 10.43.0.0/16 is full")
    }

    static func freeNodePort(_ allocator: any Allocator, excluding: Set<Int64>) async throws -> Int64 {
        for _ in 0..<64 {
            let port = Int64(Int.random(in: nodePorts))
            if !excluding.contains(port), try await !allocator.isAllocated(nodePortKey(port)) { return port }
        }
        throw APIError.internalError("failed to allocate a node port: the range 30000-32767 is full")
    }
}
