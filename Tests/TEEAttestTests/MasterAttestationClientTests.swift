import DaaSTestSupport
import Foundation
import Testing

@testable import TEEAttest

@Suite("Master attestation client")
struct MasterAttestationClientTests {
    @Test("HTTP answers are split on bytes with bounds checks: any bytes give an answer, never a crash")
    func parsing() {
        let ok = MasterAttestationClient.parse(Array("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef".utf8))
        #expect(ok.status == 200 && ok.body == Array("abc".utf8))
        for raw in ["HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nxyz", "HTTP/1.1 200 OK\r\nContent-Length\r\n\r\nxyz", "HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\nxyz",
                    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nxyz", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nxyz"] {
            let response = MasterAttestationClient.parse(Array(raw.utf8))
            #expect(response.status == 200 && response.body == Array("xyz".utf8), "\(raw.debugDescription)")
        }
        for raw in ["", "\r\n\r\n", "HTTP/1.1\r\n\r\n", "HTTP/1.1 2\u{301}00 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "no header end", "ICY 200 OK\r\n\r\n"] {
            #expect(MasterAttestationClient.parse(Array(raw.utf8)).status == nil, "\(raw.debugDescription)")
        }
        var random = SplitMix64.seeded("attestation HTTP answers")
        let seed = Array("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody".utf8)
        for _ in 0..<20_000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: index)
                default: bytes.insert([13, 10, 58, 32, 48][Int.random(in: 0..<5, using: &random)], at: index)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            let response = MasterAttestationClient.parse(bytes)
            #expect(response.body.count <= bytes.count)
        }
    }

    @Test("trusting the Nitro root needs PCR0; pins are checked against the attested binding")
    func trust() throws {
        let nitro = try MasterTrust(rootPEMFile: nil, pcrs: [])
        #expect(nitro.trustsNitroRoot)
        #expect(throws: AttestationError.self) { try nitro.checkSufficient() }
        try MasterTrust(rootPEMFile: nil, pcrs: ["0=" + String(repeating: "ab", count: 48)]).checkSufficient()
        let binding = MasterBinding(clusterID: "c1", caSHA256: [UInt8](repeating: 7, count: 32))
        try MasterTrust(rootPEMFile: nil, pcrs: [], clusterID: "c1", caSHA256: String(repeating: "07", count: 32)).checkPins(binding)
        #expect(throws: AttestationError.self) { try MasterTrust(rootPEMFile: nil, pcrs: [], clusterID: "c2").checkPins(binding) }
        #expect(throws: AttestationError.self) { try MasterTrust(rootPEMFile: nil, pcrs: [], caSHA256: String(repeating: "08", count: 32)).checkPins(binding) }
        for bad in [(["0"], nil as String?), (["32=ab"], nil), (["0=zz"], nil), ([], "abcd"), ([], String(repeating: "0", count: 63) + "\u{301}")] {
            #expect(throws: AttestationError.self) { try MasterTrust(rootPEMFile: nil, pcrs: bad.0, caSHA256: bad.1) }
        }
    }
}
