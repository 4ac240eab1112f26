import SwiftASN1
public import X509

/// The identity of an x509 client certificate the TLS layer already verified against the cluster
/// CA: the subject's common name is the user, its organizations are the groups (as kube-apiserver).
public enum ClientCertificateIdentity {
    /// The identity `certificate` carries, or `nil` when it has no common name.
    public static func user(of certificate: Certificate) -> UserInfo? {
        var name: String?
        var groups: [String] = []
        for rdn in certificate.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName { name = String(describing: attribute.value) }
                if attribute.type == .RDNAttributeType.organizationName { groups.append(String(describing: attribute.value)) }
            }
        }
        guard let name, !name.isEmpty else { return nil }
        return UserInfo(name: name, groups: groups)
    }
}
