import Foundation

/// Where a node's agent serves the kubelet API: its InternalIP and `daemonEndpoints.kubeletEndpoint.Port`.
struct NodeTarget {
    /// The node's name (its serving certificate's).
    var node: String
    var address: String
    var port: Int

    /// The node a pod is bound to; 400 if none, as kube-apiserver answers.
    static func of(_ pod: JSONValue, name: String, objects: ObjectStore) async throws -> NodeTarget {
        guard let node = pod[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty else {
            throw APIError.badRequest("pod \(name) does not have a host assigned")
        }
        return try await resolve(node, objects: objects)
    }

    static func resolve(_ node: String, objects: ObjectStore) async throws -> NodeTarget {
        guard let nodes = objects.registry.lookup(group: "", version: "v1", plural: "nodes"),
            let object = try? await objects.get(nodes, namespace: nil, name: node)
        else { throw APIError(code: 404, reason: "NotFound", message: "nodes \"\(node)\" not found") }
        let addresses = object[path: ["status", "addresses"]]?.arrayValue ?? []
        let internalIP = addresses.first { $0["type"]?.stringValue == "InternalIP" }?["address"]?.stringValue
        guard let address = internalIP,
            let port = object[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.integerValue, (1...65535).contains(port)
        else {
            throw APIError(code: 503, reason: "ServiceUnavailable", message: "node \(node) does not serve the kubelet API (no InternalIP or kubelet port in its status)")
        }
        return NodeTarget(node: node, address: address, port: Int(port))
    }

    /// `value` percent-encoded for a query (everything but RFC 3986's unreserved bytes).
    static func queryEncoded(_ value: String) -> String {
        var encoded = ""
        for byte in value.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                encoded += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return encoded
    }

    /// The container a request names: the one named, or the pod's only container (kube's messages otherwise).
    static func container(_ requested: String?, of pod: JSONValue, name: String) throws -> String {
        let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let initContainers = (pod[path: ["spec", "initContainers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let ephemeral = (pod[path: ["spec", "ephemeralContainers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        guard let requested, !requested.isEmpty else {
            if containers.count == 1 { return containers[0] }
            var message = "a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]"
            if !initContainers.isEmpty { message += " or one of the init containers: [\(initContainers.joined(separator: " "))]" }
            throw APIError.badRequest(message)
        }
        guard (containers + initContainers + ephemeral).contains(requested) else {
            throw APIError.badRequest("container \(requested) is not valid for pod \(name)")
        }
        return requested
    }
}
