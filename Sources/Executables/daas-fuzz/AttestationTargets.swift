import Foundation
import KubeAPI
import TEEAttest

/// The real Nitro attestation documents and when each one verifies.
enum NitroDocuments {
    static let names: [(file: String, verifyAtMs: Int64)] = [
        ("sui_fixed_valid_attestation_2024-11-14.cbor", 1_731_627_987_382),
        ("sui_valid_pcr16_attestation_2025-11-10.cbor", 1_762_795_380_000),
        ("sui_move_test_weather_enclave_2025-05-12.cbor", 1_747_071_568_899),
        ("nautilus_weather_enclave_2025-04-15.cbor", 1_744_684_007_462),
    ]

    static func all() throws -> [[UInt8]] {
        try names.map { try FixtureFiles.read("Tests/TEEAttestTests/Fixtures/" + $0.file) }
    }
}

/// The CBOR decoder, with the attestation limits.
struct CBORTarget: FuzzTarget {
    let name = "cbor"
    var dictionary: [[UInt8]] { [[0x9f], [0xbf], [0xff], [0x5f], [0x7f], [0xd8, 0x12], [0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xfa, 0x7f, 0xc0, 0x00, 0x00], [0x84], [0xa1]] }

    func seeds() throws -> [[UInt8]] { try NitroDocuments.all() }

    func run(_ input: [UInt8]) async {
        _ = try? CBORDecoder().decode(input)
    }
}

/// COSE_Sign1 structure and header decoding.
struct COSETarget: FuzzTarget {
    let name = "cose"
    var dictionary: [[UInt8]] { CBORTarget().dictionary }

    func seeds() throws -> [[UInt8]] { try NitroDocuments.all() }

    func run(_ input: [UInt8]) async {
        if let cose = try? COSESign1(decoding: input) { _ = try? cose.algorithm() }
    }
}

/// The whole attestation verifier (COSE, chain to the AWS Nitro root, signature, document
/// fields, policy) at each document's own time, and the master binding in `user_data`.
struct AttestationDocumentTarget: FuzzTarget {
    let name = "attestation"
    let verifier: AttestationVerifier
    var dictionary: [[UInt8]] { CBORTarget().dictionary + ["module_id", "pcrs", "certificate", "cabundle", "user_data", "nonce", "public_key", "digest", "SHA384"].map(\.bytes) }
    var maxInputSize: Int { 32 << 10 }

    init() throws {
        verifier = AttestationVerifier(configuration: .init(roots: [try NitroRoot.certificate], linkCache: VerifiedLinkCache()))
    }

    func seeds() throws -> [[UInt8]] { try NitroDocuments.all() }

    func run(_ input: [UInt8]) async {
        for (_, verifyAtMs) in NitroDocuments.names.prefix(2) {
            let expectations = AttestationExpectations(pcrs: [0: [UInt8](repeating: 0, count: 48)], time: Date(timeIntervalSince1970: Double(verifyAtMs) / 1000))
            if let verified = try? verifier.verify(input, expectations: expectations), let userData = verified.userData {
                _ = try? MasterBinding(userData: userData)
            }
        }
        _ = try? AttestationVerifier.documentBytes(fromFile: input)
    }
}

/// The HTTP answer parser clients run on a master's attestation response, before any trust.
struct AttestationAnswerTarget: FuzzTarget {
    let name = "attestation-answer"
    var dictionary: [[UInt8]] { ["\r\n", "\r\n\r\n", "HTTP/1.1 ", "Content-Length:", ": ", "200", "chunked"].map(\.bytes) }

    func seeds() throws -> [[UInt8]] {
        let document = try NitroDocuments.all()[0]
        return ["HTTP/1.1 200 OK\r\nContent-Type: application/cbor\r\nContent-Length: \(document.count)\r\nConnection: close\r\n\r\n".bytes + document,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".bytes]
    }

    func run(_ input: [UInt8]) async {
        _ = MasterAttestationClient.parse(input)
    }
}
