package import Foundation

/// Validation and defaulting of `metadata` shared by every kind.
package enum ObjectMeta {
    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

    /// Whether `name` is a DNS-1123 label: at most 63 of [a-z0-9-], alphanumeric at both ends.
    static func isLabel(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 63 else { return false }
        let bytes = Array(name.utf8)
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        return alnum(bytes.first!) && alnum(bytes.last!) && bytes.allSatisfy { alnum($0) || $0 == 0x2D }
    }

    /// Whether `name` is a DNS-1123 subdomain: dot-separated labels, at most 253 characters.
    static func isSubdomain(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isLabel(String($0)) }
    }

    /// The causes that make `name` invalid for `resource` (namespaces need a label, others a subdomain).
    static func nameCauses(_ name: String, resource: ResourceType) -> [APIError.Cause] {
        if resource.group == "rbac.authorization.k8s.io" || resource.group == "apiregistration.k8s.io" {
            // RBAC objects and APIServices take path-segment names, so `system:basic-user` and `v1.` are valid.
            if name == "." || name == ".." {
                return [APIError.Cause(field: "metadata.name", message: "Invalid value: \"\(name)\": may not be '\(name)'")]
            }
            for bad in ["/", "%"] where name.contains(bad) {
                return [APIError.Cause(field: "metadata.name", message: "Invalid value: \"\(name)\": may not contain '\(bad)'")]
            }
            return []
        }
        if resource.plural == "namespaces" || resource.plural == "services" {
            return isLabel(name) ? [] : [APIError.Cause(field: "metadata.name", message: "Invalid value: \"\(name)\": \(labelMessage)")]
        }
        return isSubdomain(name) ? [] : [APIError.Cause(field: "metadata.name", message: "Invalid value: \"\(name)\": \(subdomainMessage)")]
    }

    /// The causes that make labels invalid.
    static func labelCauses(_ labels: JSONValue?) -> [APIError.Cause] {
        guard let labels else { return [] }
        guard let map = labels.stringMap else {
            return [APIError.Cause(field: "metadata.labels", message: "Invalid value: \"object\": labels must be a map of strings")]
        }
        var causes: [APIError.Cause] = []
        for (key, value) in map.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false)
            let name = String(parts.last ?? "")
            let prefixOK = parts.count == 1 || (parts.count == 2 && isSubdomain(String(parts[0])))
            let nameOK = !name.isEmpty && name.count <= 63 && name.first!.isLetterOrDigitASCII && name.last!.isLetterOrDigitASCII
                && name.allSatisfy { $0.isLetterOrDigitASCII || "-_.".contains($0) }
            if !(prefixOK && nameOK) {
                causes.append(APIError.Cause(field: "metadata.labels", message: "Invalid value: \"\(key)\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"))
            }
            let valueOK = value.isEmpty || (value.count <= 63 && value.first!.isLetterOrDigitASCII && value.last!.isLetterOrDigitASCII
                && value.allSatisfy { $0.isLetterOrDigitASCII || "-_.".contains($0) })
            if !valueOK {
                causes.append(APIError.Cause(field: "metadata.labels", message: "Invalid value: \"\(value)\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"))
            }
        }
        return causes
    }

    /// RFC 3339 with seconds, in UTC, as Kubernetes writes timestamps.
    package static func timestamp(_ date: Date) -> String { RFC3339.string(date) }

    /// A random suffix for generateName, from kube's alphabet without vowels or ambiguous characters.
    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }
}

extension Character {
    var isLetterOrDigitASCII: Bool { isASCII && (isLetter || isNumber) }
}
