public import Foundation
public import X509
import Crypto
import SwiftASN1

/// Produces Nitro-format attestation documents outside an enclave, under its own P-384 root.
///
/// State lives in ``Configuration/directory``: `root.key`/`root.pem` and
/// `intermediate.key`/`intermediate.pem` (keys PKCS#8 PEM, mode 0600; created on first use, reused
/// afterwards). Each document gets a fresh leaf key and certificate (valid ``Configuration/leafValidity``)
/// issued by the intermediate, `cabundle = [root, intermediate]`, `module_id` ``Configuration/moduleID``,
/// PCR0 = SHA-384 of ``Configuration/measuredExecutable`` and PCR1...15 zero, like an enclave in debug mode.
/// Verify its documents with `AttestationVerifier(configuration: .init(roots: [attester.rootCertificate]))`.
public struct DevAttester: Attester {
    /// Dev attester settings.
    public struct Configuration: Sendable {
        /// Directory holding the root and intermediate (created 0700 if missing). No default.
        public var directory: String
        /// The executable whose SHA-384 becomes PCR0 (for daas-master: its own binary). No default.
        public var measuredExecutable: String
        /// The `module_id` written in documents. Default `daas-dev`.
        public var moduleID: String
        /// How long each leaf certificate is valid. Default 3 hours, as on Nitro.
        public var leafValidity: Duration
        /// How long a newly created root and intermediate are valid. Default 10 years.
        public var caValidity: Duration

        /// Creates settings; optional parameters default as documented.
        public init(directory: String, measuredExecutable: String, moduleID: String = "daas-dev",
                    leafValidity: Duration = .seconds(3 * 3600), caValidity: Duration = .seconds(10 * 365 * 86400)) {
            self.directory = directory
            self.measuredExecutable = measuredExecutable
            self.moduleID = moduleID
            self.leafValidity = leafValidity
            self.caValidity = caValidity
        }
    }

    /// The settings in use.
    public let configuration: Configuration
    /// The dev root, the trust anchor for this attester's documents.
    public let rootCertificate: Certificate
    /// The intermediate that issues leaf certificates.
    public let intermediateCertificate: Certificate
    /// PCR0: SHA-384 of the measured executable.
    public let pcr0: [UInt8]
    private let intermediateKey: P384.Signing.PrivateKey
    private let rootDER: [UInt8]
    private let intermediateDER: [UInt8]

    /// Loads the attester's state from the directory, creating it on first use, and measures the executable.
    /// - Throws: ``AttestationError`` with a `dev.*` code.
    public init(configuration: Configuration) throws {
        self.configuration = configuration
        let dir = configuration.directory
        try DevAttesterStore.createDirectory(dir)
        let rootKeyPath = dir + "/root.key", rootPath = dir + "/root.pem"
        let interKeyPath = dir + "/intermediate.key", interPath = dir + "/intermediate.pem"

        let rootKey: P384.Signing.PrivateKey
        let root: Certificate
        if DevAttesterStore.exists(rootKeyPath) || DevAttesterStore.exists(rootPath) {
            rootKey = try Self.loadKey(rootKeyPath)
            root = try Self.loadCertificate(rootPath)
            guard root.publicKey == Certificate.PublicKey(rootKey.publicKey) else {
                throw AttestationError(.devStateInvalid, "\(rootPath) does not match \(rootKeyPath)")
            }
        } else {
            rootKey = P384.Signing.PrivateKey()
            root = try Self.issue(subject: Self.name("DaaS dev attestation root " + Self.keyTag(rootKey)), key: rootKey.publicKey, issuer: nil,
                                  issuerKey: rootKey, ca: true, validity: configuration.caValidity)
            try Self.store(key: rootKey, at: rootKeyPath, certificate: root, at: rootPath)
        }

        var interKey: P384.Signing.PrivateKey
        var inter: Certificate
        if DevAttesterStore.exists(interKeyPath) && DevAttesterStore.exists(interPath) {
            interKey = try Self.loadKey(interKeyPath)
            inter = try Self.loadCertificate(interPath)
            guard inter.publicKey == Certificate.PublicKey(interKey.publicKey), inter.issuer == root.subject,
                  root.publicKey.isValidSignature(inter.signature, for: inter) else {
                throw AttestationError(.devStateInvalid, "\(interPath) does not belong to \(interKeyPath) and the root in \(dir)")
            }
        } else {
            interKey = P384.Signing.PrivateKey()
            inter = try Self.issue(subject: Self.name("DaaS dev attestation intermediate " + Self.keyTag(interKey)), key: interKey.publicKey, issuer: root,
                                   issuerKey: rootKey, ca: true, validity: configuration.caValidity)
            try Self.store(key: interKey, at: interKeyPath, certificate: inter, at: interPath)
        }
        // An intermediate close to expiry is replaced so leaves never outlive it.
        if inter.notValidAfter < Date().addingTimeInterval(AttestationExpectations.milliseconds(configuration.leafValidity) / 1000 + 86400) {
            interKey = P384.Signing.PrivateKey()
            inter = try Self.issue(subject: Self.name("DaaS dev attestation intermediate " + Self.keyTag(interKey)), key: interKey.publicKey, issuer: root,
                                   issuerKey: rootKey, ca: true, validity: configuration.caValidity)
            try Self.store(key: interKey, at: interKeyPath, certificate: inter, at: interPath)
        }

        self.rootCertificate = root
        self.intermediateCertificate = inter
        self.intermediateKey = interKey
        self.rootDER = try Self.der(root)
        self.intermediateDER = try Self.der(inter)
        self.pcr0 = try Self.measure(executableAt: configuration.measuredExecutable)
    }

