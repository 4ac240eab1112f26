import Foundation
import KubeTypes

/// A container's environment as the kubelet builds it: `envFrom` sources in order (later keys
/// win), then `env` entries, each value expanded with `$(VAR)` against what came before;
/// `valueFrom` reads a field of the pod, a resource of the container, or a key of a ConfigMap
/// or Secret (through ``PodObjects``).
package struct ContainerEnvironment {
    /// The variables in order of definition, as CRI gets them.
    private(set) var variables: [(name: String, value: String)] = []
    private var index: [String: Int] = [:]

    /// Every value by name (for `$(VAR)` expansion of command and args).
    var mapping: [String: String] { Dictionary(variables.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }) }

    mutating func set(_ name: String, _ value: String) {
        if let at = index[name] {
            variables[at].value = value
        } else {
            index[name] = variables.count
            variables.append((name, value))
        }
    }

    /// Builds the environment of `container` in `pod` with the pod's IP and the node's capacity.
    static func build(
        pod: JSONValue, container: JSONValue, podIP: String, hostIP: String, nodeCapacity: [String: String], objects: PodObjects
    ) async throws(PodSyncError) -> ContainerEnvironment {
        var environment = ContainerEnvironment()
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        for source in container["envFrom"]?.arrayValue ?? [] {
            let prefix = source["prefix"]?.stringValue ?? ""
            let (kind, reference) = source["configMapRef"].map { ("ConfigMap", $0) } ?? ("Secret", source["secretRef"] ?? [:])
            guard let name = reference["name"]?.stringValue else { continue }
            let optional = reference["optional"]?.boolValue ?? false
            guard let data = try await objects.data(kind: kind, namespace: namespace, name: name, optional: optional) else { continue }
            for (key, value) in data.sorted(by: { $0.key < $1.key }) where Self.isValidName(prefix + key) {
                environment.set(prefix + key, value)
            }
        }
        for entry in container["env"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue else { continue }
            if let value = entry["value"]?.stringValue {
                environment.set(name, Self.expand(value, environment.mapping))
            } else if let from = entry["valueFrom"] {
                if let value = try await Self.value(from, pod: pod, container: container, podIP: podIP, hostIP: hostIP, capacity: nodeCapacity, objects: objects) {
                    environment.set(name, value)
                }
            } else {
                environment.set(name, "")
            }
        }
        return environment
    }

    /// A C identifier-ish variable name as kube accepts for envFrom keys (no `=`, not empty).
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 4096 && !name.utf8.contains(UInt8(ascii: "=")) && !name.utf8.contains(0)
    }

    private static func value(
        _ from: JSONValue, pod: JSONValue, container: JSONValue, podIP: String, hostIP: String, capacity: [String: String], objects: PodObjects
    ) async throws(PodSyncError) -> String? {
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        if let field = from[path: ["fieldRef", "fieldPath"]]?.stringValue {
            return fieldValue(field, pod: pod, podIP: podIP, hostIP: hostIP)
        }
        if let resource = from["resourceFieldRef"] {
            return resourceValue(resource, container: container, capacity: capacity)
        }
        for (kind, key) in [("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")] {
            guard let reference = from[key], let name = reference["name"]?.stringValue, let item = reference["key"]?.stringValue else { continue }
            let optional = reference["optional"]?.boolValue ?? false
            guard let data = try await objects.data(kind: kind, namespace: namespace, name: name, optional: optional) else { return nil }
            guard let value = data[item] else {
                if optional { return nil }
                throw PodSyncError(reason: "CreateContainerConfigError", message: "couldn't find key \(item) in \(kind) \(namespace)/\(name)")
            }
            return value
        }
        return nil
    }

    /// A downward-API field of the pod (`metadata.name`, `metadata.labels['k']`, `status.podIP`...).
    static func fieldValue(_ path: String, pod: JSONValue, podIP: String, hostIP: String) -> String? {
        for (prefix, key) in [("metadata.labels['", "labels"), ("metadata.annotations['", "annotations")] where path.hasPrefix(prefix) && path.hasSuffix("']") {
            let name = String(path.dropFirst(prefix.count).dropLast(2))
            return pod[path: ["metadata", key, name]]?.stringValue ?? ""
        }
        switch path {
        case "metadata.name": return pod[path: ["metadata", "name"]]?.stringValue
        case "metadata.namespace": return pod[path: ["metadata", "namespace"]]?.stringValue
        case "metadata.uid": return pod[path: ["metadata", "uid"]]?.stringValue
        case "metadata.labels", "metadata.annotations":
            let map = pod[path: ["metadata", String(path.dropFirst("metadata.".count))]]?.stringMap ?? [:]
            return map.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escapedValue($0.value))\"" }.joined(separator: "\n")
        case "spec.nodeName": return pod[path: ["spec", "nodeName"]]?.stringValue
        case "spec.serviceAccountName": return pod[path: ["spec", "serviceAccountName"]]?.stringValue
        case "status.podIP", "status.podIPs": return podIP
        case "status.hostIP", "status.hostIPs": return hostIP
        default: return nil
        }
    }

    /// A label or annotation value as the downward API writes it: `\`, `"` and newlines escaped.
    private static func escapedValue(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// A container resource (`limits.cpu`, `requests.memory`...) divided by the divisor, rounded
    /// up; a limit that is not set reads the node's allocatable, as the kubelet does.
    static func resourceValue(_ reference: JSONValue, container: JSONValue, capacity: [String: String]) -> String? {
        guard let resource = reference["resource"]?.stringValue else { return nil }
        let parts = resource.split(separator: ".", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let kind = String(parts[0]), name = String(parts[1])
        var text = container[path: ["resources", kind, name]]?.stringValue
        if text == nil, kind == "limits" { text = capacity[name] }
        if text == nil, kind == "requests" { text = container[path: ["resources", "limits", name]]?.stringValue ?? (name == "cpu" ? "0" : "0") }
        guard let text, let quantity = Quantity(text) else { return nil }
        let divisorText = reference["divisor"]?.stringValue ?? "1"
        guard let divisor = Quantity(divisorText) else { return nil }
        let value = quantity.milliValue, unit = max(divisor.milliValue, 1)
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: unit)
        return String(remainder > 0 ? quotient + 1 : quotient)
    }

    /// Expands `$(NAME)` from `mapping` as Kubernetes does: unknown names stay as written,
    /// `$$` is a literal `$`. Byte-level; a `$(` without `)` is kept.
    package static func expand(_ input: String, _ mapping: [String: String]) -> String {
        let bytes = Array(input.utf8)
        guard bytes.contains(UInt8(ascii: "$")) else { return input }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var i = 0
        // Once no `)` follows, none follows any later `$(` either: linear on hostile input.
        var unclosed = false
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "$"), i + 1 < bytes.count else {
                output.append(bytes[i])
                i += 1
                continue
            }
            let next = bytes[i + 1]
            let close = next == UInt8(ascii: "(") && !unclosed ? bytes[(i + 2)...].firstIndex(of: UInt8(ascii: ")")) : nil
            if next == UInt8(ascii: "("), close == nil { unclosed = true }
            if next == UInt8(ascii: "$") {
                output.append(UInt8(ascii: "$"))
                i += 2
            } else if let close {
                let name = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
                if let value = mapping[name] {
                    output.append(contentsOf: value.utf8)
                } else {
                    output.append(contentsOf: bytes[i...close])
                }
                i = close + 1
            } else {
                output.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
