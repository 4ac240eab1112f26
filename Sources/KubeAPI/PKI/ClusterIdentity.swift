import Crypto
public import EncStore
import Foundation
public import Logging
import SwiftASN1
import X509

/// What every master of one cluster must share: the cluster id, the cluster CA and the
/// front-proxy CA (certificates and private keys) and the service-account signing key.
///
/// It lives in the store under ``storeKey``, sealed with the store's data keys like every value,
/// so masters sharing an etcd share it; each master mirrors it into its data directory
/// (`cluster-id`, `pki/ca.*`, `pki/front-proxy-ca.*`, `pki/service-account.key`, keys 0600),
/// where ``ClusterPKI`` issues that master's own serving and client certificates from it. The
/// first master to start publishes its local identity (creating one if it has none); every later
/// one adopts what the store holds. Each master keeps its own serving key, which its attestation
/// binds; the documents of all masters carry the same cluster id and CA digest.
public struct ClusterIdentity: Sendable, Equatable {
    /// The cluster id (a lowercase UUID): the audience of Seal tokens and part of attestation.
    public var clusterID: String
    /// The cluster CA certificate, PEM.
    public var caCertificatePEM: String
    var caKeyPEM: String
    /// The front-proxy CA certificate, PEM.
    public var frontProxyCACertificatePEM: String
    var frontProxyCAKeyPEM: String
    var serviceAccountKeyPEM: String

    init(
        clusterID: String, caCertificatePEM: String, caKeyPEM: String, frontProxyCACertificatePEM: String, frontProxyCAKeyPEM: String,
        serviceAccountKeyPEM: String
    ) {
        self.clusterID = clusterID
        self.caCertificatePEM = caCertificatePEM
        self.caKeyPEM = caKeyPEM
        self.frontProxyCACertificatePEM = frontProxyCACertificatePEM
        self.frontProxyCAKeyPEM = frontProxyCAKeyPEM
        self.serviceAccountKeyPEM = serviceAccountKeyPEM
    }

    /// Where the identity is kept in the store (outside the object registry's `/registry/` keys).
    public static let storeKey = "/daas/cluster-identity"

    /// The identity the store holds, installed into `dataDirectory`; or, when the store holds
    /// none, this data directory's (created if missing) published to the store. Two masters
    /// starting at once on an empty store agree: one create wins and the other adopts it.
    ///
    /// When the store's CA differs from the files, the files are replaced and the certificates
    /// the old CA issued are removed (``ClusterPKI/loadOrCreate(directory:hosts:)`` issues new ones).
    /// Throws ``APIError`` (500) when the stored identity is unreadable or a file cannot be written.
    public static func synchronize(store: any KeyValueStore, dataDirectory: String, logger: Logger) async throws -> ClusterIdentity {
        for _ in 0..<3 {
            if let stored = try await store.get(storeKey).kv {
                let shared = try ClusterIdentity(json: stored.value)
                if try shared.install(in: dataDirectory) {
                    logger.notice("adopted the cluster identity from the store", metadata: ["cluster-id": "\(shared.clusterID)"])
                }
                return shared
            }
            let local = try ClusterIdentity.local(dataDirectory)
            if try await store.create(storeKey, value: local.json()).succeeded {
                logger.notice("published this master's cluster identity to the store", metadata: ["cluster-id": "\(local.clusterID)"])
                return local
            }
        }
        throw APIError.internalError("the cluster identity in the store kept changing while this master read it")
    }