    /// The dev root in PEM, for `--root` on verifiers.
    public var rootCertificatePEM: String {
        get throws { try rootCertificate.serializeAsPEM().pemString }
    }

    /// A fresh document for `request`, signed now.
    /// - Throws: ``AttestationError`` `nsm.request_too_large` or `dev.signing_failed`.
    public func attest(_ request: AttestationRequest) throws -> [UInt8] {
        try attest(request, at: Date())
    }

    /// A document for `request` as if created at `time` (tests use this to exercise expiry).
    public func attest(_ request: AttestationRequest, at time: Date) throws -> [UInt8] {
        try request.validate()
        let leafKey = P384.Signing.PrivateKey()
        let leaf = try Self.issue(subject: Self.name(configuration.moduleID), key: leafKey.publicKey, issuer: intermediateCertificate,
                                  issuerKey: intermediateKey, ca: false, validity: configuration.leafValidity, now: time)
        var pcrs: [Int: [UInt8]] = [:]
        for i in 0..<16 { pcrs[i] = [UInt8](repeating: 0, count: 48) }
        pcrs[0] = pcr0
        let document = AttestationDocument(moduleID: configuration.moduleID, timestampMilliseconds: UInt64((time.timeIntervalSince1970 * 1000).rounded(.down)),
                                           pcrs: pcrs, certificate: try Self.der(leaf), cabundle: [rootDER, intermediateDER],
                                           publicKey: request.publicKey, userData: request.userData, nonce: request.nonce)
        return try COSESign1.signES384(payload: CBOREncoder.encode(document.payload), with: leafKey).encoded
    }

    /// SHA-384 of the file at `path`, read in 1 MiB blocks: the PCR0 the dev attester reports.
    /// - Throws: ``AttestationError`` `dev.measurement_failed`.
    public static func measure(executableAt path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AttestationError(.devMeasurementFailed, "cannot open \(path) to measure it")
        }
        defer { try? handle.close() }
        var hasher = SHA384()
        do {
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
                hasher.update(data: block)
            }
        } catch {
            throw AttestationError(.devMeasurementFailed, "cannot read \(path): \(error)")
        }
        return Array(hasher.finalize())
    }

    // MARK: Certificates and storage

    /// Eight hex digits of the key's SHA-256, so two dev roots never share a name.
    private static func keyTag(_ key: P384.Signing.PrivateKey) -> String {
        Hex.encode(SHA256.hash(data: key.publicKey.derRepresentation).prefix(4))
    }

    private static func name(_ commonName: String) throws -> DistinguishedName {
        do {
            return try DistinguishedName {
                OrganizationName("K3s-DaaS")
                CommonName(commonName)
            }
        } catch {
            throw AttestationError(.devSigningFailed, "invalid certificate name \(commonName): \(error)")
        }
    }

    private static func issue(subject: DistinguishedName, key: P384.Signing.PublicKey, issuer: Certificate?, issuerKey: P384.Signing.PrivateKey,
                              ca: Bool, validity: Duration, now: Date = Date()) throws -> Certificate {
        // Whole seconds: X.509 times have one-second resolution.
        let start = Date(timeIntervalSince1970: (now.timeIntervalSince1970).rounded(.down))
        do {
            let extensions = try Certificate.Extensions {
                Critical(ca ? BasicConstraints.isCertificateAuthority(maxPathLength: issuer == nil ? 1 : 0) : BasicConstraints.notCertificateAuthority)
                Critical(ca ? KeyUsage(keyCertSign: true, cRLSign: true) : KeyUsage(digitalSignature: true))
            }
            var serial = [UInt8](repeating: 0, count: 16)
            for i in serial.indices { serial[i] = UInt8.random(in: 0...255) }
            serial[0] &= 0x7f
            return try Certificate(version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial),
                                   publicKey: Certificate.PublicKey(key), notValidBefore: start,
                                   notValidAfter: start.addingTimeInterval(AttestationExpectations.milliseconds(validity) / 1000),
                                   issuer: issuer?.subject ?? subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA384,
                                   extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(issuerKey))
        } catch {
            throw AttestationError(.devSigningFailed, "cannot issue the certificate for \(subject): \(error)")
        }
    }

    private static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        do {
            try serializer.serialize(certificate)
        } catch {
            throw AttestationError(.devSigningFailed, "cannot serialize \(certificate.subject): \(error)")
        }
        return serializer.serializedBytes
    }

    private static func store(key: P384.Signing.PrivateKey, at keyPath: String, certificate: Certificate, at certPath: String) throws {
        try DevAttesterStore.writeFile(Array(key.pemRepresentation.utf8), to: keyPath, mode: 0o600)
        let pem: String
        do {
            pem = try certificate.serializeAsPEM().pemString
        } catch {
            throw AttestationError(.devSigningFailed, "cannot encode \(certPath): \(error)")
        }
        try DevAttesterStore.writeFile(Array((pem + "\n").utf8), to: certPath, mode: 0o644)
    }

    private static func loadKey(_ path: String) throws -> P384.Signing.PrivateKey {
        let bytes = try DevAttesterStore.readFile(path, secret: true)
        do {
            return try P384.Signing.PrivateKey(pemRepresentation: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw AttestationError(.devStateInvalid, "\(path) is not a P-384 private key in PEM: \(error)")
        }
    }

    private static func loadCertificate(_ path: String) throws -> Certificate {
        let bytes = try DevAttesterStore.readFile(path, secret: false)
        do {
            return try Certificate(pemEncoded: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw AttestationError(.devStateInvalid, "\(path) is not a PEM certificate: \(error)")
        }
    }
}
