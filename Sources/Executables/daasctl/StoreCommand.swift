import ArgumentParser
import EncStore
import Foundation
import Synchronization

/// `daasctl store`: offline operations on a stopped master's encrypted store.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect the encrypted store or rotate its data key (stop daas-master first).",
        subcommands: [Status.self, RotateKey.self]
    )

    /// Where the store and its keys are.
    struct Location: ParsableArguments {
        @Option(help: "The master's data directory.") var dataDir = "./data"
        @Option(help: "Key file. Default: <data-dir>/store.key.") var keyFile: String?

        var provider: KeyProvider { .file(keyFile ?? dataDir + "/store.key") }

        func open() throws -> MVCCStore {
            do {
                return try MVCCStore.lmdb(directory: dataDir + "/store", keyProvider: provider)
            } catch let error as StoreError {
                throw Failure(error.message)
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the store's revision, key count and active key.")
        @OptionGroup var location: Location

        func run() async throws {
            let ring = try location.provider.loadKeyRing()
            let store = try location.open()
            let revision = try await store.currentRevision()
            let count = try await store.count(prefix: "")
            await store.close()
            print("revision: \(revision)\nkeys: \(count.count)\nactive data key: \(ring.active.id)")
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Re-seal every value under a fresh data key and replace the key file.")
        @OptionGroup var location: Location

        func run() async throws {
            let store = try location.open()
            let report: MVCCStore.KeyRotationReport
            do {
                // Progress on standard error, at most one line per 5,000 records.
                let reported = Mutex(0)
                report = try await store.rotateKey(using: location.provider) { resealed in
                    let due = reported.withLock { last in
                        guard resealed / 5_000 > last / 5_000 else { return false }
                        last = resealed
                        return true
                    }
                    if due { FileHandle.standardError.write(Data("re-sealed \(resealed) records...\n".utf8)) }
                }
            } catch let error as StoreError {
                await store.close()
                throw Failure(error.message)
            }
            await store.close()
            print("rotated to data key \(report.activeKey); re-sealed \(report.resealed) records")
        }
    }
}
