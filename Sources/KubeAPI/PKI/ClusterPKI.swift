import Crypto
import Foundation
import X509
import SwiftASN1

/// The cluster's certificates: a CA, the API server's serving certificate and an admin client
/// certificate, created on first start under the data directory (private keys mode 0600) and
/// reused afterwards.
public struct ClusterPKI: Sendable {
    /// The CA certificate, PEM.
    public let caCertificatePEM: String
    /// The serving certificate chain and key, PEM.
    public let serverCertificatePEM: String
    public let serverKeyPEM: String
    /// The admin client certificate (CN `system:admin`, O `system:masters`) and key, PEM.
    public let adminCertificatePEM: String
    public let adminKeyPEM: String
    /// The client certificate the API server presents to node agents (CN
    /// `kube-apiserver-kubelet-client`, O `system:masters`) and its key, PEM.
    public var kubeletClientCertificatePEM = ""
    public var kubeletClientKeyPEM = ""
    /// The front-proxy CA (PEM), which extension API servers trust for proxied requests, and the
    /// client certificate (CN `front-proxy-client`) and key the API server proxies them with.
    public var frontProxyCACertificatePEM = ""
    public var frontProxyClientCertificatePEM = ""
    public var frontProxyClientKeyPEM = ""

    /// Loads the certificates from `directory`, creating any that are missing.
    /// - Parameters:
    ///   - directory: Where `ca.crt`, `ca.key`, `server.crt`, `server.key`, `admin.crt`, `admin.key` live.
    ///   - hosts: DNS names and IP addresses the serving certificate must cover.
    public static func loadOrCreate(directory: String, hosts: [String]) throws -> ClusterPKI {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        func path(_ name: String) -> String { directory + "/" + name }
        let (caCert, caKey) = try authority("ca", commonName: caCommonName, directory: directory)
        let frontProxyCA = try authority("front-proxy-ca", commonName: frontProxyCACommonName, directory: directory)
        let server = try leaf(
            "server", directory: directory, ca: (caCert, caKey), hosts: hosts,
            subject: try DistinguishedName { CommonName("kube-apiserver") }, usage: .serverAuth)
        let admin = try leaf(
            "admin", directory: directory, ca: (caCert, caKey), hosts: [],
            subject: try DistinguishedName {
                OrganizationName("system:masters")
                CommonName("system:admin")
            }, usage: .clientAuth)
        let kubeletClient = try leaf(
            "kubelet-client", directory: directory, ca: (caCert, caKey), hosts: [],
            subject: try DistinguishedName {
                OrganizationName("system:masters")
                CommonName(NodeServingCertificates.apiServerClientName)
            }, usage: .clientAuth)
        var pki = ClusterPKI(
            caCertificatePEM: try caCert.serializeAsPEM().pemString,
            serverCertificatePEM: server.0, serverKeyPEM: server.1,
            adminCertificatePEM: admin.0, adminKeyPEM: admin.1)
        pki.kubeletClientCertificatePEM = kubeletClient.0
        pki.kubeletClientKeyPEM = kubeletClient.1
        let frontProxyClient = try leaf(
            "front-proxy-client", directory: directory, ca: frontProxyCA, hosts: [],
            subject: try DistinguishedName { CommonName(Self.frontProxyClientName) }, usage: .clientAuth)
        pki.frontProxyCACertificatePEM = try frontProxyCA.0.serializeAsPEM().pemString
        pki.frontProxyClientCertificatePEM = frontProxyClient.0
        pki.frontProxyClientKeyPEM = frontProxyClient.1
        return pki
    }

    /// The common name of the front-proxy client certificate extension API servers accept.
    public static let frontProxyClientName = "front-proxy-client"

    static let caCommonName = "k3s-daas-ca"
    static let frontProxyCACommonName = "k3s-daas-front-proxy-ca"
    /// The certificates `loadOrCreate` issues from the CAs (`<name>.crt`, `<name>.key`).
    static let leafNames = ["server", "admin", "kubelet-client", "front-proxy-client"]