    /// This data directory's identity, each part created on first use.
    static func local(_ dataDirectory: String) throws -> ClusterIdentity {
        let pki = dataDirectory + "/pki"
        try FileManager.default.createDirectory(atPath: pki, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let ca = try ClusterPKI.authority("ca", commonName: ClusterPKI.caCommonName, directory: pki)
        let frontProxy = try ClusterPKI.authority("front-proxy-ca", commonName: ClusterPKI.frontProxyCACommonName, directory: pki)
        let serviceAccountKey = try ServiceAccountTokens.loadOrCreateKey(path: pki + "/service-account.key")
        return ClusterIdentity(
            clusterID: try localClusterID(dataDirectory),
            caCertificatePEM: try ca.0.serializeAsPEM().pemString, caKeyPEM: ca.1.pemRepresentation,
            frontProxyCACertificatePEM: try frontProxy.0.serializeAsPEM().pemString, frontProxyCAKeyPEM: frontProxy.1.pemRepresentation,
            serviceAccountKeyPEM: serviceAccountKey.pemRepresentation)
    }

    /// The cluster id under `dataDirectory` (`cluster-id`), created once.
    static func localClusterID(_ dataDirectory: String) throws -> String {
        let path = dataDirectory + "/cluster-id"
        if let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let id = UUID().uuidString.lowercased()
        try ClusterPKI.write(path, id + "\n", mode: 0o644)
        return id
    }

    /// Writes this identity's files into `dataDirectory` where they differ; true when anything changed.
    func install(in dataDirectory: String) throws -> Bool {
        let pki = dataDirectory + "/pki"
        try FileManager.default.createDirectory(atPath: pki, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let files: [(path: String, text: String, mode: UInt32)] = [
            (dataDirectory + "/cluster-id", clusterID + "\n", 0o644),
            (pki + "/ca.crt", caCertificatePEM, 0o644), (pki + "/ca.key", caKeyPEM, 0o600),
            (pki + "/front-proxy-ca.crt", frontProxyCACertificatePEM, 0o644), (pki + "/front-proxy-ca.key", frontProxyCAKeyPEM, 0o600),
            (pki + "/service-account.key", serviceAccountKeyPEM, 0o600),
        ]
        var changed = false
        for file in files where (try? String(contentsOfFile: file.path, encoding: .utf8)) != file.text {
            try ClusterPKI.write(file.path, file.text, mode: file.mode)
            changed = true
        }
        if changed {
            // Certificates issued by a CA this master no longer uses.
            for leaf in ClusterPKI.leafNames {
                unlink(pki + "/\(leaf).crt")
                unlink(pki + "/\(leaf).key")
            }
        }
        return changed
    }

    // MARK: Stored form

    private struct Stored: Codable {
        var clusterID: String
        var caCertificate: String
        var caKey: String
        var frontProxyCACertificate: String
        var frontProxyCAKey: String
        var serviceAccountKey: String
    }

    /// Decodes and checks the stored form: every certificate and key must parse, and each key
    /// must belong to its certificate.
    init(json: [UInt8]) throws {
        guard json.count <= 64 * 1024, let stored = try? JSONDecoder().decode(Stored.self, from: Data(json)) else {
            throw APIError.internalError("the cluster identity in the store is not readable")
        }
        let id = stored.clusterID.utf8
        guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) }) else {
            throw APIError.internalError("the cluster id in the store is not a lowercase id")
        }
        for (certificate, key) in [(stored.caCertificate, stored.caKey), (stored.frontProxyCACertificate, stored.frontProxyCAKey)] {
            guard let parsed = try? Certificate(pemEncoded: certificate), let signing = try? P256.Signing.PrivateKey(pemRepresentation: key),
                parsed.publicKey == Certificate.PublicKey(signing.publicKey)
            else { throw APIError.internalError("a CA in the store's cluster identity does not parse or does not match its key") }
        }
        guard (try? P256.Signing.PrivateKey(pemRepresentation: stored.serviceAccountKey)) != nil else {
            throw APIError.internalError("the service-account key in the store's cluster identity does not parse")
        }
        self.init(
            clusterID: stored.clusterID, caCertificatePEM: stored.caCertificate, caKeyPEM: stored.caKey,
            frontProxyCACertificatePEM: stored.frontProxyCACertificate, frontProxyCAKeyPEM: stored.frontProxyCAKey,
            serviceAccountKeyPEM: stored.serviceAccountKey)
    }

    func json() throws -> [UInt8] {
        Array(try JSONEncoder().encode(Stored(
            clusterID: clusterID, caCertificate: caCertificatePEM, caKey: caKeyPEM, frontProxyCACertificate: frontProxyCACertificatePEM,
            frontProxyCAKey: frontProxyCAKeyPEM, serviceAccountKey: serviceAccountKeyPEM)))
    }
}
