import Foundation
package import KubeInformers
package import KubeTypes

/// The answers of the cluster domain (`cluster.local`) from the Services and EndpointSlices the
/// agent follows, as CoreDNS's kubernetes plugin gives them in k3s (`pods insecure`, TTL 5):
/// `<svc>.<ns>.svc` (the ClusterIP, a headless Service's ready endpoints, an ExternalName's
/// CNAME), `<hostname>.<svc>.<ns>.svc` for headless endpoints, SRV `_<port>._<proto>.<svc>.<ns>.svc`,
/// `<a-b-c-d>.<ns>.pod`, and PTR for ClusterIPs and headless endpoints. Names outside the domain
/// (and reverse names it does not know) are not its own: `answer` returns nil and the server
/// forwards them.
package struct ClusterDNSZone: Sendable {
    package let domain: String
    let services: SharedInformer
    let slices: SharedInformer

    /// The zone `domain` over the Services and EndpointSlices the informers hold.
    package init(domain: String, services: SharedInformer, slices: SharedInformer) {
        self.domain = domain
        self.services = services
        self.slices = slices
    }
    /// The TTL of every answer.
    static let ttl: UInt32 = 5

    /// The answer to `query`, or nil when the name is not the zone's.
    package func answer(_ query: DNSMessage) -> DNSMessage? {
        guard let question = query.question else { return nil }
        let name = question.name
        if name.hasSuffix(".in-addr.arpa") {
            guard let target = reverse(name) else { return nil }  // upstream may know it
            var response = DNSMessage.response(to: query, code: .noError, authoritative: true)
            if question.type == DNSMessage.RecordType.ptr.rawValue || question.type == DNSMessage.RecordType.any.rawValue {
                response.answers = [.init(name: name, type: .ptr, ttl: Self.ttl, data: .name(target))]
            } else {
                response.authority = [soa]
            }
            return response
        }
        guard name == domain || name.hasSuffix("." + domain) else { return nil }
        let labels = name == domain ? [] : name.dropLast(domain.count + 1).split(separator: ".").map(String.init)
        let (exists, records, extra) = lookup(labels, fqdn: name, type: question.type)
        var response = DNSMessage.response(to: query, code: exists ? .noError : .nameError, authoritative: true)
        response.answers = records
        response.additional = extra
        if records.isEmpty { response.authority = [soa] }
        return response
    }

    private var soa: DNSMessage.Record {
        .init(
            name: domain, type: .soa, ttl: Self.ttl,
            data: .soa(primary: "ns.dns." + domain, mailbox: "hostmaster." + domain, serial: 1, refresh: 7200, retry: 1800, expire: 86_400, minimum: Self.ttl))
    }

    /// Whether the name exists, its records of `type`, and additional records.
    private func lookup(_ labels: [String], fqdn: String, type: UInt16) -> (Bool, [DNSMessage.Record], [DNSMessage.Record]) {
        let wantsA = type == DNSMessage.RecordType.a.rawValue || type == DNSMessage.RecordType.any.rawValue
        func addresses(_ ips: [String]) -> [DNSMessage.Record] {
            guard wantsA else { return [] }
            return ips.compactMap(IPv4CIDR.octets).map { .init(name: fqdn, type: .a, ttl: Self.ttl, data: .a($0)) }
        }
        switch labels.count {
        case 0: return (true, [], [])
        case 1: return (["svc", "pod"].contains(labels[0]), [], [])
        case 2 where labels[1] == "svc":
            return (!services.byIndex(SharedInformer.namespaceIndex, labels[0]).isEmpty, [], [])
        case 2 where labels[1] == "pod":
            return (true, [], [])
        case 3 where labels[2] == "pod":
            // `pods insecure`: the dashed address is answered as is.
            guard let ip = Self.undashed(labels[0]) else { return (false, [], []) }
            return (true, addresses([ip]), [])
        case 3 where labels[2] == "svc":
            guard let service = services.get(labels[1] + "/" + labels[0]) else { return (false, [], []) }
            if service[path: ["spec", "type"]]?.stringValue == "ExternalName", let target = service[path: ["spec", "externalName"]]?.stringValue {
                return (true, [.init(name: fqdn, type: .cname, ttl: Self.ttl, data: .name(target.lowercased()))], [])
            }
            if let clusterIP = service[path: ["spec", "clusterIP"]]?.stringValue, clusterIP != "None", !clusterIP.isEmpty {
                return (true, addresses([clusterIP]), [])
            }
            let endpoints = readyEndpoints(namespace: labels[1], service: labels[0])
            return (!endpoints.isEmpty, addresses(endpoints.map(\.ip)), [])
        case 4 where labels[3] == "svc":
            // A headless endpoint by hostname (or dashed address).
            let endpoints = readyEndpoints(namespace: labels[2], service: labels[1]).filter { ($0.hostname ?? Self.dashed($0.ip)) == labels[0] }
            return (!endpoints.isEmpty, addresses(endpoints.map(\.ip)), [])
        case 5 where labels[4] == "svc" && labels[0].hasPrefix("_") && labels[1].hasPrefix("_"):
            return srv(port: String(labels[0].dropFirst()), proto: String(labels[1].dropFirst()), service: labels[2], namespace: labels[3], fqdn: fqdn, type: type)
        default:
            return (false, [], [])
        }
    }

    private func srv(port: String, proto: String, service name: String, namespace: String, fqdn: String, type: UInt16) -> (Bool, [DNSMessage.Record], [DNSMessage.Record]) {
        guard let service = services.get(namespace + "/" + name) else { return (false, [], []) }
        let ports = (service[path: ["spec", "ports"]]?.arrayValue ?? []).filter {
            ($0["name"]?.stringValue ?? "").lowercased() == port && ($0["protocol"]?.stringValue ?? "TCP").lowercased() == proto
        }
        guard let servicePort = ports.first else { return (false, [], []) }
        guard type == DNSMessage.RecordType.srv.rawValue || type == DNSMessage.RecordType.any.rawValue else { return (true, [], []) }
        let serviceName = "\(name).\(namespace).svc.\(domain)"
        if let clusterIP = service[path: ["spec", "clusterIP"]]?.stringValue, clusterIP != "None", !clusterIP.isEmpty, let octets = IPv4CIDR.octets(clusterIP) {
            let number = UInt16(clamping: servicePort["port"]?.integerValue ?? 0)
            return (true, [.init(name: fqdn, type: .srv, ttl: Self.ttl, data: .srv(priority: 0, weight: 100, port: number, target: serviceName))],
                    [.init(name: serviceName, type: .a, ttl: Self.ttl, data: .a(octets))])
        }
        var answers: [DNSMessage.Record] = []
        var extra: [DNSMessage.Record] = []
        for endpoint in readyEndpoints(namespace: namespace, service: name) {
            guard let number = endpoint.ports[port], let octets = IPv4CIDR.octets(endpoint.ip) else { continue }
            let target = "\(endpoint.hostname ?? Self.dashed(endpoint.ip)).\(serviceName)"
            answers.append(.init(name: fqdn, type: .srv, ttl: Self.ttl, data: .srv(priority: 0, weight: 100, port: number, target: target)))
            extra.append(.init(name: target, type: .a, ttl: Self.ttl, data: .a(octets)))
        }
        return (true, answers, extra)
    }

    /// A Service's ready endpoints from its EndpointSlices: address, hostname, ports by name.
    func readyEndpoints(namespace: String, service: String) -> [(ip: String, hostname: String?, ports: [String: UInt16])] {
        var result: [(ip: String, hostname: String?, ports: [String: UInt16])] = []
        var seen: Set<String> = []
        for slice in slices.byIndex(SharedInformer.namespaceIndex, namespace)
        where slice[path: ["metadata", "labels", "kubernetes.io/service-name"]]?.stringValue == service {
            var ports: [String: UInt16] = [:]
            for port in slice["ports"]?.arrayValue ?? [] {
                ports[(port["name"]?.stringValue ?? "").lowercased()] = UInt16(clamping: port["port"]?.integerValue ?? 0)
            }
            for endpoint in slice["endpoints"]?.arrayValue ?? [] where endpoint[path: ["conditions", "ready"]]?.boolValue != false {
                for address in endpoint["addresses"]?.arrayValue ?? [] {
                    guard let ip = address.stringValue, seen.insert(ip).inserted else { continue }
                    result.append((ip, endpoint["hostname"]?.stringValue?.lowercased(), ports))
                }
            }
        }
        return result.sorted { $0.ip < $1.ip }
    }

    /// The name a reverse query asks about, if it is a ClusterIP or a headless endpoint.
    private func reverse(_ name: String) -> String? {
        let parts = name.dropLast(".in-addr.arpa".count).split(separator: ".")
        guard parts.count == 4 else { return nil }
        let ip = parts.reversed().joined(separator: ".")
        guard IPv4CIDR.octets(ip) != nil else { return nil }
        for service in services.list() {
            let namespace = service[path: ["metadata", "namespace"]]?.stringValue ?? ""
            let serviceName = service[path: ["metadata", "name"]]?.stringValue ?? ""
            let clusterIP = service[path: ["spec", "clusterIP"]]?.stringValue ?? ""
            if clusterIP == ip { return "\(serviceName).\(namespace).svc.\(domain)" }
            if clusterIP == "None", let endpoint = readyEndpoints(namespace: namespace, service: serviceName).first(where: { $0.ip == ip }) {
                return "\(endpoint.hostname ?? Self.dashed(ip)).\(serviceName).\(namespace).svc.\(domain)"
            }
        }
        return nil
    }

    /// `a.b.c.d` as `a-b-c-d`.
    static func dashed(_ ip: String) -> String { ip.replacingOccurrences(of: ".", with: "-") }

    /// `a-b-c-d` as `a.b.c.d`, if it is an address.
    static func undashed(_ label: String) -> String? {
        let ip = label.replacingOccurrences(of: "-", with: ".")
        return IPv4CIDR.octets(ip) == nil ? nil : ip
    }
}
