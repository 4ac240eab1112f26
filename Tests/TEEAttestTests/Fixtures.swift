import Foundation
import TEEAttest

/// The real Nitro documents in Fixtures/ with their metadata from vectors.json.
struct NitroFixture: Sendable, CustomStringConvertible {
    var name: String
    var verifyAtMs: UInt64
    var moduleID: String
    var timestampMs: UInt64
    var pcrs: [Int: String]
    var publicKeyHex: String?
    var userDataHex: String?
    var cabundleCount: Int
    var description: String { name }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func data(_ file: String) -> [UInt8] {
        (try? Array(Data(contentsOf: directory.appendingPathComponent(file)))) ?? []
    }

    static let all: [NitroFixture] = {
        guard let json = try? JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("vectors.json"))) as? [String: Any],
              let documents = json["documents"] as? [[String: Any]] else { return [] }
        return documents.compactMap { d in
            guard let name = d["name"] as? String, let at = d["verify_at_ms"] as? NSNumber, let parsed = d["parsed"] as? [String: Any],
                  let module = parsed["module_id"] as? String, let ts = parsed["timestamp_ms"] as? NSNumber,
                  let pcrs = parsed["pcrs"] as? [String: String], let count = parsed["cabundle_len"] as? Int else { return nil }
            return NitroFixture(name: name, verifyAtMs: at.uint64Value, moduleID: module, timestampMs: ts.uint64Value,
                                pcrs: Dictionary(uniqueKeysWithValues: pcrs.compactMap { k, v in Int(k).map { ($0, v) } }),
                                publicKeyHex: parsed["public_key_hex"] as? String, userDataHex: parsed["user_data_hex"] as? String,
                                cabundleCount: count)
        }
    }()

    var cbor: [UInt8] { Self.data(name + ".cbor") }
    var hexText: String { String(decoding: Self.data(name + ".hex"), as: UTF8.self) }
    var verifyAt: Date { Date(timeIntervalSince1970: Double(verifyAtMs) / 1000) }
    func at(offsetSeconds: Double) -> Date { verifyAt.addingTimeInterval(offsetSeconds) }

    static let rootPEM = String(decoding: data("aws_nitro_enclaves_root_g1.pem"), as: UTF8.self)
}

/// The error code `body` throws, or nil when it does not throw an AttestationError.
func errorCode(_ body: () throws -> Void) -> AttestationError.Code? {
    do {
        try body()
        return nil
    } catch let error as AttestationError {
        return error.code
    } catch {
        return AttestationError.Code(rawValue: "unexpected: \(error)")
    }
}

extension Array where Element == UInt8 {
    /// The index of the first occurrence of `needle`.
    func firstRange(of needle: [UInt8]) -> Int? {
        guard needle.count <= count else { return nil }
        for i in 0...(count - needle.count) where self[i..<i + needle.count].elementsEqual(needle) { return i }
        return nil
    }

    func flipping(_ index: Int, mask: UInt8 = 0x01) -> [UInt8] {
        var copy = self
        copy[index] ^= mask
        return copy
    }
}
