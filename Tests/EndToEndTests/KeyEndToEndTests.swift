import DaaSTestSupport
import Foundation
import Testing

/// `daasctl key new | import | show` against a temporary keystore.
@Suite("daasctl key", .blockingWaits)
struct KeyEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-key-\(UUID().uuidString)").path

    /// The `name: value` lines of a command's output.
    func fields(_ output: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    @Test("new, import of a keytool suiprivkey, show by address and with --private, and a bad import")
    func keyLifecycle() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let keystore = root + "/keys/sui.keystore"

        let created = try runProduct("daasctl", ["key", "new", "--scheme", "secp256k1", "--keystore", keystore])
        #expect(created.status == 0, "\(created.error)")
        let newKey = fields(created.output)
        #expect(newKey["scheme"] == "secp256k1")
        #expect(newKey["address"]?.count == 66)
        #expect(!created.output.contains("suiprivkey"))
        let mode = try FileManager.default.attributesOfItem(atPath: keystore)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)

        // From MystenLabs/sui keytool_tests.rs (see Tests/SuiClientTests/Fixtures/signatures.json).
        let suiPrivateKey = "suiprivkey1qzwant3kaegmjy4qxex93s0jzvemekkjmyv3r2sjwgnv2y479pgsywhveae"
        let expected = "0x90f3e6d73b5730f16974f4df1d3441394ebae62186baf83608599f226455afa7"
        let imported = try runProduct("daasctl", ["key", "import", suiPrivateKey, "--keystore", keystore])
        #expect(imported.status == 0, "\(imported.error)")
        #expect(fields(imported.output)["address"] == expected)
        #expect(fields(imported.output)["scheme"] == "ed25519")

        let first = try runProduct("daasctl", ["key", "show", "--keystore", keystore])
        #expect(first.status == 0 && fields(first.output)["address"] == newKey["address"], "\(first.error)")
        #expect(!first.output.contains("suiprivkey"))

        let shown = try runProduct("daasctl", ["key", "show", "--address", expected], environment: ["DAAS_KEYSTORE": keystore])
        #expect(shown.status == 0, "\(shown.error)")
        #expect(fields(shown.output)["address"] == expected)
        #expect(fields(shown.output)["public key"]?.isEmpty == false)
        #expect(!shown.output.contains("suiprivkey"))

        let withPrivate = try runProduct("daasctl", ["key", "show", "--address", expected, "--private", "--keystore", keystore])
        #expect(fields(withPrivate.output)["private key"] == suiPrivateKey)

        var corrupted = Array(suiPrivateKey)
        corrupted[30] = corrupted[30] == "q" ? "p" : "q"
        let bad = try runProduct("daasctl", ["key", "import", String(corrupted), "--keystore", keystore])
        #expect(bad.status != 0)
        let lines = bad.error.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: key.malformed"), "\(bad.error)")
        #expect(!bad.error.contains(String(corrupted)))

        let absent = try runProduct("daasctl", ["key", "show", "--address", "0x2", "--keystore", keystore])
        #expect(absent.status != 0 && absent.error.contains("keystore.key_not_found"))

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keystore)
        let insecure = try runProduct("daasctl", ["key", "show", "--keystore", keystore])
        #expect(insecure.status != 0 && insecure.error.contains("keystore.insecure_permissions") && insecure.error.contains("chmod 600"))
    }
}
