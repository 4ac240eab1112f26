import Foundation
import SuiClient
import Testing

@Suite("SuiKeystore")
struct SuiKeystoreTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("suikeystore-\(UUID().uuidString)").path

    func mode(_ path: String) throws -> Int {
        try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test("save then load round-trips every scheme; the file is 0600 in a new 0700 directory")
    func roundTrip() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/nested/sui.keystore"
        var store = SuiKeystore()
        for scheme in SuiSignatureScheme.allCases { store.add(.generate(scheme: scheme)) }
        store.add(store.keys[0])
        #expect(store.keys.count == 3)
        try store.save(path: path)
        #expect(try mode(path) == 0o600)
        #expect(try mode(directory + "/nested") == 0o700)
        let loaded = try SuiKeystore.load(path: path)
        #expect(loaded.keys == store.keys)
        #expect(try loaded.keyPair(for: nil) == store.keys[0])
        #expect(try loaded.keyPair(for: store.keys[2].address) == store.keys[2])
        // Saving again replaces the file atomically and leaves no temporary file behind.
        var more = loaded
        more.add(.generate(scheme: .ed25519))
        try more.save(path: path)
        #expect(try SuiKeystore.load(path: path).keys.count == 4)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/nested") == ["sui.keystore"])
    }

    @Test("reads the Sui CLI format: a JSON array of base64 flag || private key")
    func cliFormat() throws {
        let entries = SignatureFixtures.privateKeyEncoding.compactMap { $0["flag_and_private_key_base64"] }
        let json = "[\n  \"" + entries.joined(separator: "\",\n  \"") + "\"\n]"
        let store = try SuiKeystore(json: Array(json.utf8))
        #expect(store.keys.map(\.address.description) == SignatureFixtures.privateKeyEncoding.compactMap { $0["address"] })
        #expect(String(decoding: store.json, as: UTF8.self) == json)
        #expect(try SuiKeystore(json: Array("[]".utf8)).keys.isEmpty)
    }

    @Test("a keystore readable by group or other is refused with a clear message", arguments: [0o644, 0o640, 0o604, 0o660, 0o602])
    func insecureMode(mode: Int) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sui.keystore"
        try SuiKeystore(keys: [.generate(scheme: .ed25519)]).save(path: path)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        do {
            _ = try SuiKeystore.load(path: path)
            Issue.record("a keystore with mode \(String(mode, radix: 8)) was loaded")
        } catch let error as SuiClientError {
            #expect(error.code == .keystoreInsecurePermissions)
            #expect(error.message.contains("chmod 600") && error.message.contains(path))
        }
    }

    @Test("missing, oversized and malformed files fail with their own codes")
    func failures() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(errorCode { _ = try SuiKeystore.load(path: directory + "/absent") } == .keystoreUnreadable)
        #expect(errorCode { _ = try SuiKeystore.load(path: directory) } != nil)
        let big = directory + "/big"
        _ = FileManager.default.createFile(atPath: big, contents: Data(count: SuiKeystore.maximumFileSize + 1), attributes: [.posixPermissions: 0o600])
        #expect(errorCode { _ = try SuiKeystore.load(path: big) } == .keystoreTooLarge)
        let bad = directory + "/bad"
        _ = FileManager.default.createFile(atPath: bad, contents: Data("{\"a\":1}".utf8), attributes: [.posixPermissions: 0o600])
        #expect(errorCode { _ = try SuiKeystore.load(path: bad) } == .keystoreMalformed)
    }

    @Test("keyPair(for:) names an empty keystore and an absent address")
    func lookup() throws {
        #expect(errorCode { _ = try SuiKeystore().keyPair(for: nil) } == .keystoreEmpty)
        let store = SuiKeystore(keys: [.generate(scheme: .secp256k1)])
        let absent = try #require(SuiAddress(hex: "0x2"))
        #expect(errorCode { _ = try store.keyPair(for: absent) } == .keystoreKeyNotFound)
    }

    @Test("malformed keystore JSON is refused without echoing key material")
    func malformedJSON() {
        let secret = "AJ3ZrjbuUbkSoDZMWMHyEzO82tLZGRGqEnImxRK+KFEC"
        let cases = [
            "", "null", "{}", "[1]", "[\"not base64!\"]", "[\"AAAA\"]", "[\"\(secret.dropLast(4))\"]",
            "[\"CZ3ZrjbuUbkSoDZMWMHyEzO82tLZGRGqEnImxRK+KFEC\"]", "[\"\(secret)\"", "[\"\(secret)\", 3]",
            String(repeating: "[", count: 513), String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000),
        ]
        for json in cases {
            do {
                _ = try SuiKeystore(json: Array(json.utf8))
                Issue.record("accepted \(json)")
            } catch let error as SuiClientError {
                #expect(error.code == .keystoreMalformed, "\(json)")
                #expect(!error.message.contains(secret.prefix(12)))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}
