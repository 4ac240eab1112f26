import ArgumentParser
import Foundation
import SuiClient

/// `daasctl key`: Sui keys in a keystore file of the Sui CLI's format.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Create, import and show the Sui keys daasctl signs Seal tokens with.",
        subcommands: [New.self, Import.self, Show.self]
    )

    /// The keystore file option shared by every subcommand.
    struct Keystore: ParsableArguments {
        @Option(help: "Keystore file (Sui CLI format). Default: $DAAS_KEYSTORE, else ~/.daas/sui.keystore.")
        var keystore: String?

        var path: String { keystore ?? SuiKeystore.defaultPath }

        /// The keystore at ``path``; an empty one when the file does not exist yet.
        func load(allowMissing: Bool) throws -> SuiKeystore {
            if allowMissing, !FileManager.default.fileExists(atPath: path) { return SuiKeystore() }
            do {
                return try SuiKeystore.load(path: path)
            } catch let error as SuiClientError {
                throw Failure("\(error)")
            }
        }

        /// Adds `key` to the keystore (created if missing), saves it and prints the key's public facts.
        func add(_ key: SuiKeyPair) throws {
            var store = try load(allowMissing: true)
            store.add(key)
            do {
                try store.save(path: path)
            } catch let error as SuiClientError {
                throw Failure("\(error)")
            }
            print(KeyCommand.describe(key))
            print("keystore: \(path)")
        }
    }

    /// Prints the public facts of `key`.
    static func describe(_ key: SuiKeyPair) -> String {
        "address: \(key.address)\nscheme: \(key.scheme)\npublic key: \(Data(key.publicKey).base64EncodedString())"
    }

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate a key and add it to the keystore.")
        @Option(help: "ed25519, secp256k1 or secp256r1.") var scheme = "ed25519"
        @OptionGroup var keystore: Keystore

        func run() async throws {
            guard let scheme = SuiSignatureScheme.allCases.first(where: { $0.description == scheme.lowercased() }) else {
                throw Failure("--scheme \(scheme): expected ed25519, secp256k1 or secp256r1")
            }
            try keystore.add(SuiKeyPair.generate(scheme: scheme))
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a key exported by `sui keytool export` (suiprivkey1...) to the keystore.")
        @Argument(help: "The Bech32 private key, or - to read it from standard input (keeps it out of shell history).")
        var privateKey: String
        @OptionGroup var keystore: Keystore

        func run() async throws {
            var text = privateKey
            if text == "-" {
                guard let line = readLine(strippingNewline: true) else { throw Failure("no private key on standard input") }
                text = line
            }
            let key: SuiKeyPair
            do {
                key = try SuiKeyPair(suiPrivateKey: text.trimmingCharacters(in: .whitespaces))
            } catch let error as SuiClientError {
                throw Failure("\(error)")
            }
            try keystore.add(key)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a key's address, scheme and public key (the first key unless --address).")
        @Option(help: "The address of the key to show, 0x...") var address: String?
        @Flag(name: .customLong("private"), help: "Also print the private key (suiprivkey1...). It is a secret.")
        var showPrivate = false
        @OptionGroup var keystore: Keystore

        func run() async throws {
            var wanted: SuiAddress?
            if let address {
                guard let parsed = SuiAddress(hex: address) else { throw Failure("--address \(address): not a Sui address") }
                wanted = parsed
            }
            let store = try keystore.load(allowMissing: false)
            let key: SuiKeyPair
            do {
                key = try store.keyPair(for: wanted)
            } catch let error as SuiClientError {
                throw Failure("\(error)")
            }
            print(KeyCommand.describe(key))
            if showPrivate { print("private key: \(key.suiPrivateKey)") }
        }
    }
}
