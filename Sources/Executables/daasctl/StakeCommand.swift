import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SuiClient
import SuiDevLedger

/// `daasctl stake`: add, withdraw and list stake on a K3s-DaaS dev ledger (never a real network).
struct StakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stake",
        abstract: "Add, withdraw or list StakedSui on a local K3s-DaaS dev ledger.",
        subcommands: [Add.self, Withdraw.self, List.self]
    )

    /// The ledger to talk to.
    struct Ledger: ParsableArguments {
        @Option(help: "The dev ledger's JSON-RPC URL, e.g. http://127.0.0.1:9000.") var ledger: String
        @Option(help: "The ledger's admin secret file (mode 0600), which add and withdraw need; daas-master writes it as <data-dir>/sui-dev-ledger.secret.")
        var secretFile = "./data/sui-dev-ledger.secret"

        /// The admin secret, for the write methods.
        func secret() throws -> SuiDevLedgerSecret {
            do {
                return try SuiDevLedgerSecret.load(path: secretFile)
            } catch {
                throw Failure("--secret-file: \(error.message)")
            }
        }

        /// Runs `body`, turning a method-not-found answer into the one-line "not a dev ledger" report.
        func perform<T>(secret: SuiDevLedgerSecret? = nil, _ body: (SuiDevLedgerClient) async throws(SuiClientError) -> T) async throws -> T {
            let httpClient = SuiReaders.makeHTTPClient(configuration: SuiReaderConfiguration(endpoints: [ledger]))
            let result: Result<T, SuiClientError>
            do {
                let logger = Logger(label: "daasctl", factory: { _ in SwiftLogNoOpLogHandler() })
                result = .success(try await body(try SuiDevLedgerClient(url: ledger, secret: secret, httpClient: httpClient, logger: logger)))
            } catch {
                result = .failure(error)
            }
            try? await httpClient.shutdown()
            switch result {
            case .success(let value):
                return value
            case .failure(let error) where SuiDevLedgerClient.isNotDevLedger(error):
                FileHandle.standardError.write(Data("daasctl: \(ledger) is not a K3s-DaaS dev ledger (\(error.message))\n".utf8))
                throw ExitCode(2)
            case .failure(let error) where error.code == .transportUnavailable || error.code == .transportHTTPStatus:
                throw Failure(error.message)
            case .failure(let error):
                throw Failure("\(ledger): \(error.message)")
            }
        }
    }

    static func address(_ text: String, _ option: String) throws -> SuiAddress {
        guard text.utf8.count <= 66, let address = SuiAddress(hex: text) else { throw Failure("\(option) \(text.prefix(80)) is not a Sui address") }
        return address
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stake MIST from an address; prints the new StakedSui object id.")
        @OptionGroup var ledger: Ledger
        @Option(help: "The staker's address, 0x followed by hex.") var address: String
        @Option(help: "The amount in MIST (1 SUI = 10^9 MIST).") var amount: UInt64

        func run() async throws {
            let owner = try StakeCommand.address(address, "--address")
            guard amount > 0 else { throw Failure("--amount must be positive") }
            let amount = self.amount
            let id = try await ledger.perform(secret: try ledger.secret()) { client throws(SuiClientError) in try await client.addStake(owner: owner, principal: amount) }
            print(id)
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a StakedSui by object id.")
        @OptionGroup var ledger: Ledger
        @Option(help: "The StakedSui object id.") var id: String

        func run() async throws {
            let id = try StakeCommand.address(self.id, "--id")
            try await ledger.perform(secret: try ledger.secret()) { client throws(SuiClientError) in try await client.withdrawStake(id: id) }
            print("withdrew \(id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an address's stakes: object id, principal (MIST), activation epoch, pool.")
        @OptionGroup var ledger: Ledger
        @Option(help: "The staker's address.") var address: String

        func run() async throws {
            let owner = try StakeCommand.address(address, "--address")
            let stakes = try await ledger.perform { client throws(SuiClientError) in try await client.stakes(owner: owner) }
            for stake in stakes {
                print("\(stake.id) principal=\(stake.principal) activation_epoch=\(stake.stakeActivationEpoch) pool=\(stake.poolId)")
            }
        }
    }
}
