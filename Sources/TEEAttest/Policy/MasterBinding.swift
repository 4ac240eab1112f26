/// The `user_data` a DaaS master binds into its attestation: which cluster it serves and which CA
/// its clients must see, encoded as the CBOR map `{"cluster_id": text, "ca_sha256": bstr .size 32}`.
///
/// The master puts ``userData`` in its ``AttestationRequest``; a worker decodes the verified
/// document's `user_data` with ``init(userData:)`` and compares both fields before sending a token.
public struct MasterBinding: Sendable, Hashable {
    /// The cluster identifier (non-empty, at most 256 bytes of UTF-8).
    public var clusterID: String
    /// SHA-256 of the cluster CA certificate's DER (32 bytes).
    public var caSHA256: [UInt8]

    /// Creates a binding.
    public init(clusterID: String, caSHA256: [UInt8]) {
        self.clusterID = clusterID
        self.caSHA256 = caSHA256
    }

    /// Decodes a document's `user_data`.
    /// - Throws: ``AttestationError`` `document.field_invalid` (or a `cbor.*` code).
    public init(userData: [UInt8]) throws {
        let item = try CBORDecoder(limits: CBORLimits(maxInputBytes: AttestationRequest.maxUserData, maxDepth: 2, maxItems: 8)).decode(userData)
        guard let entries = item.mapValue, entries.count == 2,
              let cluster = item[text: "cluster_id"]?.textValue, !cluster.isEmpty, cluster.utf8.count <= 256,
              let ca = item[text: "ca_sha256"]?.bytesValue, ca.count == 32 else {
            throw AttestationError(.documentFieldInvalid, "user_data is not a DaaS master binding {cluster_id: text, ca_sha256: 32 bytes}")
        }
        self.init(clusterID: cluster, caSHA256: ca)
    }

    /// The encoded `user_data`.
    public var userData: [UInt8] {
        CBOREncoder.encode(.map([.init(.text("cluster_id"), .text(clusterID)), .init(.text("ca_sha256"), .bytes(caSHA256))]))
    }

    /// True when `other` names the same cluster and CA (the CA digest compared in constant time).
    public func matches(_ other: MasterBinding) -> Bool {
        ConstantTime.equals(caSHA256, other.caSHA256) && clusterID == other.clusterID
    }
}