    /// The CA `<name>.crt`/`<name>.key` in `directory`, created (key 0600) when missing.
    static func authority(_ name: String, commonName: String, directory: String) throws -> (Certificate, P256.Signing.PrivateKey) {
        let certPath = directory + "/\(name).crt"
        let keyPath = directory + "/\(name).key"
        if let certPEM = read(certPath), let keyPEM = read(keyPath) {
            return (try Certificate(pemEncoded: certPEM), try P256.Signing.PrivateKey(pemRepresentation: keyPEM))
        }
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName("\(commonName)@\(Int(Date().timeIntervalSince1970))") }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 10 * 365 * 86400,
            issuer: subject, subject: subject,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        try write(keyPath, key.pemRepresentation, mode: 0o600)
        try write(certPath, try certificate.serializeAsPEM().pemString, mode: 0o644)
        return (certificate, key)
    }

    private static func leaf(
        _ name: String, directory: String, ca: (Certificate, P256.Signing.PrivateKey), hosts: [String],
        subject: DistinguishedName, usage: ExtendedKeyUsage.Usage
    ) throws -> (String, String) {
        let certPath = directory + "/\(name).crt"
        let keyPath = directory + "/\(name).key"
        if let cert = read(certPath), let key = read(keyPath), let parsed = try? Certificate(pemEncoded: cert),
            parsed.issuer == ca.0.subject, parsed.notValidAfter > Date() + 86400
        {
            return (cert, key)
        }
        let key = P256.Signing.PrivateKey()
        let names: [GeneralName] = hosts.map { host in
            if let octets = ipv4Octets(host) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(octets))) }
            return .dnsName(host)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 365 * 86400,
            issuer: ca.0.subject, subject: subject,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([usage])
                AuthorityKeyIdentifier(keyIdentifier: try ca.0.extensions.subjectKeyIdentifier?.keyIdentifier)
                if !names.isEmpty { SubjectAlternativeNames(names) }
            },
            issuerPrivateKey: .init(ca.1))
        let certPEM = try certificate.serializeAsPEM().pemString
        try write(keyPath, key.pemRepresentation, mode: 0o600)
        try write(certPath, certPEM, mode: 0o644)
        return (certPEM, key.pemRepresentation)
    }

    static func ipv4Octets(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".")
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { UInt8($0) }
        return octets.count == 4 ? octets : nil
    }

    /// The serving certificate's public key as DER SubjectPublicKeyInfo: what attestation binds.
    public func serverPublicKeyInfo() throws -> [UInt8] {
        Array(try Certificate(pemEncoded: serverCertificatePEM).publicKey.subjectPublicKeyInfoBytes)
    }

    /// The CA certificate in DER.
    public func caCertificateDER() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(try Certificate(pemEncoded: caCertificatePEM))
        return serializer.serializedBytes
    }

    /// A kubeconfig for `user` in `groups`, with a new client certificate signed by the cluster
    /// CA found in `directory` (which must exist: the master creates it on first start).
    public static func userKubeconfig(directory: String, user: String, groups: [String], server: String, validDays: Int = 365) throws -> String {
        guard let caPEM = read(directory + "/ca.crt"), let caKeyPEM = read(directory + "/ca.key") else {
            throw APIError.internalError("no cluster CA in \(directory); start daas-master once first")
        }
        let caCert = try Certificate(pemEncoded: caPEM)
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: caKeyPEM)
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            for group in groups { OrganizationName(group) }
            CommonName(user)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + Double(validDays) * 86400,
            issuer: caCert.subject, subject: subject,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: .init(caKey))
        let pki = ClusterPKI(
            caCertificatePEM: caPEM, serverCertificatePEM: "", serverKeyPEM: "",
            adminCertificatePEM: try certificate.serializeAsPEM().pemString, adminKeyPEM: key.pemRepresentation)
        return pki.adminKubeconfig(server: server).replacingOccurrences(of: "- name: admin\n", with: "- name: \(user)\n")
            .replacingOccurrences(of: "user: admin\n", with: "user: \(user)\n")
    }

    private static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// Writes `text` to `path` atomically (a temporary file, fsync, rename), the file created with
    /// `mode` from the start so there is no window with wider permissions. Kubeconfigs and keys
    /// use 0600. Throws ``APIError`` (500) when the file cannot be written.
    public static func write(_ path: String, _ text: String, mode: UInt32) throws {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode_t(mode))
        guard fd >= 0 else { throw APIError.internalError("cannot create \(path): errno \(errno)") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            throw APIError.internalError("cannot write \(path): errno \(errno)")
        }
    }

    /// A kubeconfig for the admin user, with the CA pinned and the client certificate embedded.
    public func adminKubeconfig(server: String, clusterName: String = "k3s-daas") -> String {
        func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: \(clusterName)
              cluster:
                server: \(server)
                certificate-authority-data: \(b64(caCertificatePEM))
            users:
            - name: admin
              user:
                client-certificate-data: \(b64(adminCertificatePEM))
                client-key-data: \(b64(adminKeyPEM))
            contexts:
            - name: \(clusterName)
              context:
                cluster: \(clusterName)
                user: admin
            current-context: \(clusterName)

            """
    }
}
