import ArgumentParser
import SuiClient

/// Which Sui key signs: the keystore (`daasctl key`'s) and, when it holds several, an address.
struct KeystoreOptions: ParsableArguments {
    @OptionGroup var store: KeyCommand.Keystore
    @Option(help: "The address of the key to use (0x...). Default: the keystore's first key.") var address: String?

    /// The keystore path these options name.
    var path: String { store.path }

    /// The selected key pair.
    func keyPair() throws -> SuiKeyPair {
        var selected: SuiAddress?
        if let address {
            guard let parsed = SuiAddress(hex: address) else { throw Failure("--address \(address) is not a Sui address") }
            selected = parsed
        }
        do {
            return try store.load(allowMissing: false).keyPair(for: selected)
        } catch let error as SuiClientError {
            throw Failure("\(path): \(error.message)")
        }
    }
}
